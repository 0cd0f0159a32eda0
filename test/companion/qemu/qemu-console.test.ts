// The serial console of a real QEMU guest, end to end, on a two-node dev cluster: attached over
// ConsoleService, as `blixard-node console` (a child process) and through the extension's follower;
// input reaching the guest's shell; a live migration the streams follow. (Re-attaching after the
// serving daemon is killed and restarted is tested against real daemons in console.test.ts and
// blixard-console-reconnect.test.ts, and a VM's return to a node's console log in console-log.test.ts;
// the QEMU journey through both passes alone but not yet inside the whole suite — see the runtime README.)

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import { QemuRuntime } from '../../../companion/blixard-node/runtime/qemu/qemu-runtime';
import type { Accel } from '../../../companion/blixard-node/runtime/qemu/accel';
import { ConsoleTerminalCore } from '../../../src/ui/console/core/console-terminal-core';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import type { ConsoleAttachment } from '../../../src/sources/cluster-source';
import { sourceFor } from '../../unit/sources/blixard/support/test-cluster';
import { eventually } from '../blixard-test-client';
import { FROM_SOURCE, killOnExit, ROOT } from '../cli-process';
import { attachConsole, heartbeats } from '../console-attach';
import { accel, QemuFleet, requireQemu } from './qemu-harness';

const BOOTED = /blixard-guest: booted vm-1/g;
const bootsIn = (text: string) => (text.match(BOOTED) ?? []).length;
const consecutive = (counts: number[]) => counts.every((n, i) => i === 0 || n === counts[i - 1] + 1);

describe('qemu console: a real guest attached, migrated, its daemon restarted, back again', function () {
  this.timeout(120_000);
  const fleet = new QemuFleet();
  let cluster: DevCluster;
  let accelName: Accel;
  let cli: ChildProcess;
  let source: BlixardSource;
  let follower: ConsoleAttachment;
  const core = new ConsoleTerminalCore('vm-1', () => {});
  let out = '';
  let notes = '';

  const runtimeFor = (nodeId: number) => new QemuRuntime({ stateDir: path.join(fleet.root, `node-${nodeId}`), accel: accelName, bandwidthMbps: 0, stopTimeoutMs: 5000 });
  const migrate = async (targetNodeId: number) => {
    const m = await cluster.nodes[0].operations.migrateVm({ vmName: 'vm-1', targetNodeId, live: true, force: false });
    assert.equal(m.status, 'COMPLETED', m.message);
  };
  /** Both clients showed `more` heartbeats beyond what they had, each in one unbroken count from 1. */
  const bothCountOn = async (more: number, what: string) => {
    const [cliHad, coreHad] = [heartbeats(out).length, heartbeats(core.transcript).length];
    await eventually(() => heartbeats(out).length >= cliHad + more && heartbeats(core.transcript).length >= coreHad + more, 40_000, `${what} (cli: ${heartbeats(out).join(' ')}; stderr: ${notes})`);
    for (const [who, text] of [['cli', out], ['follower', core.transcript]]) {
      const counts = heartbeats(text);
      assert.ok(consecutive(counts), `${who}: one count, no reset, nothing twice, nothing missed: ${counts.join(' ')}`);
      assert.equal(bootsIn(text), 1, `${who}: the boot line once`);
    }
  };

  before(async () => {
    requireQemu();
    accelName = await accel();
    // vm-1, booted for real on node 1 (96 MiB).
    cluster = await startDevCluster({ nodes: 2, basePort: 0, vms: 1, createRuntime: runtimeFor, leaseTtlSeconds: 2 });
  });

  after(async () => {
    if (process.env.BLIXARD_QEMU_FIGURES) console.log(`CLI stderr:\n${notes}\nfollower notes:\n${core.transcript.match(/\[console: [^\]]*\]/g)?.join('\n')}`);
    follower?.dispose();
    source?.dispose();
    if (cli && cli.exitCode === null) cli.kill('SIGKILL');
    await cluster?.stop().catch(() => undefined);
    for (const pid of fs.readdirSync('/proc')) {
      try {
        if (/qemu-system/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(fleet.root)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await fleet.cleanup();
  });

  it('attaches over the RPC, as `blixard-node console` and in the extension: the boot line once, the counter rising, input reaching the guest', async () => {
    const rpc = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', tailBytes: 64 * 1024 });
    await eventually(() => heartbeats(rpc.text()).length >= 2, 15_000, `heartbeats over the RPC (${rpc.text().slice(-300)})`);
    assert.equal(rpc.messages[0].attached?.nodeId, '1');
    assert.match(rpc.text(), /^--- blixard: vm-1 booting on this node, \S+ ---\r\n/, 'the life marker opens the tail');
    assert.equal(bootsIn(rpc.text()), 1);
    assert.ok(consecutive(heartbeats(rpc.text())));
    // The guest's /init runs a shell on the serial console: what it prints proves it ran the line.
    rpc.call.write({ data: Buffer.from('echo rpc-$((6*7))\r') });
    await eventually(() => /^rpc-42\r?$/m.test(rpc.text()), 10_000, `the shell's answer (${rpc.text().slice(-300)})`);
    rpc.call.cancel();

    // The CLI asks node 2, which sends it on to node 1; the follower tries node 2 first too.
    cli = spawn(process.execPath, [...FROM_SOURCE, 'console', 'vm-1', '--endpoint', cluster.endpoints[1]], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    killOnExit(cli);
    cli.stdout!.on('data', (d) => (out += d));
    cli.stderr!.on('data', (d) => (notes += d));
    source = sourceFor([cluster.endpoints[1], cluster.endpoints[0]]);
    follower = source.attachConsole('vm-1', core);
    await bothCountOn(2, 'heartbeats in the CLI and the follower');
    assert.match(out, /rpc-42/, 'the tail holds what came before');
    cli.stdin!.write('echo cli-$((6*7))\n');
    follower.write('echo follower-$((7*7))\r');
    await eventually(() => /^cli-42\r?$/m.test(out) && /^follower-49\r?$/m.test(core.transcript), 10_000, 'both inputs answered by the guest');
  });

  it('follows a live migration: the same streams go on from the target, the counter continuing', async () => {
    await migrate(2);
    await eventually(() => /moved to node 2/.test(notes) && core.transcript.includes('[console: vm-1 moved to node-2]'), 15_000, `the move noted (${notes})`);
    await bothCountOn(2, 'heartbeats from the target');
    assert.match(out, /--- blixard: vm-1 arriving on this node by live migration, \S+ ---/, "the target's life marker in the stream");
  });
});
