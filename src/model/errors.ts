// Errors a source raises toward the UI: a code to branch on and a message a person can read.
// Never a stack trace, never a credential.

export type SourceErrorCode =
  | 'invalid-argument'
  | 'not-found'
  | 'failed-precondition'
  | 'forbidden'
  | 'unauthenticated'
  | 'unavailable'
  | 'timeout'
  | 'conflict'
  | 'internal';

export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** The message to show a person for any thrown value, without stack or internals. */
export function describeError(err: unknown): string {
  if (err instanceof SourceError) return err.message;
  if (err instanceof Error && err.message) return err.message.split('\n')[0];
  return String(err);
}
