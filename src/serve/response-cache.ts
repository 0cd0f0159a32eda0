// The answers of the read endpoints, kept until the history next changes: the body as sent and its
// ETag (a hash of the body, so If-None-Match holds across restarts too). Any change of the history
// (a record, a deletion, a reload) drops them all — cheaper than knowing which listing a change
// touches, and a scrape of /active between two transitions is then a map lookup, not a query.
// Concurrent misses of one key share one query. An answer computed across a change is not kept.
// The body is kept as UTF-8 bytes: a scrape of a 100 KB /active is then a write of them, not an
// encoding of the string per request.

import { createHash } from 'node:crypto';
import type { Event } from '../base/event';
import type { IDisposable } from '../base/lifecycle';

export interface CachedAnswer {
  body: Buffer;
  etag: string;
}

export class ResponseCache implements IDisposable {
  private generation = 0;
  private readonly answers = new Map<string, CachedAnswer>();
  private readonly inflight = new Map<string, Promise<CachedAnswer>>();
  private readonly subscription: IDisposable;

  constructor(
    changes: Event<unknown>,
    private readonly maxEntries = 4096,
  ) {
    this.subscription = changes(() => this.invalidate());
  }

  invalidate(): void {
    this.generation++;
    this.answers.clear();
    this.inflight.clear();
  }

  get(key: string, produce: () => Promise<unknown>): Promise<CachedAnswer> {
    const hit = this.answers.get(key);
    if (hit) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const work = produce().then((value) => {
      const body = Buffer.from(JSON.stringify(value), 'utf8');
      const answer = { body, etag: etagOf(body) };
      if (generation === this.generation) {
        if (this.answers.size >= this.maxEntries) this.answers.clear();
        this.answers.set(key, answer);
      }
      return answer;
    });
    this.inflight.set(key, work);
    const forget = () => {
      if (this.inflight.get(key) === work) this.inflight.delete(key);
    };
    work.then(forget, forget);
    return work;
  }

  dispose(): void {
    this.subscription.dispose();
    this.invalidate();
  }
}

export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Whether an If-None-Match header names this ETag (or is `*`); weak validators compare equal, as RFC 9110 says for GET. */
export function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  if (typeof header !== 'string' || header.length > 4096) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
