// An event-loop watchdog for the thread that runs it: perf_hooks.monitorEventLoopDelay at 1 ms
// resolution and a 1 ms interval probe's longest gap (the histogram records nothing while work
// never yields, the probe does). Used by bench/history-host.ts and the history worker's test.

import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface BlockFigure {
  /** Longest the thread was blocked, ms (monitorEventLoopDelay's max). */
  maxMs: number;
  p99Ms: number;
  /** The 1 ms interval probe's longest gap, ms. */
  probeGapMs: number;
  /** How long the activity took, ms. */
  tookMs: number;
}

/** Runs `work` under the watchdog. */
export async function watchEventLoop(work: () => Promise<unknown>): Promise<BlockFigure> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gap = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  delay.enable();
  try {
    await work();
    // A block at the very end (or work that never yielded, as a history answering at once does)
    // shows only when the loop turns again: let the probe and the histogram see it.
    await new Promise((resolve) => setTimeout(resolve, 2));
    gap = Math.max(gap, performance.now() - last);
  } finally {
    delay.disable();
    clearInterval(probe);
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return { maxMs: round(delay.max / 1e6), p99Ms: round(delay.percentile(99) / 1e6), probeGapMs: round(gap), tookMs: Math.round(performance.now() - started) };
}
