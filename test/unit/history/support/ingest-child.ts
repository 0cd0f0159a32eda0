// A separate process that ingests migrations into a history as fast as group commit allows and
// prints what is durable: "ACK <migrationId|phase>…" and "FINAL <migrationId>…" after each
// flush() resolves, "ROLE <role>" when its role changes. The durability and lock tests kill it
// with SIGKILL at arbitrary moments.
//   ingest-child.ts <db> <prefix> [--max N] [--snapshot-bytes B]

import { HistoryStore } from '../../../../src/history/history-store';
import type { Migration, PhaseTransition } from '../../../../src/model/migration';

const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];

async function main(): Promise<void> {
  const [db, prefix, ...rest] = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = rest.indexOf(name);
    return i >= 0 ? Number(rest[i + 1]) : fallback;
  };
  const max = opt('--max', Number.MAX_SAFE_INTEGER);
  const store = await HistoryStore.open({
    path: db,
    pollIntervalMs: 50,
    heartbeatMs: 100,
    staleLockMs: 2000,
    snapshotMinJournalBytes: opt('--snapshot-bytes', 64 * 1024),
    logger: { info: (m) => process.stderr.write(`info ${m}\n`), warn: (m) => process.stderr.write(`warn ${m}\n`), error: (m) => process.stderr.write(`error ${m}\n`) },
  });
  process.stdout.write(`ROLE ${store.role}\n`);
  store.onDidChangeRole((role) => process.stdout.write(`ROLE ${role}\n`));

  // Each migration advances one phase per round, so records overwrite earlier views and every
  // round mixes new migrations with updates and finals.
  const inFlight: Array<{ id: string; step: number; createdAt: number }> = [];
  let next = 0;
  let written = 0;
  while (written < max) {
    const ackKeys: string[] = [];
    const finals: string[] = [];
    for (let i = 0; i < 20; i++) {
      if (inFlight.length < 30) inFlight.push({ id: `${prefix}/m${next++}`, step: 0, createdAt: Date.now() });
      const pick = inFlight[Math.floor(Math.random() * inFlight.length)];
      pick.step++;
      const phases = PHASES.slice(0, pick.step);
      const done = pick.step >= PHASES.length;
      const m: Migration = {
        id: pick.id,
        kind: 'kubevirt',
        cluster: prefix.split('-')[0],
        namespace: 'default',
        vm: `vm-${pick.id}`,
        name: pick.id,
        sourceNode: 'node-a',
        targetNode: 'node-b',
        mode: 'PreCopy',
        origin: 'user',
        phase: phases[phases.length - 1],
        state: done ? 'succeeded' : 'running',
        createdAt: pick.createdAt,
        endedAt: done ? Date.now() : undefined,
        durationMs: done ? Date.now() - pick.createdAt : undefined,
        labels: { round: prefix },
      };
      if (!done) {
        delete m.endedAt;
        delete m.durationMs;
      }
      const ts: PhaseTransition[] = phases.map((phase, k) => ({ migrationId: pick.id, phase, at: pick.createdAt + k }));
      store.record(m, ts);
      for (const t of ts) ackKeys.push(`${t.migrationId}|${t.phase}`);
      if (done) {
        finals.push(pick.id);
        inFlight.splice(inFlight.indexOf(pick), 1);
      }
      written++;
    }
    await store.flush();
    process.stdout.write(`ACK ${ackKeys.join(' ')}\n`);
    if (finals.length) process.stdout.write(`FINAL ${finals.join(' ')}\n`);
  }
  process.stdout.write('DONE\n');
  // Stay alive holding the lock until killed, as a window would.
  setInterval(() => {}, 1000);
}

main().catch((err) => {
  process.stderr.write(`child failed: ${(err as Error).stack}\n`);
  process.exit(2);
});
