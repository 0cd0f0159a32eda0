// Errors the history raises toward its callers: a code to branch on and a sentence a person can read.

export type HistoryErrorCode =
  | 'invalid-record' // record() was given something that is not a Migration / PhaseTransition list
  | 'invalid-argument' // a query parameter out of range
  | 'read-only' // a write on a store opened read-only
  | 'closed' // any call after close()
  | 'schema-too-new' // the database was written by a newer version of the extension
  | 'wasm-not-found' // sql.js's WebAssembly file could not be located
  | 'refused-path' // a file or folder the history will not use: not a regular file/directory, a link, another user's, writable by others, too large
  | 'io'; // the disk refused a write

export class HistoryError extends Error {
  constructor(
    readonly code: HistoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}
