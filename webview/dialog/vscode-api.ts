// The webview's handle on VS Code: post messages to the host and keep state across hide/reload.

import type { PersistedDialogState, WebviewMessage } from '../../src/protocol/migration-dialog';
import { isPersistedDialogState } from '../../src/protocol/migration-dialog';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

export function loadPersisted(): PersistedDialogState | undefined {
  const state = api.getState();
  return isPersistedDialogState(state) ? state : undefined;
}

export function savePersisted(state: PersistedDialogState): void {
  api.setState(state);
}
