// The transitions the SSE endpoint streams, numbered in the order this server learned them and
// kept in a ring of the latest `capacity`, so a client that reconnects with Last-Event-ID gets
// exactly the ones after it — none lost, none twice. An id is "<boot>.<n>": one from an earlier
// run of the server, or older than the ring, cannot be resumed, and the client is told to list
// again (a `reset` event) instead of being handed a gap.

import { randomBytes } from 'node:crypto';
import { Emitter, type Event } from '../base/event';
import type { ApiMigration, ApiTransition } from './migration-json';

export interface FeedEvent {
  id: string;
  seq: number;
  cluster: string;
  data: { migration: ApiMigration; transition: ApiTransition; previousPhase?: string };
}

export type Resume = { kind: 'events'; events: FeedEvent[] } | { kind: 'reset'; reason: string };

export class TransitionFeed {
  readonly boot = randomBytes(6).toString('hex');
  private readonly ring: FeedEvent[] = [];
  private start = 0;
  private nextSeq = 1;
  private readonly emitter = new Emitter<FeedEvent>();
  readonly onEvent: Event<FeedEvent> = this.emitter.event;

  constructor(private readonly capacity = 50_000) {}

  push(data: FeedEvent['data']): FeedEvent {
    const seq = this.nextSeq++;
    const event: FeedEvent = { id: `${this.boot}.${seq}`, seq, cluster: data.migration.cluster, data };
    if (this.ring.length < this.capacity) this.ring.push(event);
    else {
      this.ring[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    this.emitter.fire(event);
    return event;
  }

  /** The events after `lastEventId` (a Last-Event-ID header), or why they cannot be given. */
  after(lastEventId: string): Resume {
    const match = /^([0-9a-f]{12})\.(\d{1,15})$/.exec(lastEventId);
    if (!match) return { kind: 'reset', reason: 'Last-Event-ID is not an event id of this server' };
    if (match[1] !== this.boot) return { kind: 'reset', reason: 'the server restarted since that event; list again, then follow' };
    const seq = Number(match[2]);
    if (seq >= this.nextSeq) return { kind: 'reset', reason: 'Last-Event-ID names an event this server has not sent' };
    const oldest = this.ring.length === 0 ? this.nextSeq : this.ring[this.start].seq;
    if (seq < oldest - 1) return { kind: 'reset', reason: 'more transitions happened since that event than the server keeps; list again, then follow' };
    const events: FeedEvent[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const e = this.ring[(this.start + i) % this.ring.length];
      if (e.seq > seq) events.push(e);
    }
    return { kind: 'events', events };
  }

  /** The id of the latest event (`<boot>.0` before the first): where a client that saw everything so far stands. */
  get position(): string {
    return `${this.boot}.${this.nextSeq - 1}`;
  }

  get size(): number {
    return this.ring.length;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
