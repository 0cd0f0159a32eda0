// Which clusters' migration streams are down right now, since when and why — derived once from
// the watcher's connection events, so the output channel, the CLI, the status bar and the dialog
// agree on one outage: it starts at the first failed attempt, repeated failures are counted (not
// re-announced), a new reason is said once, and it ends when the stream connects again.

import type { ConnectionState } from '../model/cluster';
import { Emitter, type Event } from '../base/event';
import { type IDisposable } from '../base/lifecycle';
import type { SourceStatusEvent } from './watcher-events';

export interface StreamOutage {
  sourceId: string;
  /** When the stream was lost: it left 'connected' (or, for one never connected, first failed). */
  since: number;
  /** When the latest failed attempt was reported. */
  lastFailureAt: number;
  /** The latest failure, as the source worded it. */
  reason: string;
  /** Failed attempts not yet said: since the last reason announced (that announcement not counted). */
  repeats: number;
}

export type StreamOutageEvent =
  /** The stream is down (the first failed attempt after it was connected, or ever). */
  | { type: 'down'; outage: StreamOutage }
  /** Still down, for another reason than the one last said; `repeats` counts the attempts that failed for the earlier one. */
  | { type: 'reason'; outage: StreamOutage; previousReason: string; repeats: number }
  /** Connected again; `downForMs` from `since`, `repeats` the failures not yet said. */
  | { type: 'back'; sourceId: string; downForMs: number; repeats: number; reason: string }
  /** The source was removed while down: nothing is down there any more, and nothing came back. */
  | { type: 'gone'; sourceId: string };

export class StreamOutages implements IDisposable {
  private readonly outages = new Map<string, StreamOutage>();
  /** The reasons each current outage has already been announced with, so a flapping pair is said once each. */
  private readonly reasonsSaid = new Map<string, Set<string>>();
  /** When each source's stream was last lost while not yet reported down (left 'connected'). */
  private readonly lostAt = new Map<string, number>();
  private readonly emitter = new Emitter<StreamOutageEvent>();
  private readonly subscription: IDisposable;

  readonly onDidChange: Event<StreamOutageEvent> = this.emitter.event;

  constructor(
    statusEvents: Event<SourceStatusEvent>,
    private readonly now: () => number = Date.now,
  ) {
    this.subscription = statusEvents((e) => this.accept(e.sourceId, e.state));
  }

  /** The outage of one source's stream, or undefined while it streams (or connects for the first time). */
  of(sourceId: string): StreamOutage | undefined {
    const outage = this.outages.get(sourceId);
    return outage && { ...outage };
  }

  /** Every current outage, in the order they began. */
  all(): StreamOutage[] {
    return [...this.outages.values()].map((o) => ({ ...o }));
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
    this.outages.clear();
    this.lostAt.clear();
    this.reasonsSaid.clear();
  }

  private accept(sourceId: string, state: ConnectionState | undefined): void {
    const outage = this.outages.get(sourceId);
    const now = this.now();
    if (state === undefined) {
      this.lostAt.delete(sourceId);
      this.reasonsSaid.delete(sourceId);
      if (outage) {
        this.outages.delete(sourceId);
        this.emitter.fire({ type: 'gone', sourceId });
      }
      return;
    }
    switch (state.state) {
      case 'connected':
        this.lostAt.delete(sourceId);
        this.reasonsSaid.delete(sourceId);
        if (outage) {
          this.outages.delete(sourceId);
          this.emitter.fire({ type: 'back', sourceId, downForMs: Math.max(0, now - outage.since), repeats: outage.repeats, reason: outage.reason });
        }
        return;
      case 'connecting':
        // Between attempts a source says 'connecting'; that is no news while down. Losing a
        // connected stream is remembered, so the outage counts from then.
        if (!outage && !this.lostAt.has(sourceId)) this.lostAt.set(sourceId, now);
        return;
      case 'unreachable': {
        const reason = String(state.reason ?? '').trim() || 'no reason given';
        if (!outage) {
          const started: StreamOutage = { sourceId, since: this.lostAt.get(sourceId) ?? now, lastFailureAt: now, reason, repeats: 0 };
          this.lostAt.delete(sourceId);
          this.outages.set(sourceId, started);
          this.reasonsSaid.set(sourceId, new Set([reason]));
          this.emitter.fire({ type: 'down', outage: { ...started } });
        } else if (reason !== outage.reason && !this.reasonsSaid.get(sourceId)?.has(reason)) {
          this.reasonsSaid.get(sourceId)?.add(reason);
          const { reason: previousReason, repeats } = outage;
          Object.assign(outage, { reason, repeats: 0, lastFailureAt: now });
          this.emitter.fire({ type: 'reason', outage: { ...outage }, previousReason, repeats });
        } else {
          // The same failure again (another retry, or a reason already said in this outage):
          // counted, said when the stream is back or the reason changes to a new one.
          outage.repeats++;
          outage.lastFailureAt = now;
          outage.reason = reason;
        }
        return;
      }
    }
  }
}
