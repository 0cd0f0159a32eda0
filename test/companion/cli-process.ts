// Runs blixard-node as a real process for the tests (from the TypeScript sources by default)
// and waits for its ready line. Not a test file itself.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '../..');
export const FROM_SOURCE = ['--import', 'tsx', path.join(ROOT, 'companion/blixard-node/main.ts')];

/** Starts the CLI (or `program`, e.g. a shell that starts it) and resolves with the first stdout line matching `ready`. */
export function startCli(
  args: string[],
  ready: RegExp,
  nodeArgs = FROM_SOURCE,
  env: NodeJS.ProcessEnv = process.env,
  program = process.execPath,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; stderr: () => string }> {
  const child = spawn(program, [...nodeArgs, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within 30 s; stdout: ${stdout}; stderr: ${stderr.slice(-800)}`));
    }, 30_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const match = stdout.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready; stderr: ${stderr.slice(-800)}`));
    });
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
  });
}


/** A test run that ends early (a failed assertion, Ctrl-C) must not leave daemons behind. */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}
