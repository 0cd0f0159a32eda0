// Errors the gRPC layer raises itself, about a call rather than the cluster: a watcher past the
// daemon's limits, a caller that went away. rpc/status-table.ts maps them with the domain's.

/** A stream or connection took more than the daemon lets one caller hold (stream-buffer-budget.ts). */
export class ResourceLimitError extends Error {
  override readonly name = 'ResourceLimitError';
}

/** The caller cancelled the call or its deadline passed: nobody is left to read the answer. */
export class CallerCancelledError extends Error {
  override readonly name = 'CallerCancelledError';
  constructor() {
    super('the caller cancelled the call');
  }
}
