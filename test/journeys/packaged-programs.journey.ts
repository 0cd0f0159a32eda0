// The programs inside the release VSIX run with `node` alone, on a server, far from this
// repository: the VSIX is unpacked into a temporary folder (no node_modules anywhere above it),
// and from there the companion daemon serves a cluster on a real etcd, `dev-cluster` starts,
// and the headless CLI watches a migration into a history and reads it back.

import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type BlixardTestClient } from '../companion/blixard-test-client';
import { EtcdHarness } from '../companion/etcd-harness';
import { extractVsix } from '../../scripts/vsix-archive';
import { ensureReleaseVsix } from './support/release-vsix';
import { eventually } from './support/installed-workbench';

interface Program {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
}

describe('Journey: the programs in the VSIX run with node alone', function () {
  let unpacked: string;
  let extensionDir: string;
  const running: ChildProcess[] = [];
  const clients: BlixardTestClient[] = [];
  let etcd: EtcdHarness | undefined;

  /** Starts `node <program> args…` from the unpacked copy, in its folder, with no NODE_PATH. */
  function start(program: string, args: string[]): Program {
    const env = { ...process.env };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS; // tsx's loader must not help the bundle
    const child = spawn(process.execPath, [path.join(extensionDir, program), ...args], { cwd: extensionDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    return { child, stdout: () => out, stderr: () => err };
  }

  async function readyLine(program: Program, ready: RegExp, what: string): Promise<RegExpMatchArray> {
    return eventually(
      async () => {
        if (program.child.exitCode !== null) throw new Error(`${what} exited ${program.child.exitCode}: ${program.stderr().slice(-1500)}`);
        return program.stdout().match(ready) ?? undefined;
      },
      () => `${what} to print its ready line (stdout: ${program.stdout().slice(-500)}; stderr: ${program.stderr().slice(-1500)})`,
      60_000,
    );
  }

  async function stop(program: Program): Promise<number | null> {
    if (program.child.exitCode !== null || program.child.signalCode !== null) return program.child.exitCode;
    const exited = new Promise<number | null>((resolve) => program.child.once('exit', (code) => resolve(code)));
    program.child.kill('SIGTERM');
    return exited;
  }

  before(function () {
    const vsix = ensureReleaseVsix();
    unpacked = mkdtempSync(path.join(os.tmpdir(), 'blixard-unpacked-vsix-'));
    extensionDir = path.join(unpacked, 'extension');
    const files = extractVsix(vsix, extensionDir);
    assert.ok(files > 10, `the VSIX holds the extension (${files} files)`);
    for (let dir = unpacked; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      assert.ok(!existsSync(path.join(dir, 'node_modules')), `no node_modules above the unpacked copy (${dir}/node_modules exists): the test would not prove the VSIX is self-contained`);
    }
  });

  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
  });

  after(async () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await etcd?.stop();
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  it('runs blixard-node daemons on a real etcd from dist/companion (etcd3 and its .proto files come from the VSIX)', async () => {
    etcd = await EtcdHarness.start();
    const daemons = [1, 2].map((id) => start('dist/companion/blixard-node.js', ['--id', String(id), '--listen', '127.0.0.1:0', '--store', `etcd://${etcd!.endpoint}`]));
    const endpoints: string[] = [];
    for (const [i, daemon] of daemons.entries()) endpoints.push((await readyLine(daemon, new RegExp(`blixard-node ${i + 1} ready: (\\S+)`), `daemon ${i + 1}`))[1]);
    assert.match(daemons[0].stdout() + daemons[0].stderr(), /store: etcd/, 'the daemon uses the etcd store');

    const client = connect(endpoints[0]);
    clients.push(client);
    await eventually(async () => (await client.call('GetClusterStatus')).nodes.length === 2, 'both daemons in the cluster status (shared through etcd)', 30_000);
    await client.call('CreateVm', { name: 'from-vsix', vcpus: 1, memory_mb: 256 });
    const placed = (await client.call('GetVmStatus', { name: 'from-vsix' })).vm_info.node_id as number;
    const target = placed === 1 ? 2 : 1;
    const result = await client.call('MigrateVm', { vm_name: 'from-vsix', target_node_id: target }, 60_000);
    assert.equal(result.status, 'MIGRATION_STATUS_COMPLETED', `cold migration through etcd: ${result.message}`);
    // The other daemon sees the move: the state lives in etcd, not in one process.
    const other = connect(endpoints[1]);
    clients.push(other);
    assert.equal((await other.call('GetVmStatus', { name: 'from-vsix' })).vm_info.node_id, target);
    for (const daemon of daemons) await stop(daemon);
  });

  it('starts a dev cluster from dist/companion and watches a migration with dist/cli into a history it reads back', async () => {
    const cluster = start('dist/companion/blixard-node.js', ['dev-cluster', '--nodes', '3', '--base-port', '0', '--vms', '4', '--boot-ms', '50', '--quiet']);
    const endpoints = (await readyLine(cluster, /blixard dev-cluster ready: (\S+)/, 'dev-cluster'))[1];
    const db = path.join(unpacked, 'history', 'migrations.db');
    const watch = start('dist/cli/blixard-migrations.js', ['watch', '--db', db, '--blixard', `packaged=${endpoints}`]);
    const client = connect(endpoints.split(',')[0]);
    clients.push(client);
    const vm = (await client.call('GetVmStatus', { name: 'vm-1' })).vm_info;
    const target = (vm.node_id % 3) + 1;
    // The CLI prints transitions it sees happen; finished ones from before it connected only go to the history.
    await eventually(async () => / {2}packaged {2}connected to /.test(watch.stderr()) || undefined, () => `the CLI to connect (stderr: ${watch.stderr().slice(-800)})`, 60_000);
    const result = await client.call('MigrateVm', { vm_name: 'vm-1', target_node_id: target, live_migration: vm.state === 'VM_STATE_RUNNING' }, 60_000);
    assert.equal(result.status, 'MIGRATION_STATUS_COMPLETED', result.message);
    await eventually(async () => /vm-1.*→ Succeeded/.test(watch.stdout()) || undefined, () => `the CLI's line for vm-1 → Succeeded (stdout: ${watch.stdout()}; stderr: ${watch.stderr().slice(-800)})`, 60_000);
    assert.equal(await stop(watch), 0, `the CLI exits 0 on SIGTERM (stderr: ${watch.stderr().slice(-800)})`);

    const history = start('dist/cli/blixard-migrations.js', ['history', '--db', db, '--vm', 'vm-1', '--json']);
    const code = await new Promise<number | null>((resolve) => history.child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, history.stderr());
    const rows = JSON.parse(history.stdout()) as Array<{ vm: string; state: string }> | { migrations: Array<{ vm: string; state: string }> };
    const list = Array.isArray(rows) ? rows : rows.migrations;
    assert.ok(list.some((m) => m.vm === 'vm-1' && m.state === 'succeeded'), `the history holds vm-1's migration as succeeded: ${history.stdout().slice(0, 800)}`);
    await stop(cluster);
  });
});
