// A Server-Sent Events client over a raw HTTP request, as EventSource behaves: it parses `id`,
// `event` and `data` lines, remembers the last id, and can be cut off (the socket destroyed
// mid-stream) to test a resume with Last-Event-ID.

import http from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  lastEventId: string | undefined;
  private req: http.ClientRequest | undefined;
  status: number | undefined;
  private ended = false;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Connects (sending Last-Event-ID when one is known); resolves once the response headers came. */
  connect(): Promise<number> {
    const target = new URL(this.url);
    const headers = { accept: 'text/event-stream', ...this.headers, ...(this.lastEventId !== undefined ? { 'last-event-id': this.lastEventId } : {}) };
    this.ended = false;
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, headers, agent: false }, (res) => {
        this.status = res.statusCode;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            this.parse(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
          }
        });
        res.on('close', () => (this.ended = true));
        res.on('error', () => (this.ended = true));
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err) => (this.status === undefined ? reject(err) : (this.ended = true)));
      req.end();
      this.req = req;
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Cuts the connection as a network failure would. */
  cut(): void {
    this.req?.destroy();
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    let id: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (id !== undefined) this.lastEventId = id;
    if (data.length > 0 || id !== undefined) this.events.push({ id, event, data: data.join('\n') });
  }
}
