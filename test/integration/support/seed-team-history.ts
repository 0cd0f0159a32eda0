// Writes a team history file for the team-history suite: run as its own process (node --require
// tsx/cjs seed-team-history.ts FILE CLUSTER COUNT [FIRST_CREATED_AT_MS]) so the extension host under test never opens
// it; `blixard-migrations serve --read-only --db FILE` then serves it. Prints the ids, one a line.

import { HistoryStore } from '../../../src/history';

async function main(): Promise<void> {
  const [file, prefix, countText, firstText] = process.argv.slice(2);
  const count = Number(countText);
  const store = await HistoryStore.open({ path: file });
  const t0 = firstText ? Number(firstText) : Date.now() - count * 60_000;
  for (let i = 0; i < count; i++) {
    const id = `${prefix}/team-${i}`;
    const createdAt = t0 + i * 60_000;
    const state = i % 4 === 3 ? 'failed' : 'succeeded';
    store.record(
      {
        id,
        kind: 'kubevirt',
        cluster: prefix,
        datacenter: 'dc-team',
        namespace: 'default',
        vm: `team-vm-${i % 3}`,
        name: `team-${i}`,
        sourceNode: 'node-a',
        targetNode: 'node-b',
        mode: 'PreCopy',
        origin: 'user',
        phase: state === 'failed' ? 'Failed' : 'Succeeded',
        state,
        createdAt,
        startedAt: createdAt,
        endedAt: createdAt + 1500,
        durationMs: 1500,
        ...(state === 'failed' ? { failureReason: 'target node refused the migration' } : {}),
        labels: {},
      },
      ['Pending', 'Running', state === 'failed' ? 'Failed' : 'Succeeded'].map((phase, n) => ({ migrationId: id, phase, at: createdAt + n * 500 })),
    );
    process.stdout.write(`${id}\n`);
  }
  await store.close();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
