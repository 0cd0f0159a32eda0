// The one table from the daemon's errors to gRPC status codes (etcd's v3rpc/util.go is the model):
// the domain throws errors named for what went wrong (../errors.ts), the gRPC layer its own
// (call-errors.ts), and every status a handler ends with is looked up here. An error not in the
// table is a bug: INTERNAL with a generic message, and its stack goes to the log, never to the caller.

import { status } from '@grpc/grpc-js';
import type * as grpc from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  DaemonStartingError,
  DaemonStoppingError,
  FailedPreconditionError,
  InvalidArgumentError,
  NodeInMaintenanceError,
  NotFoundError,
  StoreUnavailableError,
  WaitTimeoutError,
  WriteConflictError,
} from '../errors';
import { CallerCancelledError, ResourceLimitError } from './call-errors';

interface StatusRule {
  code: status;
  /** What the caller reads; the error's own message when absent. */
  details?: (err: Error) => string;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Keyed by the error's class itself (not a subclass): each class names one kind of failure. */
export const STATUS_BY_ERROR: ReadonlyMap<ErrorClass, StatusRule> = new Map<ErrorClass, StatusRule>([
  [InvalidArgumentError, { code: status.INVALID_ARGUMENT }],
  [NotFoundError, { code: status.NOT_FOUND }],
  [AlreadyExistsError, { code: status.ALREADY_EXISTS }],
  [FailedPreconditionError, { code: status.FAILED_PRECONDITION }],
  [NodeInMaintenanceError, { code: status.FAILED_PRECONDITION }],
  [StoreUnavailableError, { code: status.UNAVAILABLE, details: (err) => `cluster store unreachable: ${err.message}` }],
  [WriteConflictError, { code: status.ABORTED }],
  [WaitTimeoutError, { code: status.DEADLINE_EXCEEDED, details: () => 'the cluster did not apply the change in time; try again' }],
  [DaemonStartingError, { code: status.UNAVAILABLE }],
  [DaemonStoppingError, { code: status.UNAVAILABLE }],
  [ResourceLimitError, { code: status.RESOURCE_EXHAUSTED }],
  [CallerCancelledError, { code: status.CANCELLED }],
]);

/** For clients of the daemon (the console CLI): whether a call ended well. */
export function isOkStatus(code: number): boolean {
  return code === status.OK;
}

/**
 * For clients of the daemon: whether a failed call may succeed when made again, on this daemon
 * (restarted) or another — a daemon killed, shutting down, unreachable or cut off — as opposed to
 * a refusal that would be answered the same way again (not found, not running, bad request).
 */
export function isTransientStatus(code: number): boolean {
  return [status.UNAVAILABLE, status.CANCELLED, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.ABORTED].includes(code);
}

const INTERNAL_DETAILS = 'internal error in the node daemon (see its log)';

/** The status a call ends with for `err`; logs what the table does not know. */
export function toServiceError(err: unknown, log: (line: string) => void, method: string): Partial<grpc.ServiceError> {
  const rule = err instanceof Error ? STATUS_BY_ERROR.get(err.constructor as ErrorClass) : undefined;
  if (rule && err instanceof Error) return { code: rule.code, details: rule.details ? rule.details(err) : err.message };
  log(`${method} failed: ${(err as Error)?.stack ?? String(err)}`);
  return { code: status.INTERNAL, details: INTERNAL_DETAILS };
}
