// BlixardSource migrations against real node daemons: submit, follow, validate, cancel.

import { strict as assert } from 'node:assert';
import type { ChangedScope } from '../../../../src/model/cluster';
import { SourceError } from '../../../../src/model/errors';
import type { BlixardSource } from '../../../../src/sources/blixard/blixard-source';
import { waitFor } from './support/wait-for';
import { sourceFor, startTestCluster, StreamRecorder, type DevCluster } from './support/test-cluster';

const ORDER = ['Preparing', 'Transferring', 'Switching', 'Completed'];

function assertInPhaseOrder(seen: string[]): void {
  const ranks = seen.map((p) => ORDER.indexOf(p));
  assert.ok(ranks.every((r) => r >= 0), `unknown phase in ${seen.join(', ')}`);
  for (let i = 1; i < ranks.length; i++) assert.ok(ranks[i] >= ranks[i - 1], `phases went backwards: ${seen.join(' → ')}`);
}

function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

describe('BlixardSource: migrations (real daemons)', function () {
  this.timeout(40_000);
  let cluster: DevCluster;
  let source: BlixardSource;
  let recorder: StreamRecorder;

  before(async () => {
    // 2000 Mbit/s: a 512 MB VM moves live in about 2 s, a 2 GB one in about 8 s.
    cluster = await startTestCluster({ bandwidthMbps: 2000 });
  });
  beforeEach(async () => {
    source = sourceFor(cluster.endpoints);
    recorder = new StreamRecorder(source);
    await recorder.waitForSynced();
  });
  afterEach(() => {
    recorder.dispose();
    source.dispose();
  });
  after(() => cluster.stop());

  it('moves a stopped VM cold: handle at once, every phase in order, the tree told which nodes changed', async () => {
    const scopes: ChangedScope[] = [];
    const changes = source.onDidChange((s) => scopes.push(s));
    try {
      const handle = await source.migrate({ vmId: 'vm-2', targetNodeId: '1', live: false });
      assert.match(handle.migrationId, new RegExp(`^${source.id}/[0-9a-f-]{36}$`));
      await handle.completion;
      const final = await recorder.waitForFinal(handle.migrationId);
      assert.equal(final.migration.state, 'succeeded');
      assert.equal(final.migration.phase, 'Completed');
      assert.deepEqual(final.phases.map((p) => p.phase), ORDER);
      assert.ok(final.phases.every((p, i) => i === 0 || p.at >= final.phases[i - 1].at));
      assert.deepEqual(
        { vm: final.migration.vm, from: final.migration.sourceNode, to: final.migration.targetNode, mode: final.migration.mode, kind: final.migration.kind, cluster: final.migration.cluster },
        { vm: 'vm-2', from: '2', to: '1', mode: 'cold', kind: 'blixard', cluster: source.id },
      );
      assert.ok(final.migration.endedAt! >= final.migration.startedAt! && final.migration.durationMs === final.migration.endedAt! - final.migration.startedAt!);
      assertInPhaseOrder(recorder.phasesSeen(handle.migrationId));
      assert.equal((await source.listVms('1')).find((v) => v.id === 'vm-2')?.nodeId, '1');

      await waitFor(() => scopes.some((s) => s.scope === 'node' && s.nodeId === '1'), 'the target node to be announced');
      assert.deepEqual(scopes.slice(-3), [
        { scope: 'node', nodeId: '2' },
        { scope: 'node', nodeId: '1' },
        { scope: 'vm', vmId: 'vm-2', nodeId: '1' },
      ]);
      assert.deepEqual(scopes[0], { scope: 'vm', vmId: 'vm-2', nodeId: '2' }, 'the start is announced on the source node');
    } finally {
      changes.dispose();
    }
  });

  it('moves a running VM live: accepted before it ends, progress while transferring, the VM marked as migrating', async () => {
    const handle = await source.migrate({ vmId: 'vm-1', targetNodeId: '3', live: true });
    const done = settledFlag(handle.completion);
    await Promise.resolve();
    assert.equal(done(), false, 'migrate() resolves on acceptance, long before a 2 s migration ends');

    const marked = await waitFor(async () => (await source.listVms('1')).find((v) => v.id === 'vm-1' && v.migration), 'vm-1 to show its migration');
    assert.equal(marked.migration?.id, handle.migrationId);
    assert.equal(marked.migration?.targetNodeId, '3');
    assert.ok(['Preparing', 'Transferring', 'Switching'].includes(marked.migration!.phase));

    await handle.completion;
    const final = await recorder.waitForFinal(handle.migrationId);
    assert.equal(final.migration.state, 'succeeded');
    assert.equal(final.migration.mode, 'live');
    const observations = recorder.observations(handle.migrationId);
    assertInPhaseOrder(observations.map((o) => o.migration.phase));
    const transferred = observations.filter((o) => o.migration.phase === 'Transferring' && o.migration.progress).map((o) => o.migration.progress!.transferredBytes);
    assert.ok(transferred.length >= 2, `several progress updates (got ${transferred.length})`);
    assert.ok(transferred.every((t, i) => i === 0 || t >= transferred[i - 1]), 'progress only grows');
    assert.equal(final.migration.progress?.totalBytes, 512 * 1024 * 1024);
    assert.equal((await source.listVms()).find((v) => v.id === 'vm-1')?.migration, undefined, 'no longer marked');
  });

  it("rejects what the daemon refuses with the daemon's own words, and starts nothing", async () => {
    const before = recorder.observations().length;
    const refusal = async (request: Parameters<BlixardSource['migrate']>[0]) => {
      const err = await source.migrate(request).then(
        () => assert.fail('should have been refused'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof SourceError, String(err));
      return { code: err.code, message: err.message };
    };
    const vm3 = (await source.listVms()).find((v) => v.id === 'vm-3')!;
    assert.deepEqual(await refusal({ vmId: 'vm-3', targetNodeId: vm3.nodeId, live: true }), {
      code: 'invalid-argument',
      message: 'Target node must be different from source node',
    });
    assert.deepEqual(await refusal({ vmId: 'vm-3', targetNodeId: '99', live: true }), { code: 'not-found', message: 'Node 99 not found in cluster' });
    const stopped = (await source.listVms()).find((v) => v.state === 'stopped')!;
    const elsewhere = ['1', '2', '3'].find((n) => n !== stopped.nodeId)!;
    assert.deepEqual(await refusal({ vmId: stopped.id, targetNodeId: elsewhere, live: true }), {
      code: 'failed-precondition',
      message: 'VM must be running for live migration',
    });
    assert.equal((await refusal({ vmId: 'ghost', targetNodeId: '1', live: false })).code, 'not-found');
    assert.deepEqual(await refusal({ vmId: 'vm-3', live: true }), {
      code: 'invalid-argument',
      message: 'Choose a target node: a Blixard cluster does not pick one by itself.',
    });
    assert.equal((await refusal({ vmId: 'vm-3', targetNodeId: 'node-2', live: true })).code, 'invalid-argument');
    // 2^64 − 1 reaches the daemon digit for digit (not rounded to 18446744073709552000), which
    // refuses it as past its node ids; 2^64 is no uint64 and never leaves the client.
    assert.deepEqual(await refusal({ vmId: 'vm-3', targetNodeId: '18446744073709551615', live: true }), {
      code: 'invalid-argument',
      message: 'target_node_id 18446744073709551615 is out of range: node ids are 1 to 9007199254740991',
    });
    assert.deepEqual(await refusal({ vmId: 'vm-3', targetNodeId: '18446744073709551616', live: true }), {
      code: 'invalid-argument',
      message: 'Node 18446744073709551616 is not a Blixard node id.',
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(recorder.observations().length, before, 'no migration appeared');
  });

  it('cancels a running migration; the stream and the completion say so', async () => {
    const vm3 = (await source.listVms()).find((v) => v.id === 'vm-3')!;
    const target = ['1', '2', '3'].find((n) => n !== vm3.nodeId)!;
    const handle = await source.migrate({ vmId: 'vm-3', targetNodeId: target, live: true });
    await waitFor(() => recorder.phasesSeen(handle.migrationId).includes('Transferring'), 'the transfer to begin');
    await source.cancel(handle.migrationId);
    const final = await recorder.waitForFinal(handle.migrationId);
    assert.equal(final.migration.state, 'cancelled');
    assert.equal(final.migration.phase, 'Cancelled');
    assert.equal(final.migration.failureReason, 'cancelled by request');
    assert.deepEqual(final.phases.map((p) => p.phase), ['Preparing', 'Transferring', 'Cancelled']);
    const outcome = await handle.completion.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(outcome instanceof SourceError && outcome.code === 'conflict', String(outcome));
    assert.match(outcome.message, /^The migration of vm-3 was cancelled: cancelled by request$/);
    assert.equal((await source.listVms()).find((v) => v.id === 'vm-3')?.nodeId, vm3.nodeId, 'the VM stayed');

    await assert.rejects(source.cancel(handle.migrationId), (e: unknown) => e instanceof SourceError && e.code === 'failed-precondition' && /already ended/.test(e.message));
    await assert.rejects(source.cancel(`${source.id}/no-such-migration`), (e: unknown) => e instanceof SourceError && e.code === 'not-found');
  });

  it('tells a late listener what the others already know, and answers getMigration', async () => {
    const vm5 = (await source.listVms()).find((v) => v.id === 'vm-5')!;
    const target = ['1', '2', '3'].find((n) => n !== vm5.nodeId)!;
    const handle = await source.migrate({ vmId: 'vm-5', targetNodeId: target, live: true });
    await waitFor(() => recorder.observations(handle.migrationId).length > 0, 'the first observation');
    const late = new StreamRecorder(source);
    try {
      await late.waitForSynced();
      assert.equal(late.events[0].type, 'connection');
      assert.ok(late.observations(handle.migrationId).length >= 1, 'the active migration is replayed');
      const synced = late.events.find((e) => e.type === 'synced');
      assert.ok(synced && synced.type === 'synced' && synced.migrationIds.includes(handle.migrationId));

      const read = await source.getMigration(handle.migrationId);
      assert.equal(read?.migration.id, handle.migrationId);
      assert.equal(await source.getMigration(`${source.id}/not-a-migration`), undefined);
      await handle.completion;
      await late.waitForFinal(handle.migrationId);
    } finally {
      late.dispose();
    }
  });

  it('confirms a migration and marks its VM without any stream listener, by asking the daemon', async () => {
    const quiet = sourceFor(cluster.endpoints, {}, { id: source.id });
    try {
      const vm5 = (await quiet.listVms()).find((v) => v.id === 'vm-5')!;
      const target = ['1', '2', '3'].find((n) => n !== vm5.nodeId)!;
      const handle = await quiet.migrate({ vmId: 'vm-5', targetNodeId: target, live: true });
      const marked = (await quiet.listVms(vm5.nodeId)).find((v) => v.id === 'vm-5');
      assert.deepEqual(marked?.migration && { id: marked.migration.id, to: marked.migration.targetNodeId }, { id: handle.migrationId, to: target });
      await handle.completion;
      const read = await quiet.getMigration(handle.migrationId);
      assert.equal(read?.migration.state, 'succeeded');
      const moved = (await quiet.listVms(target)).find((v) => v.id === 'vm-5');
      assert.ok(moved && moved.migration === undefined);
    } finally {
      quiet.dispose();
    }
  });

  it('lets go of everything on dispose: stream, calls, and a migration still in flight', async () => {
    const closing = sourceFor(cluster.endpoints, {}, { id: source.id });
    const closingRecorder = new StreamRecorder(closing);
    await closingRecorder.waitForSynced();
    const vm1 = (await closing.listVms()).find((v) => v.id === 'vm-1')!;
    const target = ['1', '2', '3'].find((n) => n !== vm1.nodeId)!;
    const handle = await closing.migrate({ vmId: 'vm-1', targetNodeId: target, live: true });
    closing.dispose();
    const outcome = await handle.completion.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(outcome instanceof SourceError && outcome.code === 'unavailable', String(outcome));
    assert.match(outcome.message, /closed; the migration goes on in the cluster/);
    const seen = closingRecorder.events.length;
    await assert.rejects(closing.listVms(), (e: unknown) => e instanceof SourceError && e.code === 'unavailable' && /is closed/.test(e.message));
    // The migration does go on: the other source sees it end, the closed one hears nothing more.
    await recorder.waitForFinal(handle.migrationId);
    assert.equal(closingRecorder.events.length, seen);
    closingRecorder.dispose();
  });
});
