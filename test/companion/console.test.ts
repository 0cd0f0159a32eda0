// ConsoleService.AttachConsole on a dev cluster over real gRPC: the simulated guests' consoles
// (tail, live heartbeat, input echoed), resuming after a position, the refusals, and a client
// (the CLI's runConsole) that follows a VM across a live migration with the heartbeat counter continuing.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { startDevCluster, type DevCluster } from '../../companion/blixard-node/dev-cluster';
import { MAX_TAIL_BYTES } from '../../companion/blixard-node/rpc/console-service';
import { runConsole } from '../../companion/blixard-node/rpc/console-client';
import { connect, eventually } from './blixard-test-client';
import { attachConsole, heartbeats } from './console-attach';
import { spawn } from 'node:child_process';
import { exitOf, FROM_SOURCE, killOnExit, ROOT } from './cli-process';

describe('blixard-node ConsoleService (dev-cluster, simulated consoles)', function () {
  this.timeout(40_000);
  let cluster: DevCluster;

  before(async () => {
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 4, runtime: { bootMs: 100, stopMs: 100, bandwidthMbps: 2000, dirtyRateMbps: 200 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('sends the tail, then live heartbeats, and echoes input lines like a shell', async () => {
    const a = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', tailBytes: 4096 });
    await eventually(() => heartbeats(a.text()).length >= 2, 5000, 'two heartbeats');
    assert.equal(a.messages[0].attached?.nodeId, '1');
    assert.equal(a.text().split('simulated guest vm-1 booted').length, 2, 'the boot line, once');
    const counts = heartbeats(a.text());
    assert.deepEqual(counts, counts.map((_, i) => counts[0] + i), 'the counter rises by one a line');
    a.call.write({ data: Buffer.from('uname -a\r') });
    await eventually(() => a.text().includes('$ uname -a\n'), 3000, 'the echoed line');
    a.call.cancel();
    // A second attach replays the tail: what the first saw is there.
    const b = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', tailBytes: MAX_TAIL_BYTES });
    await eventually(() => b.text().includes('$ uname -a'), 3000, 'the tail');
    b.call.cancel();
  });

  it('refuses what it cannot serve: NOT_FOUND, FAILED_PRECONDITION, INVALID_ARGUMENT', async () => {
    const cases: [object, grpc.status, RegExp][] = [
      [{ vmName: 'no-such-vm' }, grpc.status.NOT_FOUND, /VM 'no-such-vm' not found/],
      [{ vmName: 'vm-2' }, grpc.status.FAILED_PRECONDITION, /VM 'vm-2' is not running \(stopped\)/],
      [{ vmName: 'Bad_Name' }, grpc.status.INVALID_ARGUMENT, /vm_name 'Bad_Name' is not a valid VM name/],
      [{ vmName: '' }, grpc.status.INVALID_ARGUMENT, /vm_name must not be empty/],
      [{ vmName: 'vm-1', tailBytes: MAX_TAIL_BYTES + 1 }, grpc.status.INVALID_ARGUMENT, /tail_bytes must be between 0 and/],
    ];
    for (const [request, code, details] of cases) {
      const a = attachConsole(cluster.endpoints[0], request);
      await eventually(() => !!a.error(), 5000, `an error for ${JSON.stringify(request)}`);
      assert.equal(a.error()!.code, code, `${JSON.stringify(request)}: ${a.error()!.details}`);
      assert.match(a.error()!.details, details);
    }
    const big = attachConsole(cluster.endpoints[0], { vmName: 'vm-1' });
    await eventually(() => big.messages.length > 0, 5000, 'attached');
    big.call.write({ data: Buffer.alloc(64 * 1024 + 1) });
    await eventually(() => !!big.error(), 5000, 'input too large refused');
    assert.equal(big.error()!.code, grpc.status.INVALID_ARGUMENT);
  });

  it('resumes after the position a client last received: on the same log what followed, on another the current life', async () => {
    const a = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', tailBytes: 0 });
    await eventually(() => heartbeats(a.text()).length >= 1, 5000, 'a heartbeat');
    a.call.cancel();
    const { logId } = a.messages[0];
    assert.match(logId, /^[0-9a-f-]{36}$/);
    const last = a.messages.filter((m) => m.data.length).at(-1)!;
    const seen = heartbeats(a.text());
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the guest prints on while nobody is attached
    const b = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', tailBytes: 0, resume: { logId, position: last.position } });
    await eventually(() => heartbeats(b.text()).length >= 2, 5000, 'heartbeats after the resume');
    assert.equal(b.messages[0].logId, logId);
    assert.equal(b.messages[0].position, last.position, 'the replay begins where the client stopped');
    assert.equal(heartbeats(b.text())[0], seen.at(-1)! + 1, `the next heartbeat, none twice, none missed: ${seen.join(' ')} | ${heartbeats(b.text()).join(' ')}`);
    const positions = b.messages.filter((m) => m.data.length).map((m) => Number(m.position));
    assert.deepEqual(positions, [...positions].sort((x, y) => x - y), 'positions go forward');
    b.call.cancel();
    // Another log (the client read the VM on another node): the VM's life on this one, tail_bytes notwithstanding.
    const c = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', tailBytes: 0, resume: { logId: 'another-log', position: '5' } });
    await eventually(() => /simulated guest vm-1 booted/.test(c.text()), 5000, 'the whole life');
    c.call.cancel();
    const bad = attachConsole(cluster.endpoints[0], { vmName: 'vm-1', resume: { logId: 'x'.repeat(65), position: '1' } });
    await eventually(() => !!bad.error(), 5000, 'a bad resume refused');
    assert.equal(bad.error()!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.error()!.details, /resume needs the log_id/);
  });

  it('sends a client asking the wrong node on to the node that runs the VM', async () => {
    const a = attachConsole(cluster.endpoints[1], { vmName: 'vm-1' });
    await eventually(() => a.ended(), 5000, 'the end of the call');
    assert.equal(a.error(), undefined);
    assert.deepEqual(a.messages.map((m) => m.moved && { ...m.moved }), [{ nodeId: '1', address: cluster.endpoints[0] }]);
  });

  it('follows a VM across a live migration: one console for the user, the counter continuing', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
    let out = '';
    let notes = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (notes += d));
    const running = runConsole({ vmName: 'vm-1', endpoint: cluster.endpoints[2], tailBytes: 0 }, { stdin, stdout, stderr } as never);
    await eventually(() => heartbeats(out).length >= 1, 5000, 'a heartbeat before the move');
    const client = connect(cluster.endpoints[0]);
    try {
      const res = await client.call('MigrateVm', { vm_name: 'vm-1', target_node_id: 2, live_migration: true });
      assert.equal(res.success, true, res.message);
      await eventually(() => /moved to node 2/.test(notes), 15_000, 'the move noted');
      const before = heartbeats(out).length;
      await eventually(() => heartbeats(out).length >= before + 2, 5000, 'heartbeats from the target');
      const counts = heartbeats(out);
      assert.deepEqual(counts, counts.map((_, i) => counts[0] + i), `the counter continues without a reset or a repeat: ${counts.join(' ')}`);
      assert.doesNotMatch(out, /booted/, 'no reboot on the target');
      stdin.write('after the move\n');
      await eventually(() => out.includes('$ after the move'), 3000, 'input reaches the guest on the target');
      assert.equal((await client.call('GetVmStatus', { name: 'vm-1' })).vm_info.node_id, 2);
    } finally {
      client.close();
    }
    await cluster.nodes[1].operations.stopVm('vm-1').catch(() => {});
    const code = await Promise.race([running, new Promise((r) => setTimeout(() => r('still running'), 8000))]);
    assert.equal(code, 0, `the console ends when the VM stops (${notes})`);
    assert.match(notes, /VM 'vm-1' is (stopping|stopped)/);
  });
});

describe('blixard-node console (the CLI, as a process)', function () {
  this.timeout(40_000);
  let cluster: DevCluster;
  before(async () => {
    cluster = await startDevCluster({ nodes: 2, basePort: 0, vms: 1, runtime: { bootMs: 100, stopMs: 100 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('prints the tail and live output, sends stdin to the guest, and exits 0 when the VM stops', async () => {
    const child = spawn(process.execPath, [...FROM_SOURCE, 'console', 'vm-1', '--endpoint', cluster.endpoints[1]], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    killOnExit(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await eventually(() => heartbeats(out).length >= 1, 15_000, `a heartbeat on stdout (stderr: ${err})`);
    assert.match(out, /simulated guest vm-1 booted/);
    child.stdin.write('echo hi\n');
    await eventually(() => out.includes('$ echo hi'), 5000, 'the echo');
    await cluster.nodes[0].operations.stopVm('vm-1');
    assert.equal(await exitOf(child), 0, err);
    assert.match(err, /\[console: VM 'vm-1' is (stopping|stopped)\]/);
  });

  it('says why and exits 1 when the daemon refuses', async () => {
    const child = spawn(process.execPath, [...FROM_SOURCE, 'console', 'no-such-vm', '--endpoint', cluster.endpoints[0]], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    assert.equal(await exitOf(child), 1);
    assert.match(err, /\[console: VM 'no-such-vm' not found\]/);
  });

  it('answers a usage error with exit code 2', async () => {
    const child = spawn(process.execPath, [...FROM_SOURCE, 'console', 'vm-1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    assert.equal(await exitOf(child), 2);
    assert.match(err, /console needs --endpoint HOST:PORT/);
  });

  it('prints its usage with --help, exit code 0', async () => {
    const child = spawn(process.execPath, [...FROM_SOURCE, 'console', '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    assert.equal(await exitOf(child), 0);
    assert.match(out, /^Usage: blixard-node console VM --endpoint HOST:PORT/);
  });
});
