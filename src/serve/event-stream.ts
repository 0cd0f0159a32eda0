// GET /api/v1/migrations/watch on the wire: Server-Sent Events from the TransitionFeed. After a
// Last-Event-ID, the held transitions after it (or a `reset`); then a `ready` event carrying the
// feed's current position as its id (so a client that drops before any transition still resumes
// from where it connected); then each new transition as it comes — all in one synchronous step,
// so nothing falls between the replay and the subscription. A client that does not read (its
// socket buffer past `maxBufferedBytes`) is cut off; it resumes with its Last-Event-ID.

import type { ServerResponse } from 'node:http';
import type { FeedEvent, TransitionFeed } from './transition-feed';

export interface EventStreamOptions {
  feed: TransitionFeed;
  lastEventId?: string;
  /** Only this cluster's transitions. */
  cluster?: string;
  keepAliveMs: number;
  maxBufferedBytes: number;
  onClose(): void;
}

export function streamTransitions(res: ServerResponse, options: EventStreamOptions): void {
  const { feed, cluster } = options;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Reverse proxies (nginx) must pass events on as they come.
    'x-accel-buffering': 'no',
  });
  const write = (text: string) => {
    if (res.destroyed) return;
    res.write(text);
    if (res.writableLength > options.maxBufferedBytes) res.destroy();
  };
  const send = (e: FeedEvent) => {
    if (cluster === undefined || e.cluster === cluster) write(`id: ${e.id}\nevent: transition\ndata: ${JSON.stringify(e.data)}\n\n`);
  };
  write('retry: 1000\n\n');
  if (options.lastEventId !== undefined) {
    const resume = feed.after(options.lastEventId);
    if (resume.kind === 'reset') write(`event: reset\ndata: ${JSON.stringify({ reason: resume.reason })}\n\n`);
    else for (const e of resume.events) send(e);
  }
  // After the replay: a client cut off during it resumes from the last replayed event, not past the rest.
  write(`id: ${feed.position}\nevent: ready\ndata: {}\n\n`);
  const subscription = feed.onEvent(send);
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs);
  keepAlive.unref();
  res.on('close', () => {
    subscription.dispose();
    clearInterval(keepAlive);
    options.onClose();
  });
}
