// Bounds how long anything waits on a promise: every network-facing wait in the core has one.

/** What withDeadline() rejects with when the time is up, so a caller can tell "too slow" from the work's own failure. */
export class DeadlineError extends Error {}

/**
 * Settles like `promise`, or rejects after `ms` with a DeadlineError saying `timedOut` (or with
 * what `timedOut()` makes: a source's own timeout error). The timer never keeps Node alive. The
 * work itself is not stopped: it settles unheard.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, timedOut: string | (() => Error)): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(typeof timedOut === 'string' ? new DeadlineError(timedOut) : timedOut()), ms);
    timer.unref?.();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Like withDeadline(), but answers `fallback` when the time is up (a lookup that may go without an answer). */
export function withDeadlineOr<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return withDeadline<T | F>(promise, ms, 'deadline').catch((err: unknown) => {
    if (err instanceof DeadlineError) return fallback;
    throw err;
  });
}
