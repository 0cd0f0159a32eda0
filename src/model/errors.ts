// Errors a source raises toward the UI: a code to branch on and a message a person can read.
// Never a stack trace, never a credential: every message is scrubbed of known secrets as it is
// made, and again as it is described (a plain Error from a library is not a SourceError).

import { scrubSecrets } from '../base/secret-registry';

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
    super(scrubSecrets(message));
    this.name = 'SourceError';
  }
}

/** The message to show a person for any thrown value, without stack or internals. */
export function describeError(err: unknown): string {
  if (err instanceof SourceError) return scrubSecrets(err.message);
  if (err instanceof Error && err.message) return scrubSecrets(err.message.split('\n')[0]);
  return scrubSecrets(String(err));
}
