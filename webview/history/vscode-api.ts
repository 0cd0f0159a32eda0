// The history webview's handle on VS Code: post messages to the host and keep the query and open
// migration across hide/reload (the panel serializer hands them back to the host).

import { type HistoryWebviewMessage, type PersistedHistoryState } from '../../src/protocol/history-panel';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: HistoryWebviewMessage): void {
  api.postMessage(message);
}

export function savePersisted(state: PersistedHistoryState): void {
  api.setState(state);
}
