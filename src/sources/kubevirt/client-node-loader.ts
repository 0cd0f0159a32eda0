// @kubernetes/client-node costs ~120 ms to load: it is pulled in on first use, never at import
// time, so activating the extension stays cheap (DESIGN.md "Activation stays cheap").

export type ClientNode = typeof import('@kubernetes/client-node');

let loading: Promise<ClientNode> | undefined;

export function loadClientNode(): Promise<ClientNode> {
  loading ??= import('@kubernetes/client-node').catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
