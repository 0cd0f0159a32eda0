// What the daemon may hold for clients that read their streams slowly or not at all: bytes
// queued per stream and across all streams, streams per connection, connections. Past a limit
// the stream furthest behind is cut off (RESOURCE_EXHAUSTED), so memory stays bounded whatever
// the clients do.

import { formatBytes } from '../../../src/model/vocabulary';

export interface StreamLimits {
  /** Bytes queued for all streams together; past it the streams furthest behind are cut off. */
  maxBufferedBytes: number;
  /** Bytes queued for one stream; past it that stream is cut off. */
  maxStreamBacklogBytes: number;
  /** WatchMigrations streams one client connection may hold open; more are refused. */
  maxStreamsPerConnection: number;
  /** Client connections the daemon accepts at once; more are dropped. */
  maxConnections: number;
}

const MiB = 1024 * 1024;

/**
 * A client follows one stream per daemon; a few hundred connections (windows, CLIs) is a busy
 * cluster. A snapshot of 20,000 in-flight migrations (~5 MiB) still fits one stream's backlog.
 */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxBufferedBytes: 64 * MiB,
  maxStreamBacklogBytes: 8 * MiB,
  maxStreamsPerConnection: 16,
  maxConnections: 512,
};

/** A stream whose queued bytes the budget counts and which it may cut off. */
export interface BudgetedStream {
  readonly backlogBytes: number;
  /** When the stream last made progress while it had something queued (ms, monotonic). */
  readonly behindSince: number;
  cutOff(reason: string): void;
}

export class StreamBufferBudget {
  private total = 0;
  private readonly streams = new Set<BudgetedStream>();

  constructor(private readonly limits: Pick<StreamLimits, 'maxBufferedBytes' | 'maxStreamBacklogBytes'>) {}

  /** Bytes queued across every stream. */
  get bufferedBytes(): number {
    return this.total;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  add(stream: BudgetedStream): void {
    this.streams.add(stream);
  }

  /** The stream ended: what it still counted is released by the caller through `change`. */
  remove(stream: BudgetedStream): void {
    this.streams.delete(stream);
  }

  /** A stream's backlog grew (positive) or drained (negative) by `bytes`. */
  change(bytes: number): void {
    this.total += bytes;
  }

  /**
   * After `grown` queued more: cut it off when it alone is past its cap, then, while the total
   * is past the budget, cut the stream that has gone longest without taking anything. A stalled
   * reader is chosen before one that is merely slow for a moment (a busy client still takes
   * something every few milliseconds), whatever their backlogs.
   */
  enforce(grown: BudgetedStream): void {
    if (grown.backlogBytes > this.limits.maxStreamBacklogBytes) {
      grown.cutOff(`the watcher fell too far behind (more than ${formatBytes(this.limits.maxStreamBacklogBytes)} queued for it); reconnect to get a fresh snapshot`);
    }
    while (this.total > this.limits.maxBufferedBytes) {
      let stalest: BudgetedStream | undefined;
      for (const s of this.streams) {
        if (s.backlogBytes === 0) continue;
        if (!stalest || s.behindSince < stalest.behindSince || (s.behindSince === stalest.behindSince && s.backlogBytes > stalest.backlogBytes)) stalest = s;
      }
      if (!stalest) break;
      stalest.cutOff(
        `the watcher fell too far behind: the daemon's stream buffer (${formatBytes(this.limits.maxBufferedBytes)} for all watchers) is full and it had taken nothing for the longest; reconnect to get a fresh snapshot`,
      );
    }
  }
}
