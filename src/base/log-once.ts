// Says each distinct thing once: a cluster that keeps sending the same bad object, or a history
// follower that reloads every second, must not flood the log. Bounded, so a stream of distinct
// keys (a new id in every bad event) cannot grow it without end; the oldest key is forgotten
// first, and may then be said once more.

import type { Logger, LogLevel } from './logger';

/** How many distinct keys are remembered: far more than a session's distinct problems. */
export const LOG_ONCE_LIMIT = 1_000;

export class LogOnce {
  private readonly seen = new Set<string>();

  constructor(private readonly limit = LOG_ONCE_LIMIT) {}

  /** True the first time `key` is offered (and again once newer keys have pushed it out). */
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  /** Writes `message` at `level` unless `key` was said before. */
  log<L extends LogLevel>(logger: Pick<Logger, L>, level: L, key: string, message: string): void {
    if (this.first(key)) logger[level](message);
  }

  /** A logger for `levels` that says each distinct message once per level, through `logger`. */
  wrap<L extends LogLevel>(logger: Pick<Logger, L>, levels: readonly L[]): Pick<Logger, L> {
    const once: Partial<Pick<Logger, L>> = {};
    for (const level of levels) once[level] = (message: string) => this.log(logger, level, `${level}:${message}`, message);
    return once as Pick<Logger, L>;
  }
}
