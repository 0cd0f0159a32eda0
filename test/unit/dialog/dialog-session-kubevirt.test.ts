// The dialog's host logic against the local KubeVirt-compatible API server (real HTTPS, real
// list/watch, KubeVirt-like admission and controller), through the real KubevirtSource.

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MigrationDialogSession } from '../../../src/ui/dialog/core/migration-dialog-session';
import type { DialogViewState } from '../../../src/protocol/migration-dialog';
import { SourceStreamFeed } from '../../../src/ui/dialog/core/source-stream-feed';
import { KubevirtSource } from '../../../src/sources/kubevirt/kubevirt-source';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';

async function until<T>(what: string, probe: () => T | undefined | false | 0 | Promise<T | undefined | false | 0>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('dialog: session against the local KubeVirt API server', function () {
  this.timeout(90_000);
  let server: KubeApiServer;
  let source: KubevirtSource;
  let dir: string;

  before(async () => {
    server = await startKubeApiServer({ timing: { perPhaseMs: 150, abortMs: 100 } });
    seedCluster(server, { nodes: 3, vmisPerNode: 2, notMigratableEvery: 5 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'dialog-kube-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await server.writeKubeconfig(kubeconfig);
    source = new KubevirtSource({ kubeconfigPaths: [kubeconfig], context: 'kubevirt-test' });
  });

  after(async () => {
    source?.dispose();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function open(vmId: string) {
    const feed = new SourceStreamFeed();
    const session = new MigrationDialogSession({ source, vmId, feed, post: () => undefined, close: () => undefined, log: { info() {}, warn() {}, error() {} } });
    return { session, feed, state: (): DialogViewState => session.viewState, dispose: () => (session.dispose(), feed.dispose()) };
  }

  it('creates a VMIM with the right spec for a chosen node and follows it to Succeeded', async () => {
    const d = open('default/vm-001');
    await d.session.start();
    assert.equal(d.state().stage, 'form');
    assert.equal(d.state().vm?.nodeId, 'node01');
    d.session.handle({ type: 'submit', targetNodeId: 'node03', live: true, force: false });
    await until('tracking', () => d.state().stage === 'tracking' && d.state().migrationId);

    const record = await until('the VMIM on the server', () => server.objects.migrations().find((m) => m.vmiName === 'vm-001'));
    assert.match(record.name, /^kubevirt-migrate-vm-/);
    assert.equal(record.namespace, 'default');
    const spec = record.lastObject.spec as Record<string, unknown>;
    assert.equal(spec.vmiName, 'vm-001');
    assert.deepEqual(spec.addedNodeSelector, { 'kubernetes.io/hostname': 'node03' });

    await until('Succeeded', () => d.state().migration?.state === 'succeeded', 60_000);
    const phases = d.state().migration!.phases.map((p) => p.phase);
    for (const p of ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded']) assert.ok(phases.includes(p), `phase ${p} in ${phases}`);
    await until('the VMI on node03', () => d.state().vm?.nodeId === 'node03');
    d.dispose();
  });

  it('lets the scheduler choose ("Any node"): no node selector', async () => {
    const d = open('default/vm-002');
    await d.session.start();
    d.session.handle({ type: 'submit', targetNodeId: null, live: true, force: false });
    const record = await until('the VMIM on the server', () => server.objects.migrations().find((m) => m.vmiName === 'vm-002'));
    assert.equal((record.lastObject.spec as Record<string, unknown>).addedNodeSelector, undefined);
    await until('Succeeded', () => d.state().migration?.state === 'succeeded', 60_000);
    d.dispose();
  });

  it('cancel deletes the VMIM; a running migration is aborted and the dialog ends cancelled', async () => {
    server.setTiming({ perPhaseMs: 400, phaseMs: { Running: 20_000 } });
    try {
      const d = open('default/vm-003');
      await d.session.start();
      d.session.handle({ type: 'submit', targetNodeId: 'node01', live: true, force: false });
      await until('Running', () => d.state().migration?.phase === 'Running', 30_000);
      d.session.handle({ type: 'cancelMigration' });
      const record = await until('the delete on the server', () => server.objects.migrations().find((m) => m.vmiName === 'vm-003' && m.cancelRequested));
      await until('cancelled', () => d.state().migration?.state === 'cancelled', 30_000);
      await until('the VMIM gone', () => !server.objects.get('virtualmachineinstancemigrations', 'default', record.name));
      assert.equal(server.objects.migration({ uid: record.uid })?.deletionCause, 'user');
      assert.equal(d.state().vm?.nodeId, 'node02', 'the VMI stays where it was');
      d.dispose();
    } finally {
      server.setTiming({ perPhaseMs: 150, phaseMs: { Running: 150 } });
    }
  });

  it('refuses a VMI that is not live-migratable with its reason, before asking the server', async () => {
    const d = open('default/vm-005');
    await d.session.start();
    const before = server.objects.migrations().length;
    d.session.handle({ type: 'submit', targetNodeId: null, live: true, force: false });
    await until('the refusal', () => d.state().hostIssues?.length);
    assert.match(d.state().hostIssues![0].message, /^VM is not live-migratable/);
    assert.equal(server.objects.migrations().length, before);
    d.dispose();
  });

  it('names a migration another client started, and will not submit over it', async () => {
    server.setTiming({ perPhaseMs: 1500 });
    try {
      const other = server.createMigration({ vmiName: 'vm-004', namespace: 'default' });
      const d = open('default/vm-004');
      await until('the source to see it', async () => (await source.listVms()).find((v) => v.id === 'default/vm-004')?.migration);
      await d.session.start();
      assert.equal(d.state().inFlight?.name, other.metadata.name);
      const before = server.objects.migrations().length;
      d.session.handle({ type: 'submit', targetNodeId: null, live: true, force: false });
      await until('the refusal', () => d.state().hostIssues?.length);
      assert.match(d.state().hostIssues![0].message, new RegExp(`already in flight: ${other.metadata.name}`));
      assert.equal(server.objects.migrations().length, before);
      d.dispose();
    } finally {
      server.setTiming({ perPhaseMs: 150 });
    }
  });

  it('shows an RBAC denial inline as "Failed to migrate VM: <reason>"', async () => {
    const kubeconfig = path.join(dir, 'viewer-kubeconfig');
    await server.writeKubeconfig(kubeconfig, { contexts: [{ name: 'viewer', role: 'viewer' }] });
    const viewer = new KubevirtSource({ kubeconfigPaths: [kubeconfig], context: 'viewer' });
    const feed = new SourceStreamFeed();
    const session = new MigrationDialogSession({ source: viewer, vmId: 'default/vm-006', feed, post: () => undefined, close: () => undefined, log: { info() {}, warn() {}, error() {} } });
    try {
      await session.start();
      assert.equal(session.viewState.stage, 'form');
      session.handle({ type: 'submit', targetNodeId: null, live: true, force: false });
      await until('the denial', () => session.viewState.submitError);
      assert.match(session.viewState.submitError!, /^Failed to migrate VM: /);
      assert.match(session.viewState.submitError!, /forbidden|not allowed|permission/i);
      assert.equal(session.viewState.stage, 'form');
      assert.ok(!server.objects.migrations().some((m) => m.vmiName === 'vm-006'));
    } finally {
      session.dispose();
      feed.dispose();
      viewer.dispose();
    }
  });
});
