// The daemon's errors that end a request, named for what went wrong, not for a gRPC code: the
// domain (node-operations, agent/, state/, store/) throws them, rpc/status-table.ts maps each to
// the status a caller sees. Anything else that escapes a handler is an internal error.

/** The request contradicts itself or the cluster's rules ("Target node must be different from source node"). */
export class InvalidArgumentError extends Error {
  override readonly name = 'InvalidArgumentError';
}

/** What the request names does not exist: a VM, a node, a migration. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The name or id the request would create is taken. */
export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
}

/** Refused in the cluster's current state: a migration in flight, a VM not running, a node short of capacity. */
export class FailedPreconditionError extends Error {
  override readonly name = 'FailedPreconditionError';
}

/** The store could not be reached or did not answer in time: the caller may retry later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Other writers kept winning the compare-and-swap on the keys a write depends on. */
export class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
}

/** The daemon's view of the cluster did not reach the awaited state in time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** The daemon has not joined the cluster yet. */
export class DaemonStartingError extends Error {
  override readonly name = 'DaemonStartingError';
  constructor() {
    super('the node daemon is starting');
  }
}

/** The daemon is stopping: the reason its shutdown signal aborts with, so every wait it ends says so. */
export class DaemonStoppingError extends Error {
  override readonly name = 'DaemonStoppingError';
  constructor() {
    super('the node daemon is shutting down');
  }
}

/** Quotes caller-supplied text for a message: bounded length, control characters escaped. */
export function quote(text: unknown): string {
  const s = typeof text === 'string' ? text : String(text);
  const shown = s.length > 64 ? `${s.slice(0, 64)}…` : s;
  return JSON.stringify(shown).replace(/^"|"$/g, "'");
}

/**
 * The node the request would place a VM on is in maintenance (cordoned): it takes no new VMs until
 * it leaves maintenance. Its own class, not a FailedPreconditionError, so the one status table
 * names this refusal and a client can tell it from a capacity shortfall by its words.
 */
export class NodeInMaintenanceError extends Error {
  override readonly name = 'NodeInMaintenanceError';
}
