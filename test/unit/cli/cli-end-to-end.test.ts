// The shipped CLI bundle (dist/cli/blixard-migrations.js) as a child process against real
// servers: a local KubeVirt-compatible API server reached through a kubeconfig and a Blixard dev
// cluster over gRPC. Its lines are read from stdout, its database queried with `history`.

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import type { MigrationJson } from '../../../src/cli/history-command';
import { kubevirtSpecId } from '../../../src/sources/create-sources';
import { formatDuration } from '../../../src/model/vocabulary';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { waitFor } from '../watch/support/kubevirt-watch-rig';
import { CLI, ensureBundle, runCli } from './support/cli-bundle';

class WatchProcess {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, 'watch', ...args], { stdio: 'pipe' });
    const lines = (target: string[]) => {
      let rest = '';
      return (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        target.push(...parts);
      };
    };
    this.child.stdout.on('data', lines(this.out));
    this.child.stderr.on('data', lines(this.err));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** For cleanup after a failed test only; a passing test ends the watch with SIGINT/SIGTERM. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

describe('blixard-migrations CLI end to end', function () {
  this.timeout(180_000);
  let dir: string;
  let kube: KubeApiServer;
  let blixard: DevCluster;
  let kubeconfig: string;
  const watches: WatchProcess[] = [];

  before(async () => {
    ensureBundle();
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-'));
    kube = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 120 } });
    seedCluster(kube, { nodes: 3, vmisPerNode: 1, notMigratableEvery: 0, bareVmi: false });
    kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await kube.writeKubeconfig(kubeconfig, { contexts: [{ name: 'kv-e2e' }, { name: 'kv-other' }], currentContext: 'kv-e2e' });
    blixard = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 50, stopMs: 50, bandwidthMbps: 8000, dirtyRateMbps: 100, progressIntervalMs: 100 }, log: () => {} });
  });

  after(async () => {
    for (const w of watches) w.kill();
    await kube?.stop();
    await blixard?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function watch(args: string[]): WatchProcess {
    const w = new WatchProcess(args);
    watches.push(w);
    return w;
  }

  it('prints one line per transition of both kinds while recording them, and stops cleanly on SIGINT', async () => {
    const db = path.join(dir, 'both.db');
    const w = watch(['--db', db, '--kubeconfig', kubeconfig, '--context', 'kv-e2e', '--blixard', `dev=${blixard.endpoints.join(',')}`]);
    await waitFor(() => w.err.filter((l) => /^\S+Z {2}\S+ {2}connected to /.test(l)).length >= 2, () => `both clusters connected; stderr:\n${w.err.join('\n')}`, 30_000);

    const vmim = kube.createMigration({ vmiName: 'vm-001' }).metadata.name as string;
    const bx = await blixard.nodes[0].operations.migrateVm({ vmName: 'vm-1', targetNodeId: 2, live: true, force: false });
    assert.equal(bx.status, 'COMPLETED');
    await waitFor(() => w.out.some((l) => l.includes(vmim) && l.includes('→ Succeeded')), () => `the KubeVirt migration's end; stdout:\n${w.out.join('\n')}`, 30_000);
    await waitFor(() => w.out.some((l) => l.includes(`  ${bx.id.slice(0, 8)}  `) && l.includes('→ Succeeded')), () => `the Blixard migration's end; stdout:\n${w.out.join('\n')}`, 30_000);

    const kubeLines = w.out.filter((l) => l.includes(vmim));
    const truth = kube.objects.migration({ name: vmim })!;
    assert.deepEqual(
      kubeLines.map((l) => / (\S+) {2}node\d+ → /.exec(l)?.[1]),
      truth.phases.map((p) => p.phase),
      'one line per phase, in order',
    );
    // creationTimestamp has whole seconds, the Pending time milliseconds: "+1.0s" after a busy second is as right as "+420ms".
    assert.match(kubeLines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}kv-e2e {2}default\/vm-001 {2}kubevirt-migrate-vm-\w+ {2}→ Pending {2}node01 → \S+ {2}\+(\d+ms|1\.\ds)$/);
    assert.match(kubeLines.at(-1)!, / {2}Running → Succeeded {2}node01 → node0[23] {2}\+[\d.]+m?s$/);
    const bxLines = w.out.filter((l) => l.includes(`  ${bx.id.slice(0, 8)}  `));
    assert.deepEqual(bxLines.map((l) => / (\S+) {2}1 → 2 /.exec(l)?.[1]), ['Preparing', 'Transferring', 'Switching', 'Succeeded']);
    assert.match(bxLines[0], / {2}dev {2}vm-1 {2}/);
    // A live migration's end says how long the guest was paused, as the daemon's runtime measured it.
    assert.match(bxLines.at(-1)!, / {2}downtime [\d.]+m?s$/);
    assert.doesNotMatch(kubeLines.at(-1)!, /downtime/, 'KubeVirt reports no downtime, and none is made up');

    // The history is readable (read-only) while the watch writes it.
    await waitFor(() => {
      const r = runCli(['history', '--db', db, '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as MigrationJson[]).length === 2;
    }, 'both migrations visible to `history` during the watch');

    w.signal('SIGINT');
    assert.equal(await w.exited, 0);
    assert.ok(w.err.some((l) => /SIGINT: writing the history/.test(l)));

    const all = JSON.parse(runCli(['history', '--db', db, '--json']).stdout) as MigrationJson[];
    const kubeEntry = all.find((m) => m.name === vmim)!;
    assert.equal(kubeEntry.state, 'succeeded');
    assert.deepEqual(
      kubeEntry.transitions.map((t) => [t.phase, t.at]),
      truth.phases.map((p) => [p.phase, Date.parse(p.timestamp)]),
    );
    const bxEntry = all.find((m) => m.id.endsWith(`/${bx.id}`))!;
    assert.deepEqual(
      bxEntry.transitions.map((t) => t.at),
      bx.phases.map((p) => p.at),
    );
    assert.equal(bxEntry.state, 'succeeded');
    assert.ok(typeof bxEntry.downtimeMs === 'number' && bxEntry.downtimeMs > 0, `downtime recorded: ${bxEntry.downtimeMs}`);
    assert.equal(bxEntry.downtimeMs, Number(bx.downtimeMs), 'the figure the daemon committed');
    assert.equal(kubeEntry.downtimeMs, undefined);
    assert.match(runCli(['history', '--db', db, '--id', bxEntry.id]).stdout, new RegExp(`\\nDowntime +${formatDuration(bxEntry.downtimeMs).replace('.', '\\.')}\\n`));

    const table = runCli(['history', '--db', db]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^CREATED\s+CLUSTER\s+VM\s+MIGRATION\s+FROM\s+TO\s+PHASE\s+STATE\s+DURATION\s+MODE\s+ORIGIN\n/);
    assert.equal(table.stdout.trimEnd().split('\n').length, 3);
    assert.equal(runCli(['history', '--db', db, '--active']).stdout.trim(), 'No migrations.');
    const byVm = JSON.parse(runCli(['history', '--db', db, '--vm', 'vm-001', '--json']).stdout) as MigrationJson[];
    assert.deepEqual(byVm.map((m) => m.name), [vmim]);
    const detail = runCli(['history', '--db', db, '--id', kubeEntry.id]);
    assert.match(detail.stdout, /Phases:\n {2}\S+ {2}\+0ms\s+Pending\n/);
    assert.equal(runCli(['history', '--db', db, '--id', 'nope']).code, 1);
  });

  it('after a restart, prints and records only what is new, and SIGTERM also exits 0', async () => {
    const db = path.join(dir, 'restart.db');
    const args = ['--db', db, '--kubeconfig', kubeconfig, '--context', 'kv-e2e'];
    const first = watch(args);
    await waitFor(() => first.err.some((l) => /^\S+Z {2}\S+ {2}connected to /.test(l)), 'connected', 30_000);
    kube.setTiming({ perPhaseMs: 400 });
    const name = kube.createMigration({ vmiName: 'vm-002' }).metadata.name as string;
    await waitFor(() => first.out.some((l) => l.includes(name) && l.includes('→ Scheduled')), 'Scheduled printed', 30_000);
    first.signal('SIGTERM');
    assert.equal(await first.exited, 0);
    const before = first.out.filter((l) => l.includes(name)).length;

    const second = watch(args);
    await waitFor(() => kube.objects.migration({ name })?.finalPhase !== undefined, 'the migration to end', 30_000);
    await waitFor(() => second.out.some((l) => l.includes(name) && l.includes('→ Succeeded')), 'Succeeded printed after the restart', 30_000);
    second.signal('SIGINT');
    assert.equal(await second.exited, 0);
    kube.setTiming({ perPhaseMs: 120 });

    const printed = [...first.out, ...second.out].filter((l) => l.includes(name)).map((l) => / (\S+) {2}node\d+ → /.exec(l)?.[1]);
    const truth = kube.objects.migration({ name })!.phases.map((p) => p.phase);
    assert.deepEqual(printed, truth, 'every phase printed exactly once across the two runs');
    assert.ok(before > 0 && before < truth.length);
    const [entry] = JSON.parse(runCli(['history', '--db', db, '--id', `${kubevirtSpecId('kv-e2e')}/default/${name}`, '--json']).stdout) as MigrationJson[];
    assert.deepEqual(entry.transitions.map((t) => t.phase), truth);
  });

  it('answers --help, and bad usage with one line and exit code 2', () => {
    const help = runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: blixard-migrations <command>/);
    assert.match(help.stdout, /--blixard NAME=EPS/);
    for (const args of [['watch', '--db', 'x.db', '--bogus'], ['history'], ['history', '--db', 'x', '--active', '--vm', 'a'], ['teleport']]) {
      const r = runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')} → exit ${r.code}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\bat \S+:\d+/, 'no stack trace');
    }
    const missing = runCli(['history', '--db', path.join(dir, 'none.db')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot open the history .*none\.db/);
  });

  it('says what is wrong with an unusable kubeconfig or an unreachable cluster, and keeps watching the rest', async () => {
    const db = path.join(dir, 'partial.db');
    const w = watch(['--db', db, '--kubeconfig', path.join(dir, 'missing.yaml'), '--blixard', 'gone=127.0.0.1:1', '--blixard', `dev=${blixard.endpoints[0]}`]);
    await waitFor(() => w.err.some((l) => /^warning: --kubeconfig: .*missing\.yaml does not exist/.test(l)), () => `the kubeconfig problem; stderr:\n${w.err.join('\n')}`, 30_000);
    await waitFor(() => w.err.some((l) => /^\S+Z {2}gone {2}migration stream down {2}/.test(l)) && w.err.some((l) => /^\S+Z {2}dev {2}connected to /.test(l)), () => `one cluster down, one up; stderr:\n${w.err.join('\n')}`, 30_000);
    const bx = await blixard.nodes[1].operations.migrateVm({ vmName: 'vm-3', targetNodeId: 1, live: true, force: false });
    await waitFor(() => w.out.some((l) => l.includes(`  ${bx.id.slice(0, 8)}  `) && l.includes('→ Succeeded')), 'the working cluster still flows', 30_000);
    w.signal('SIGINT');
    assert.equal(await w.exited, 0);

    const nothing = watch(['--db', path.join(dir, 'empty.db'), '--kubeconfig', path.join(dir, 'missing.yaml')]);
    assert.equal(await nothing.exited, 2);
    assert.ok(nothing.err.some((l) => /nothing to watch/.test(l)));
  });
});
