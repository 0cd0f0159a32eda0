// The lines run() writes and the launchers read: one JSON object per line, appended as the
// suite goes, so a host that dies mid-run still leaves what it got through.

import { appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type ResultEvent =
  | { event: 'start'; total: number }
  | { event: 'suite'; title: string; depth: number }
  | { event: 'pass'; title: string; fullTitle: string; duration: number; depth: number }
  | { event: 'pending'; title: string; fullTitle: string; depth: number }
  | { event: 'fail'; title: string; fullTitle: string; depth: number; error: string; stack?: string }
  | { event: 'end'; passes: number; failures: number; pending: number; duration: number }
  | { event: 'crash'; error: string }
  | { event: 'ui'; action: WorkbenchAction };

/**
 * A step a test needs done in the workbench's UI, where the extension API cannot reach (no API
 * trusts a folder): the launcher, which drives the page, performs it.
 */
export type WorkbenchAction = 'grant-workspace-trust';

export const RESULTS_ENV = 'BLIXARD_INTEGRATION_RESULTS';
/** Which folder of suites this window runs: 'suites' (trust off) or 'untrusted-window'. */
export const SUITES_DIR_ENV = 'BLIXARD_INTEGRATION_SUITES';

export function resultsFilePath(): string {
  return process.env[RESULTS_ENV] ?? path.join(os.tmpdir(), 'blixard-integration-results.jsonl');
}

/** Asks the launcher to take a UI step; the test then waits for its effect. */
export function requestWorkbenchAction(action: WorkbenchAction): void {
  appendFileSync(resultsFilePath(), `${JSON.stringify({ event: 'ui', action } satisfies ResultEvent)}\n`);
}

export function parseResultLines(text: string): ResultEvent[] {
  const events: ResultEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as ResultEvent);
    } catch {
      // a line being written right now: read again next time
      break;
    }
  }
  return events;
}
