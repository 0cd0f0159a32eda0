// The simulated runtime's pre-copy model on its own: convergence, figures, non-convergence and
// aborts, with timings small enough to run in a blink.

import assert from 'node:assert/strict';
import { SimulatedRuntime } from '../../companion/blixard-node/runtime/simulated-runtime';
import { NonConvergenceError, type TransferProgress } from '../../companion/blixard-node/runtime/vm-runtime';

const MIB = 1024 * 1024;
const peer = { nodeId: 2, address: '127.0.0.1:1' };

describe('SimulatedRuntime', function () {
  this.timeout(20_000);

  it('boots and stops in the configured times', async () => {
    const runtime = new SimulatedRuntime({ bootMs: 120, stopMs: 60 });
    const vm = { name: 'a', vcpus: 1, memoryMb: 64 };
    let t0 = Date.now();
    await runtime.start(vm);
    assert.ok(Date.now() - t0 >= 110);
    assert.ok(runtime.isRunning('a'));
    t0 = Date.now();
    await runtime.stop(vm);
    assert.ok(Date.now() - t0 >= 50);
    assert.ok(!runtime.isRunning('a'));
  });

  it('pre-copies the whole memory, then the dirtied pages, until the rest fits the downtime budget', async () => {
    // 800 Mbit/s = 100 MB/s link; 400 Mbit/s = 50 MB/s dirtying; 100 MiB guest; 50 ms budget = 5 MB.
    const runtime = new SimulatedRuntime({ bandwidthMbps: 800, dirtyRateMbps: 400, maxDowntimeMs: 50, progressIntervalMs: 50 });
    const vm = { name: 'b', vcpus: 1, memoryMb: 100 };
    runtime.adopt(vm);
    const seen: TransferProgress[] = [];
    const t0 = Date.now();
    const last = await runtime.precopy(vm, peer, (p) => seen.push(p), new AbortController().signal);
    const seconds = (Date.now() - t0) / 1000;
    // Rounds of 1.05 s, 0.52 s, 0.26 s, 0.13 s, … each dirtying half of what it sent.
    assert.ok(last.precopyRound >= 4 && last.precopyRound <= 6, `rounds: ${last.precopyRound}`);
    assert.ok(last.remainingBytes <= 5_000_000, 'what is left fits the switchover budget');
    assert.ok(last.transferredBytes > 100 * MIB * 1.8 && last.transferredBytes < 100 * MIB * 2.1, `sent ~2x memory: ${last.transferredBytes}`);
    assert.ok(seconds > 1.8 && seconds < 8, `about 2.1 s of transfer (${seconds.toFixed(2)} s)`);
    assert.ok(seen.length >= 10, 'progress along the way');
    assert.deepEqual(seen.map((p) => p.transferredBytes), [...seen.map((p) => p.transferredBytes)].sort((a, b) => a - b));
    assert.equal(last.bandwidthBytesPerSec, 100_000_000);
    assert.equal(last.dirtyRateBytesPerSec, 50_000_000);
    assert.ok(runtime.isRunning('b'), 'the guest keeps running during pre-copy');
    await runtime.switchover(vm, peer, last, new AbortController().signal);
    assert.ok(!runtime.isRunning('b'), 'after switchover the guest runs elsewhere');
  });

  it('gives up with NonConvergenceError when the guest dirties memory as fast as the link sends it', async () => {
    const runtime = new SimulatedRuntime({ bandwidthMbps: 8000, dirtyRateMbps: 9000, maxDowntimeMs: 10 });
    const vm = { name: 'c', vcpus: 1, memoryMb: 200 };
    runtime.adopt(vm);
    await assert.rejects(runtime.precopy(vm, peer, () => {}, new AbortController().signal), (err: Error) => {
      assert.ok(err instanceof NonConvergenceError);
      assert.match(err.message, /^live migration cannot converge: the guest dirties memory at 9000 Mbit\/s, at or above the 8000 Mbit\/s migration bandwidth \(200 MiB still dirty after 2 pre-copy rounds\)$/);
      assert.equal(err.progress?.precopyRound, 2);
      return true;
    });
    assert.ok(runtime.isRunning('c'));
  });

  it('stops after its maximum rounds when the dirty set shrinks too slowly', async () => {
    const runtime = new SimulatedRuntime({ bandwidthMbps: 8000, dirtyRateMbps: 7600, maxDowntimeMs: 1, maxRounds: 3 });
    const vm = { name: 'd', vcpus: 1, memoryMb: 50 };
    await assert.rejects(runtime.precopy(vm, peer, () => {}, new AbortController().signal), /too close to the 8000 Mbit\/s migration bandwidth .* after 3 pre-copy rounds/);
  });

  it('an aborted transfer rejects with the abort reason and leaves the guest running', async () => {
    const runtime = new SimulatedRuntime({ bandwidthMbps: 80, dirtyRateMbps: 8 });
    const vm = { name: 'e', vcpus: 1, memoryMb: 100 };
    runtime.adopt(vm);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by request')), 100);
    await assert.rejects(runtime.precopy(vm, peer, () => {}, controller.signal), /cancelled by request/);
    assert.ok(runtime.isRunning('e'));
  });

  it('bandwidth 0 means an unlimited link: the transfer is instant', async () => {
    const runtime = new SimulatedRuntime({ bandwidthMbps: 0 });
    const last = await runtime.precopy({ name: 'f', vcpus: 1, memoryMb: 4096 }, peer, () => {}, new AbortController().signal);
    assert.deepEqual([last.transferredBytes, last.remainingBytes], [4096 * MIB, 0]);
  });
});
