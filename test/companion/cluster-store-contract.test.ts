// The same contract, checked against both ClusterStore implementations: the embedded memory
// store and a real etcd started for this file. The daemon relies on exactly these semantics.

import assert from 'node:assert/strict';
import type { ClusterStore, StoreEvent } from '../../companion/blixard-node/store/cluster-store';
import { MemoryStore } from '../../companion/blixard-node/store/memory-store';
import { EtcdStore } from '../../companion/blixard-node/store/etcd-store';
import { EtcdHarness } from './etcd-harness';
import { eventually } from './blixard-test-client';

type Batch = { revision: number; events: StoreEvent[] };

function contract(name: string, open: () => Promise<ClusterStore>, cleanup: () => Promise<void> = async () => {}) {
  describe(`ClusterStore contract: ${name}`, function () {
    this.timeout(30_000);
    let store: ClusterStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
      await cleanup();
    });

    it('compare-and-swap: a guarded create succeeds once, a stale guard fails', async () => {
      const first = await store.txn([{ key: 'cas/a', modRevision: 0 }], [{ type: 'put', key: 'cas/a', value: '1' }]);
      assert.equal(first.succeeded, true);
      const second = await store.txn([{ key: 'cas/a', modRevision: 0 }], [{ type: 'put', key: 'cas/a', value: '2' }]);
      assert.equal(second.succeeded, false);
      const current = await store.get('cas/a');
      assert.equal(current?.value, '1');
      assert.equal(current?.key, 'cas/a');
      assert.equal(current?.modRevision, first.revision);
      const update = await store.txn([{ key: 'cas/a', modRevision: first.revision }], [{ type: 'put', key: 'cas/a', value: '3' }]);
      assert.equal(update.succeeded, true);
      assert.ok(update.revision > first.revision);
      const after = await store.get('cas/a');
      assert.equal(after?.value, '3');
      assert.equal(after?.createRevision, first.revision, 'an update keeps the create revision');
    });

    it('a transaction writes all its keys at one revision, or none', async () => {
      const ok = await store.txn([{ key: 'multi/x', modRevision: 0 }], [
        { type: 'put', key: 'multi/x', value: 'x' },
        { type: 'put', key: 'multi/y', value: 'y' },
      ]);
      assert.equal((await store.get('multi/x'))?.modRevision, ok.revision);
      assert.equal((await store.get('multi/y'))?.modRevision, ok.revision);
      const failed = await store.txn([{ key: 'multi/x', modRevision: 0 }], [{ type: 'put', key: 'multi/z', value: 'z' }]);
      assert.equal(failed.succeeded, false);
      assert.equal(await store.get('multi/z'), undefined);
      const del = await store.txn([{ key: 'multi/y', modRevision: ok.revision }], [{ type: 'delete', key: 'multi/y' }]);
      assert.equal(del.succeeded, true);
      assert.equal(await store.get('multi/y'), undefined);
      const { values } = await store.range('multi/');
      assert.deepEqual(values.map((v) => v.key), ['multi/x']);
    });

    it('watches deliver every change under the prefix, one revision at a time, in order, with replay', async () => {
      const start = (await store.range('w/')).revision + 1;
      const live: Batch[] = [];
      const watch = store.watch('w/', start, { onEvents: (events, revision) => live.push({ revision, events }), onError: (e) => assert.fail(e) });
      const revisions: number[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await store.txn([], [{ type: 'put', key: `w/k${i % 3}`, value: String(i) }, { type: 'put', key: `other/${i}`, value: 'ignored' }]);
        revisions.push(r.revision);
      }
      await store.txn([], [{ type: 'delete', key: 'w/k0' }]);
      await eventually(() => live.length === 21, 10_000, '21 watch batches');
      watch.cancel();
      assert.deepEqual(live.slice(0, 20).map((b) => b.revision), revisions);
      assert.ok(live.every((b) => b.events.every((e) => e.key.startsWith('w/'))), 'only keys under the prefix');
      assert.deepEqual(live.slice(0, 20).map((b) => b.events[0].value), Array.from({ length: 20 }, (_, i) => String(i)));
      assert.equal(live[20].events[0].type, 'delete');

      // A watch from an old revision replays history in the same order.
      const replay: Batch[] = [];
      const again = store.watch('w/', start, { onEvents: (events, revision) => replay.push({ revision, events }), onError: (e) => assert.fail(e) });
      await eventually(() => replay.length === 21, 10_000, 'replayed batches');
      again.cancel();
      assert.deepEqual(replay.map((b) => b.revision), live.map((b) => b.revision));
    });

    it('a key bound to a lease vanishes when the lease is revoked, or expires after its TTL once released', async () => {
      const revoked = await store.grantLease(2);
      await store.txn([], [{ type: 'put', key: 'lease/revoked', value: 'v', leaseId: revoked.id }]);
      assert.equal((await store.get('lease/revoked'))?.leaseId, revoked.id);
      await revoked.revoke();
      assert.equal(await store.get('lease/revoked'), undefined);

      const kept = await store.grantLease(2);
      const released = await store.grantLease(2);
      await store.txn([], [
        { type: 'put', key: 'lease/kept', value: 'v', leaseId: kept.id },
        { type: 'put', key: 'lease/released', value: 'v', leaseId: released.id },
      ]);
      released.release();
      const t0 = Date.now();
      await eventually(async () => (await store.get('lease/released')) === undefined, 10_000, 'released lease to expire');
      assert.ok(Date.now() - t0 >= 1000, 'not before (most of) its TTL');
      // The kept lease is renewed in the background well past its TTL.
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(await store.get('lease/kept'), 'a kept-alive lease holds its key');
      await kept.revoke();
    });

    it('campaigns put a candidate key under election/<name>/ that resigning removes', async () => {
      const a = store.campaign('contract', '1', 2);
      await eventually(async () => (await store.range('election/contract/')).values.length === 1, 10_000, 'first candidate');
      const b = store.campaign('contract', '2', 2);
      const both = await eventually(async () => {
        const { values } = await store.range('election/contract/');
        return values.length === 2 && values;
      }, 10_000, 'second candidate');
      const leader = both.reduce((x, y) => (x.createRevision < y.createRevision ? x : y));
      assert.equal(leader.value, '1', 'the first candidate leads (lowest create revision)');
      await a.resign();
      const after = await eventually(async () => {
        const { values } = await store.range('election/contract/');
        return values.length === 1 && values;
      }, 10_000, 'resignation');
      assert.equal(after[0].value, '2');
      await b.resign();
    });
  });
}

contract('memory', async () => new MemoryStore());

let etcd: EtcdHarness | undefined;
contract(
  'etcd',
  async () => {
    etcd = await EtcdHarness.start();
    return EtcdStore.connect([etcd.endpoint]);
  },
  async () => etcd?.stop(),
);
