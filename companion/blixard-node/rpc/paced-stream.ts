// One server stream's outgoing messages, handed to grpc-js only as fast as the client takes
// them (write() → false waits for 'drain'); the rest wait here, counted against the daemon's
// StreamBufferBudget. A stream cut off ends with RESOURCE_EXHAUSTED that reaches the client
// even when it has stopped reading.

import * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { ResourceLimitError } from './call-errors';
import type { BudgetedStream, StreamBufferBudget } from './stream-buffer-budget';
import { toServiceError } from './status-table';

/**
 * How long a cut-off stream may take to flush the few messages grpc-js already holds before its
 * status. A client that is still reading gets the status with its reason in that time; one that
 * reads nothing never would (the status queues behind data its flow-control window refuses), so
 * its stream is then reset.
 */
export const CUT_OFF_GRACE_MS = 1000;

export class PacedStream implements BudgetedStream {
  private queue: (Buffer | undefined)[] = [];
  private head = 0;
  private ended = false;
  private awaitingDrain = false;
  /** Bytes sent to this stream that the HTTP/2 layer has not taken yet (queued here or in grpc-js). */
  backlogBytes = 0;
  behindSince = performance.now();

  constructor(
    private readonly call: grpc.ServerWritableStream<unknown, unknown>,
    private readonly budget: StreamBufferBudget,
    /** Called once when the stream ends, whichever way. */
    private readonly onEnd: () => void,
  ) {
    budget.add(this);
    call.on('drain', () => {
      this.awaitingDrain = false;
      this.pump();
    });
    const end = () => this.finish();
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Queues one serialized message; the budget may cut this stream (or a slower one) off. */
  send(message: Buffer): void {
    if (this.ended) return;
    this.queue.push(message);
    this.account(message.length);
    this.pump();
    this.budget.enforce(this);
  }

  /** Ends the stream normally (OK status) once what is queued has gone. */
  end(): void {
    if (this.ended) return;
    this.queue = [];
    this.head = 0;
    this.finish();
    this.call.end();
  }

  /** Ends the stream at once with RESOURCE_EXHAUSTED, dropping what is queued. */
  cutOff(reason: string): void {
    if (this.ended) return;
    this.finish();
    const reset = setTimeout(() => resetStream(this.call), CUT_OFF_GRACE_MS);
    reset.unref();
    this.call.once('cancelled', () => clearTimeout(reset));
    // Ends the call with this status after what grpc-js already holds (at most its high-water
    // mark of messages): at once for a client that keeps reading.
    this.call.emit('error', toServiceError(new ResourceLimitError(reason), () => {}, 'WatchMigrations'));
  }

  private pump(): void {
    while (!this.awaitingDrain && !this.ended && this.head < this.queue.length) {
      const message = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      // The callback runs when HTTP/2 has taken the bytes (within the client's window).
      const more = this.call.write(message, () => this.account(-message.length));
      if (!more) this.awaitingDrain = true;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private account(bytes: number): void {
    if (this.ended) return;
    // Progress (bytes taken), or the first byte queued after being caught up, restarts the clock.
    if (bytes < 0 || this.backlogBytes === 0) this.behindSince = performance.now();
    this.backlogBytes += bytes;
    this.budget.change(bytes);
  }

  /** Stops counting: the budget forgets this stream and everything it held. */
  private finish(): void {
    if (this.ended) return;
    this.budget.change(-this.backlogBytes);
    this.backlogBytes = 0;
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.budget.remove(this);
    this.onEnd();
  }
}

/**
 * RST_STREAM with ENHANCE_YOUR_CALM, which gRPC clients report as RESOURCE_EXHAUSTED. grpc-js
 * (1.14) has no public call for it, so this reaches its HTTP/2 stream; if that ever moves, the
 * stream stays open until the client goes (its queue is already dropped) and the abuse test fails.
 */
function resetStream(call: grpc.ServerWritableStream<unknown, unknown>): void {
  const stream = (call as unknown as { call?: { stream?: Partial<http2.ServerHttp2Stream> } }).call?.stream;
  if (stream && typeof stream.close === 'function' && !stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
}
