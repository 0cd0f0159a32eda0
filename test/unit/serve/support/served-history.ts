// A history file with migrations in it, and `serve --read-only` over it in-process (the real
// command, its worker-thread history, a real socket) — for the tests that need a server but no
// clusters: TLS, limits, the closed history, the fuzz.

import { HistoryStore, type HistoryAccess } from '../../../../src/history';
import type { ServeArguments } from '../../../../src/cli/cli-arguments';
import { runServe } from '../../../../src/cli/serve-command';
import type { MigrationServer } from '../../../../src/serve/migration-server';
import type { Migration } from '../../../../src/model/migration';

export async function writeHistory(db: string, count: number): Promise<void> {
  const store = await HistoryStore.open({ path: db });
  const states: Migration['state'][] = ['succeeded', 'failed', 'running', 'cancelled', 'pending'];
  for (let i = 0; i < count; i++) {
    const id = `kv-${i % 3}/ns-${i % 4}/m${i}`;
    const state = states[i % states.length];
    const createdAt = 1_750_000_000_000 + i * 1000;
    store.record(
      { id, kind: 'kubevirt', cluster: `kv-${i % 3}`, datacenter: `dc-${i % 2}`, namespace: `ns-${i % 4}`, vm: `vm-${i % 50}`, name: `m${i}`, sourceNode: 'node01', targetNode: 'node02', mode: 'live', origin: 'user', phase: state === 'running' ? 'Running' : 'Succeeded', state, createdAt, ...(state === 'succeeded' ? { endedAt: createdAt + 900, durationMs: 900 } : {}), labels: { team: 'a' } },
      [
        { migrationId: id, phase: 'Pending', at: createdAt },
        { migrationId: id, phase: 'Running', at: createdAt + 100 },
      ],
    );
  }
  await store.close();
}

export interface ServedHistory {
  server: MigrationServer;
  history: HistoryAccess;
  err: string[];
  stop(): Promise<number>;
}

export async function serveReadOnly(db: string, extra: Partial<ServeArguments> = {}): Promise<ServedHistory> {
  const stop = new AbortController();
  const err: string[] = [];
  let got: { server: MigrationServer; history: HistoryAccess } | undefined;
  const args: ServeArguments = { command: 'serve', db, listen: { host: '127.0.0.1', port: 0 }, readOnly: true, insecure: false, kubeconfig: [], contexts: [], blixard: [], ...extra };
  const exit = runServe(args, { out: () => {}, err: (l) => err.push(l) }, stop.signal, { buildSources: async () => ({ sources: [], problems: [] }) }, { onListening: (server, history) => (got = { server, history }) });
  let done: number | undefined;
  let failed: unknown;
  exit.then((code) => (done = code), (err: unknown) => (failed = err));
  while (!got) {
    if (failed) throw failed;
    if (done !== undefined) throw new Error(`serve exited ${done}: ${err.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    ...got,
    err,
    stop: async () => {
      stop.abort();
      return exit;
    },
  };
}
