// Why the history server did not answer, in the few kinds the extension tells apart: each is
// one line in the Migrations view and one log line (logged once per distinct reason), and the
// local history answers meanwhile. Messages never hold the token (the client never puts it in one).

export type RemoteHistoryErrorCode =
  /** Nothing listens there, the name does not resolve, the connection was reset. */
  | 'unreachable'
  /** 401/403: no token, or not the server's. */
  | 'unauthorized'
  /** No answer within the deadline. */
  | 'timeout'
  /** An answer that is not the API's JSON (another server, a proxy's page, a corrupted body). */
  | 'bad-answer'
  /** Any other status (404 for an id is not an error: it answers undefined). */
  | 'status'
  /** The setting is not a usable http(s) URL. */
  | 'bad-url';

export class RemoteHistoryError extends Error {
  constructor(
    readonly code: RemoteHistoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteHistoryError';
  }
}
