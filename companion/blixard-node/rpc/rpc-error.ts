// An error meant for the caller: a gRPC status code and a message a person understands.
// Anything else thrown inside a handler becomes INTERNAL with a generic message (and is logged).

import { status } from '@grpc/grpc-js';

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string) => new RpcError(status.FAILED_PRECONDITION, message);
export const alreadyExists = (message: string) => new RpcError(status.ALREADY_EXISTS, message);
export const unavailable = (message: string) => new RpcError(status.UNAVAILABLE, message);

/** Quotes caller-supplied text for a message: bounded length, control characters escaped. */
export function quote(text: unknown): string {
  const s = typeof text === 'string' ? text : String(text);
  const shown = s.length > 64 ? `${s.slice(0, 64)}…` : s;
  return JSON.stringify(shown).replace(/^"|"$/g, "'");
}
