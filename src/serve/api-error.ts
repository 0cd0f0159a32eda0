// The errors of the HTTP API: each a status and one of a few words, with a message for a person,
// sent as `{error, message}` — never a stack trace, never what an exception said inside (that is
// logged, scrubbed; the client reads "internal"). One table from word to status.

export type ApiErrorWord = 'bad-request' | 'unauthorized' | 'not-found' | 'method-not-allowed' | 'payload-too-large' | 'too-many-requests' | 'unavailable' | 'internal';

const STATUS: Readonly<Record<ApiErrorWord, number>> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  'payload-too-large': 413,
  'too-many-requests': 429,
  unavailable: 503,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly word: ApiErrorWord,
    message: string,
    /** Extra response headers (Allow, Retry-After, WWW-Authenticate). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = STATUS[word];
  }

  body(): string {
    return JSON.stringify({ error: this.word, message: this.message });
  }
}

/** The word for a status a framework or Node chose (a malformed URL, a body too large). */
export function wordForStatus(status: number): ApiErrorWord {
  for (const [word, s] of Object.entries(STATUS) as Array<[ApiErrorWord, number]>) if (s === status) return word;
  return status >= 500 ? 'internal' : 'bad-request';
}
