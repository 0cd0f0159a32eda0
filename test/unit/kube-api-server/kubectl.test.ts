// A real kubectl against the server through a kubeconfig: get, watch, create, delete and
// refusals. This is the check that the protocol is faithful, not merely self-consistent.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { waitFor } from './wait-for';
import { requireKubectl, runKubectl, type KubectlResult } from '../../support/kubectl';


describe('kube-api-server: real kubectl', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: string;
  let kubectlBin: string;

  function kubectl(args: string[], input?: string): Promise<KubectlResult> {
    return runKubectl(kubectlBin, join(dir, 'config'), join(dir, 'cache'), args, input);
  }

  before(() => { kubectlBin = requireKubectl(); });

  beforeEach(async () => {
    server = await startKubeApiServer({ timing: { perPhaseMs: 40 } });
    for (const name of ['node01', 'node02', 'node03']) server.addNode({ name });
    server.addVm({ name: 'vm1', node: 'node01' });
    server.addVm({ name: 'vm2', node: 'node02', namespace: 'team-a' });
    server.addVmi({ name: 'bare', node: 'node03' });
    dir = mkdtempSync(join(tmpdir(), 'kas-kubectl-'));
    await server.writeKubeconfig(join(dir, 'config'), { contexts: [{ name: 'admin' }, { name: 'viewer', role: 'viewer' }], currentContext: 'admin' });
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets nodes and VMIs (table and -o yaml)', async () => {
    const nodes = await kubectl(['get', 'nodes']);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.match(nodes.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    assert.match(nodes.stdout, /node02\s+Ready\s+worker/);
    server.cordonNode('node03');
    assert.match((await kubectl(['get', 'nodes'])).stdout, /node03\s+Ready,SchedulingDisabled/);
    const vmis = await kubectl(['get', 'vmis', '-A']);
    assert.equal(vmis.code, 0, vmis.stderr);
    assert.match(vmis.stdout, /NAMESPACE\s+NAME\s+AGE\s+PHASE\s+IP\s+NODENAME\s+READY/);
    assert.match(vmis.stdout, /team-a\s+vm2\s+\S+\s+Running\s+\S+\s+node02\s+True/);
    const yaml = await kubectl(['get', 'vmis', '-A', '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /kind: List/);
    assert.match(yaml.stdout, /kind: VirtualMachineInstance\n/);
    assert.match(yaml.stdout, /nodeName: node03/);
    assert.match(yaml.stdout, /type: LiveMigratable/);
    const json = JSON.parse((await kubectl(['get', 'vmi', 'vm1', '-o', 'json'])).stdout);
    assert.equal(json.status.nodeName, 'node01');
  });

  it('creates a migration from a file and watches it to Succeeded with get -w', async () => {
    const file = join(dir, 'vmim.yaml');
    writeFileSync(file, 'apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata:\n  generateName: kubevirt-migrate-vm-\n  namespace: default\nspec:\n  vmiName: vm1\n');
    const watcher = spawn(kubectlBin, ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), 'get', 'vmim', '-A', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    watcher.stdout.on('data', (d) => { out += d; });
    watcher.stderr.on('data', (d) => { err += d; });
    try {
      await waitFor(() => server.openWatchCount() >= 1, 'kubectl to start watching', 20_000);
      const created = await kubectl(['create', '-f', file]);
      assert.equal(created.code, 0, created.stderr);
      const name = /virtualmachineinstancemigration\.kubevirt\.io\/(kubevirt-migrate-vm-\w+) created/.exec(created.stdout)?.[1];
      assert.ok(name, created.stdout);
      await waitFor(() => /Succeeded/.test(out), `kubectl -w to print Succeeded (stderr: ${err})`, 20_000);
      const phases = out.split('\n').filter((l) => l.includes(name!)).map((l) => l.trim().split(/\s+/)[2]).filter((p) => p && p !== 'vm1');
      const distinct = phases.filter((p, i) => p !== phases[i - 1]);
      assert.deepEqual(distinct, ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded']);
      assert.match(out.split('\n')[0], /NAMESPACE\s+NAME\s+PHASE\s+VMI\s+AGE/);
      const list = await kubectl(['get', 'vmim', '-A']);
      assert.match(list.stdout, new RegExp(`default\\s+${name}\\s+Succeeded\\s+vm1`));
    } finally {
      watcher.kill();
    }
  });

  it('cancels a running migration with kubectl delete, waiting for the finalizer', async () => {
    server.setTiming({ phaseMs: { Running: 60_000 } });
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.phase === 'Running', 'Running');
    const del = await kubectl(['delete', 'vmim', m.metadata.name!, '-n', 'default']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, new RegExp(`virtualmachineinstancemigration.kubevirt.io "${m.metadata.name}" deleted`));
    const truth = server.objects.migration({ uid: m.metadata.uid })!;
    assert.ok(truth.deletedAtMs, 'kubectl delete returned after the object was gone');
    assert.equal(truth.abortStatus, 'Succeeded');
  });

  it('shows admission and RBAC refusals as kubectl errors', async () => {
    server.setVmiLiveMigratable('default', 'vm1', false);
    const manifest = 'apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata:\n  name: by-hand\nspec:\n  vmiName: vm1\n';
    const refused = await kubectl(['create', '-f', '-'], manifest);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /admission webhook "migration-create-validator.kubevirt.io" denied the request: Cannot migrate VMI, Reason: DisksNotLiveMigratable/);
    const viewer = await kubectl(['--context', 'viewer', 'create', '-f', '-'], manifest.replace('vm1', 'bare'));
    assert.notEqual(viewer.code, 0);
    assert.match(viewer.stderr, /Error from server \(Forbidden\).*User "viewer" cannot create resource "virtualmachineinstancemigrations" in API group "kubevirt.io" in the namespace "default"/);
    const missing = await kubectl(['get', 'vmim', 'nope']);
    assert.match(missing.stderr, /Error from server \(NotFound\): virtualmachineinstancemigrations.kubevirt.io "nope" not found/);
  });
});
