// Where the history's worker thread is started from: the bundle's script in a VSIX or dist/,
// the TypeScript source when tests and benches run from source.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HistoryError } from '../history-error';

const WORKER_NAME = 'history-worker';

/** The worker's script: the bundle's (dist/history-worker.js, beside this code or one folder up), or the TypeScript source when running from source. */
export function historyWorkerScript(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = __filename.endsWith('.ts')
    ? [path.join(here, `${WORKER_NAME}.ts`)]
    : [path.join(here, `${WORKER_NAME}.js`), path.join(here, '..', `${WORKER_NAME}.js`)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new HistoryError('io', `The history's worker script (${WORKER_NAME}) was not found; looked in: ${candidates.join(', ')}.`);
  return found;
}
