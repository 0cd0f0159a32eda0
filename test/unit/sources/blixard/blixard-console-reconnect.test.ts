// The extension's console follower when the daemon serving the stream goes away, against real
// daemons of a dev cluster (simulated guests): it says it is reconnecting, tries the cluster's
// endpoints with a backoff while the daemon is down, attaches again when it is back (on its old
// port, the same store), says so once, and repeats nothing; and it gives up, with the reason, once
// its time is up. (The same against a real QEMU guest whose restarted daemon adopts it, with an
// exact resume on the same log: test/companion/qemu/qemu-console.test.ts.)

import assert from 'node:assert/strict';
import { startNode } from '../../../../companion/blixard-node/node-daemon';
import { ConsoleTerminalCore } from '../../../../src/ui/console/core/console-terminal-core';
import { sourceFor, startTestCluster, type DevCluster } from './support/test-cluster';
import { waitFor } from './support/wait-for';

const heartbeats = (text: string) => [...text.matchAll(/heartbeat (\d+)/g)].map((m) => Number(m[1]));
const count = (text: string, part: string) => text.split(part).length - 1;

describe('BlixardSource.attachConsole when its daemon goes away', function () {
  this.timeout(40_000);
  let cluster: DevCluster;
  before(async () => {
    // vm-1 runs on node 1, vm-3 on node 3.
    cluster = await startTestCluster({ vms: 3, leaseTtlSeconds: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('reconnects when the daemon is killed and comes back, telling the user once each way, repeating nothing', async () => {
    const source = sourceFor([...cluster.endpoints]);
    const core = new ConsoleTerminalCore('vm-1', () => {});
    const attachment = source.attachConsole('vm-1', core);
    try {
      await waitFor(() => heartbeats(core.transcript).length >= 2, 'heartbeats before the crash', 5000);
      const before = core.transcript;
      await cluster.nodes[0].crash();
      await waitFor(() => core.transcript.includes('[console: reconnecting to vm-1 ('), 'the reconnecting note', 5000);
      assert.match(core.transcript, new RegExp(`\\[console: reconnecting to vm-1 \\(${cluster.endpoints[0].replace(/\./g, '\\.')}: `));
      // Down for a while: the follower keeps trying (node 1 itself, and nodes 2 and 3, which send it back to node 1).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(core.endReason, undefined, 'still trying');
      (cluster.nodes as unknown[])[0] = await startNode({ id: 1, listen: cluster.endpoints[0], store: cluster.store, runtime: { bootMs: 50, stopMs: 50 }, leaseTtlSeconds: 2 });
      await waitFor(() => core.transcript.includes('[console: reconnected to vm-1 on node-1]'), 'the reconnected note', 15_000);
      const after = core.transcript.slice(core.transcript.indexOf('[console: reconnected'));
      await waitFor(() => heartbeats(core.transcript.slice(before.length)).length >= 2, 'heartbeats after the reconnect', 5000);
      assert.equal(count(core.transcript, '[console: reconnecting'), 1, 'one note, however many attempts');
      assert.equal(count(core.transcript, '[console: reconnected'), 1);
      // The restarted daemon's simulated guest starts a new log (it "just booted"): the follower shows that life, and not the old tail again.
      const newBeats = heartbeats(core.transcript.slice(before.length));
      assert.deepEqual(newBeats, newBeats.map((_, i) => newBeats[0] + i), `one count after the reconnect: ${newBeats.join(' ')}`);
      assert.ok(newBeats[0] < heartbeats(before).at(-1)! || count(after, 'booted') === 1, 'the new life, not a replay');
      assert.equal(count(core.transcript, 'simulated guest vm-1 booted'), 2, 'the first boot once, the restarted daemon\'s once');
      assert.equal(core.endReason, undefined);
    } finally {
      attachment.dispose();
      source.dispose();
    }
  });

  it('gives up with the reason once its reconnect time is up', async () => {
    const source = sourceFor([cluster.endpoints[2], cluster.endpoints[1]], { consoleReconnectMs: 1500 });
    const core = new ConsoleTerminalCore('vm-3', () => {});
    const attachment = source.attachConsole('vm-3', core);
    try {
      await waitFor(() => heartbeats(core.transcript).length >= 1, 'a heartbeat', 5000);
      const crashedAt = Date.now();
      await cluster.nodes[2].crash();
      await waitFor(() => core.endReason !== undefined, 'the end', 10_000);
      assert.match(core.endReason!, /^gave up reconnecting to vm-3 after \d+ s: /);
      assert.ok(Date.now() - crashedAt < 6000, `bounded (${Date.now() - crashedAt} ms)`);
      assert.match(core.transcript, /\[console: reconnecting to vm-3 [^\]]*\]\r\n[^]*\[console: ended: gave up reconnecting/);
    } finally {
      attachment.dispose();
      source.dispose();
    }
  });
});
