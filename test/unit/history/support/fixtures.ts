// Shared helpers for the history tests: temp dirs, migrations to record, a logger that keeps
// what it was told, and waiting on a condition with a deadline (never a fixed sleep).

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Migration, MigrationState, PhaseTransition } from '../../../../src/model/migration';
import type { Logger } from '../../../../src/base/logger';

export function tempDir(label: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `blixard-history-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];

export function migration(id: string, overrides: Partial<Migration> = {}): Migration {
  return {
    id,
    kind: 'kubevirt',
    cluster: 'prod',
    namespace: 'default',
    vm: `vm-${id.split('/').pop()}`,
    name: id.split('/').pop() ?? id,
    sourceNode: 'node-a',
    targetNode: 'node-b',
    mode: 'PreCopy',
    origin: 'user',
    phase: 'Running',
    state: 'running',
    createdAt: 1_700_000_000_000,
    labels: {},
    ...overrides,
  };
}

export function finished(id: string, state: MigrationState, createdAt: number, durationMs: number, overrides: Partial<Migration> = {}): Migration {
  return migration(id, {
    state,
    phase: state === 'succeeded' ? 'Succeeded' : 'Failed',
    createdAt,
    startedAt: createdAt,
    endedAt: createdAt + durationMs,
    durationMs,
    ...overrides,
  });
}

export function transitions(id: string, phases: string[], start = 1_700_000_000_000): PhaseTransition[] {
  return phases.map((phase, i) => ({ migrationId: id, phase, at: start + i * 1000 }));
}

export interface RecordingLogger extends Pick<Logger, 'info' | 'warn' | 'error'> {
  lines: Array<{ level: 'info' | 'warn' | 'error'; message: string }>;
  has(level: 'info' | 'warn' | 'error', pattern: RegExp): boolean;
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
    has: (level, pattern) => lines.some((l) => l.level === level && pattern.test(l.message)),
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
