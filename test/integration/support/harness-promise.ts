// What a launcher promises the suite about the workbench it runs in — the pinned VS Code
// release and the UI kind — handed to the extension host in its environment, so the suite
// checks that it runs exactly where the harness says, not merely in some VS Code.

export const HARNESS_VSCODE_VERSION_ENV = 'BLIXARD_HARNESS_VSCODE_VERSION';
export const HARNESS_UI_KIND_ENV = 'BLIXARD_HARNESS_UI_KIND';

export type HarnessUiKind = 'web' | 'desktop';

export interface HarnessPromise {
  vscodeVersion: string;
  uiKind: HarnessUiKind;
}

/** The environment a launcher gives the extension host. */
export function harnessPromiseEnv(promise: HarnessPromise): Record<string, string> {
  return { [HARNESS_VSCODE_VERSION_ENV]: promise.vscodeVersion, [HARNESS_UI_KIND_ENV]: promise.uiKind };
}

/** Read inside the extension host; throws when the suite was started by something that promised nothing. */
export function harnessPromise(): HarnessPromise {
  const vscodeVersion = process.env[HARNESS_VSCODE_VERSION_ENV];
  const uiKind = process.env[HARNESS_UI_KIND_ENV];
  if (!vscodeVersion || (uiKind !== 'web' && uiKind !== 'desktop')) {
    throw new Error(`the launcher did not say which workbench it started (${HARNESS_VSCODE_VERSION_ENV}, ${HARNESS_UI_KIND_ENV}); run the suite through test/integration/launch.ts or launch-electron.ts`);
  }
  return { vscodeVersion, uiKind };
}
