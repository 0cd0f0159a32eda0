// What a console client (the `blixard-node console` CLI, the extension's console follower) keeps to
// attach again after the daemon serving its stream went away: where it stopped reading (the log's
// id and position, sent back as ConsoleInput.resume so nothing is printed twice), and which daemons
// to try, in which order, how often and for how long. Decisions only — the clients do the calls and
// the timers.

import { Backoff, type BackoffOptions } from '../base/backoff';

/** The log and position of the last console output a client received. */
export class ConsoleCursor {
  private logId = '';
  private position = '0';

  /** A stream attached to log `logId`, its replay beginning at `position` (both with ConsoleOutput.attached). */
  attached(logId: string, position: string): void {
    this.logId = logId;
    this.position = position;
  }

  /** Output up to `position` (ConsoleOutput.position with `data`) has been received. */
  received(position: string): void {
    if (this.logId) this.position = position;
  }

  /** Whether a stream has attached at all (so there is a console to come back to). */
  get hasAttached(): boolean {
    return this.logId !== '';
  }

  /** ConsoleInput.resume for the next attach: on the same log the daemon sends what followed; on another, the VM's current life there. */
  resume(): { logId: string; position: string } | undefined {
    return this.logId ? { logId: this.logId, position: this.position } : undefined;
  }
}

export interface ReconnectOptions {
  backoff: BackoffOptions;
  /** Give up once reconnecting has lasted this long. */
  giveUpMs: number;
  now?: () => number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { backoff: { initialMs: 250, maxMs: 4000 }, giveUpMs: 60_000 };

/**
 * The daemons to try when a stream was cut off: the one that served it first (restarted on the
 * same state folder it serves the VM again), then every other address the client knows, a round
 * at a time, with a backoff between rounds — until one attaches or the time is up.
 */
export class ConsoleReconnect {
  private readonly addresses: string[] = [];
  private queue: string[] = [];
  private since: number | undefined;
  private readonly backoff: Backoff;
  private readonly now: () => number;

  constructor(private readonly options: ReconnectOptions = DEFAULT_RECONNECT) {
    this.backoff = new Backoff(options.backoff);
    this.now = options.now ?? Date.now;
  }

  /** An address of the cluster (configured, or named by `attached`/`moved`). */
  learn(address: string): void {
    if (address && !this.addresses.includes(address)) this.addresses.push(address);
  }

  get reconnecting(): boolean {
    return this.since !== undefined;
  }

  /** The stream from `lostAddress` was cut off: reconnecting starts (or goes on) from there. */
  lost(lostAddress: string): void {
    this.learn(lostAddress);
    if (this.since === undefined) {
      this.since = this.now();
      this.queue = [lostAddress, ...this.addresses.filter((a) => a !== lostAddress)];
    }
  }

  /** Where to try next and after what pause; undefined: time is up, give up. */
  next(): { address: string; delayMs: number } | undefined {
    if (this.since === undefined) return undefined;
    let delayMs = 0;
    if (this.queue.length === 0) {
      delayMs = this.backoff.next();
      this.queue = [...this.addresses];
    }
    if (this.now() + delayMs - this.since > this.options.giveUpMs) return undefined;
    return { address: this.queue.shift()!, delayMs };
  }

  /** Attached again. */
  succeeded(): void {
    this.since = undefined;
    this.queue = [];
    this.backoff.reset();
  }

  /** How long reconnecting has lasted (for the give-up message). */
  elapsedMs(): number {
    return this.since === undefined ? 0 : this.now() - this.since;
  }
}
