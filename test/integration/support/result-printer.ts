// Prints the suite's result events mocha-style as they arrive, and the closing line
// "<suite>: N passed, N failed[, N skipped]" that scripts/test.sh and CI read.

import { writeFileSync } from 'node:fs';
import type { ResultEvent } from './result-events';

export interface Summary {
  passes: number;
  failures: number;
  pending: number;
}

export class ResultPrinter {
  private failures: Extract<ResultEvent, { event: 'fail' }>[] = [];
  started = false;
  /** Set when the run ended (with its counts) or crashed (null). */
  outcome: Summary | null | undefined;

  consume(events: ResultEvent[]): void {
    for (const event of events) {
      if (this.outcome !== undefined) return;
      switch (event.event) {
        case 'start':
          this.started = true;
          break;
        case 'suite':
          console.log(`${event.depth === 0 ? '\n' : ''}${indent(event.depth + 1)}${event.title}`);
          break;
        case 'pass':
          console.log(`${indent(event.depth)}  ✔ ${event.title}${event.duration > 75 ? ` (${event.duration}ms)` : ''}`);
          break;
        case 'pending':
          console.log(`${indent(event.depth)}  - ${event.title}`);
          break;
        case 'fail':
          this.failures.push(event);
          console.log(`${indent(event.depth)}  ${this.failures.length}) ${event.title}`);
          break;
        case 'crash':
          console.error(`\nThe suite could not run:\n${event.error}`);
          this.outcome = null;
          break;
        case 'end':
          this.printFailures();
          console.log(`\n  ${event.passes} passing (${Math.round(event.duration / 1000)}s)${event.pending ? `\n  ${event.pending} pending` : ''}${event.failures ? `\n  ${event.failures} failing` : ''}`);
          this.outcome = { passes: event.passes, failures: event.failures, pending: event.pending };
          break;
      }
    }
  }

  printFailures(): void {
    this.failures.forEach((f, i) => {
      console.log(`\n  ${i + 1}) ${f.fullTitle}:\n     ${f.error}`);
      const stack = (f.stack ?? '').split('\n').slice(1, 8).join('\n');
      if (stack) console.log(stack);
    });
    this.failures = [];
  }
}

/** Prints the closing line, writes $MOCHA_SUMMARY_FILE, and returns the exit code. */
export function reportSummary(suite: string, summary: Summary): number {
  console.log(`${suite}: ${summary.passes} passed, ${summary.failures} failed${summary.pending ? `, ${summary.pending} skipped` : ''}`);
  if (process.env.MOCHA_SUMMARY_FILE) writeFileSync(process.env.MOCHA_SUMMARY_FILE, JSON.stringify({ suite, ...summary }));
  return summary.failures > 0 ? 1 : 0;
}

function indent(depth: number): string {
  return '  '.repeat(depth);
}
