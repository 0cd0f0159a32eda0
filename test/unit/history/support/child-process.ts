// Runs support/ingest-child.ts in a separate Node process (through tsx, like the sources) and
// collects what it prints, so tests can kill it at any moment and compare with what it acknowledged.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const SCRIPT = path.join(__dirname, 'ingest-child.ts');

export interface IngestChild {
  process: ChildProcess;
  /** "migrationId|phase" keys the child reported durable (printed after flush()). */
  acked: Set<string>;
  /** Migration ids the child reported durable in a final state. */
  ackedFinal: Set<string>;
  roles: string[];
  /** It printed DONE: every record it was asked for is acknowledged. */
  done: boolean;
  stderr: string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startIngestChild(args: string[]): IngestChild {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const result: IngestChild = {
    process: child,
    acked: new Set(),
    ackedFinal: new Set(),
    roles: [],
    done: false,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await result.exited;
    },
  };
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (data: string) => {
    buffered += data;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const [kind, ...rest] = line.split(' ');
      if (kind === 'ACK') for (const key of rest) result.acked.add(key);
      else if (kind === 'FINAL') for (const id of rest) result.ackedFinal.add(id);
      else if (kind === 'ROLE') result.roles.push(rest[0]);
      else if (kind === 'DONE') result.done = true;
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (data: string) => (result.stderr += data));
  return result;
}
