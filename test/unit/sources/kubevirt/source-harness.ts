// Shared pieces of the KubevirtSource tests against the local KubeVirt-compatible API server:
// a source built from a real kubeconfig file, a log that remembers every line, a recorder of
// the migration stream, and waiting on conditions (never on fixed sleeps).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChangedScope } from '../../../../src/model/cluster';
import type { MigrationObservation, MigrationStreamEvent } from '../../../../src/model/migration';
import { KubevirtSource, type KubevirtSourceOptions } from '../../../../src/sources/kubevirt/kubevirt-source';
import type { Logger } from '../../../../src/base/logger';
import type { KubeApiServer, KubeconfigOptions } from '../../../support/kube-api-server';

/** Every line any source logged in this test run: checked for credentials at the end. */
export const allLogLines: string[] = [];

export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; message: string }> = [];
  private record(level: string, message: string): void {
    this.lines.push({ level, message });
    allLogLines.push(message);
    if (process.env.KUBEVIRT_TEST_LOG) console.log(`[${level}] ${message}`);
  }
  debug(message: string): void {
    this.record('debug', message);
  }
  info(message: string): void {
    this.record('info', message);
  }
  warn(message: string): void {
    this.record('warn', message);
  }
  error(message: string): void {
    this.record('error', message);
  }
  has(pattern: RegExp, level?: string): boolean {
    return this.lines.some((l) => (!level || l.level === level) && pattern.test(l.message));
  }
}

export async function waitFor<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class TempDir {
  readonly path = mkdtempSync(path.join(tmpdir(), 'blixard-kubevirt-'));
  file(name: string): string {
    return path.join(this.path, name);
  }
  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Fast reconnects so fault tests finish quickly; production defaults are seconds. */
export const FAST_RECOVERY: Partial<KubevirtSourceOptions> = {
  backoff: { initialMs: 50, maxMs: 400 },
  requestTimeoutMs: 5000,
  listTimeoutMs: 5000,
  connectTimeoutMs: 3000,
  firstSyncTimeoutMs: 8000,
};

export async function sourceFor(
  server: KubeApiServer,
  dir: TempDir,
  options: Partial<KubevirtSourceOptions> & { kubeconfig?: KubeconfigOptions; file?: string } = {},
): Promise<{ source: KubevirtSource; logger: RecordingLogger }> {
  const file = dir.file(options.file ?? `kubeconfig-${Math.random().toString(36).slice(2)}.yaml`);
  await server.writeKubeconfig(file, options.kubeconfig);
  const logger = new RecordingLogger();
  const context = options.kubeconfig?.contexts?.[0]?.name ?? 'kubevirt-test';
  const source = new KubevirtSource({ kubeconfigPaths: [file], context, logger, ...FAST_RECOVERY, ...options });
  return { source, logger };
}

/** Subscribes to a source's migration stream and keeps everything it said. */
export class MigrationRecorder {
  readonly events: MigrationStreamEvent[] = [];
  private readonly subscription: { dispose(): void };

  constructor(source: KubevirtSource) {
    this.subscription = source.onMigrationEvent((e) => this.events.push(structuredClone(e)));
  }

  observations(id?: string): MigrationObservation[] {
    const result: MigrationObservation[] = [];
    for (const e of this.events) if (e.type === 'observation' && (!id || e.observation.migration.id === id)) result.push(e.observation);
    return result;
  }

  last(id: string): MigrationObservation | undefined {
    const all = this.observations(id);
    return all[all.length - 1];
  }

  /** Every phase reported for a migration, with its time, across all observations. */
  phases(id: string): Map<string, number> {
    const phases = new Map<string, number>();
    for (const o of this.observations(id)) for (const p of o.phases) if (!phases.has(p.phase)) phases.set(p.phase, p.at);
    return phases;
  }

  synced(): string[][] {
    return this.events.flatMap((e) => (e.type === 'synced' ? [e.migrationIds] : []));
  }

  connectionStates(): string[] {
    return this.events.flatMap((e) => (e.type === 'connection' ? [e.state.state] : []));
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

export class ChangeRecorder {
  readonly changes: ChangedScope[] = [];
  private readonly subscription: { dispose(): void };
  constructor(source: KubevirtSource) {
    this.subscription = source.onDidChange((c) => this.changes.push(c));
  }
  saw(predicate: (c: ChangedScope) => boolean): boolean {
    return this.changes.some(predicate);
  }
  clear(): void {
    this.changes.length = 0;
  }
  dispose(): void {
    this.subscription.dispose();
  }
}

/** The migration's id as the source names it. */
export function migrationIdOf(source: KubevirtSource, namespace: string, name: string): string {
  return `${source.id}/${namespace}/${name}`;
}
