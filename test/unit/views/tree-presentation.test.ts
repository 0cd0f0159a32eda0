import * as assert from 'node:assert/strict';
import type { ClusterNode, Vm } from '../../../src/model/cluster';
import { clusterLook, formatMemory, formatResources, maintenanceText, nodeLook, nodeTooltip, placementText, vmContextValue, vmLook, vmTooltip } from '../../../src/ui/clusters/core/tree-presentation';
import { formatClockTime } from '../../../src/model/vocabulary';
import { BLIXARD_TRAITS } from '../../../src/sources/blixard/blixard-kind';
import { hasControlCharacters } from '../../../src/base/text';
import { KUBEVIRT_TRAITS } from '../../../src/sources/kubevirt/kubevirt-kind';

const vm = (patch: Partial<Vm> = {}): Vm => ({ id: 'web-1', name: 'web-1', nodeId: '1', state: 'running', phase: 'VM_STATE_RUNNING', vcpus: 2, memoryMb: 2048, ipAddress: '10.0.0.5', ...patch });
const node = (patch: Partial<ClusterNode> = {}): ClusterNode => ({ id: '1', name: 'node-1', status: 'follower', schedulable: true, ...patch });

describe('tree presentation', () => {
  it('formats node capacity as used/total vCPU and GiB', () => {
    assert.equal(formatResources({ vcpus: 6, memoryMb: 12 * 1024 }, { vcpus: 16, memoryMb: 32 * 1024 }), '6/16 vCPU · 12/32 GiB');
    assert.equal(formatResources({ vcpus: 1, memoryMb: 1536 }, { vcpus: 4, memoryMb: 8192 }), '1/4 vCPU · 1.5/8 GiB');
    assert.equal(formatResources(undefined, { vcpus: 4, memoryMb: 8192 }), '4 vCPU · 8 GiB');
    assert.equal(formatResources(undefined, undefined), undefined);
    assert.equal(formatMemory(512), '512 MiB');
  });

  it('marks the leader, NotReady and cordoned nodes', () => {
    assert.equal(nodeLook(node({ status: 'leader', capacity: { vcpus: 16, memoryMb: 32768 }, used: { vcpus: 6, memoryMb: 12288 } })).description, '★ leader · 6/16 vCPU · 12/32 GiB');
    const notReady = nodeLook(node({ status: 'not-ready' }));
    assert.equal(notReady.description, 'NotReady');
    assert.equal(notReady.color, 'errorForeground');
    const cordoned = nodeLook(node({ status: 'ready', schedulable: false }));
    assert.equal(cordoned.description, 'Ready · unschedulable');
    assert.equal(cordoned.color, 'list.warningForeground');
    assert.equal(nodeLook(node()).contextValue, 'node');
  });

  it("shows a node in maintenance in its kind's words, since when, and keys the menus on whether it can change", () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const since = '2026-12-04T10:02:15Z';
    const inMaintenance = node({ schedulable: false, maintenance: { since, reason: 'kernel patch' }, capacity: { vcpus: 16, memoryMb: 32768 }, used: { vcpus: 2, memoryMb: 2048 } });
    const look = nodeLook(inMaintenance, BLIXARD_TRAITS, now);
    assert.equal(look.description, `maintenance · since ${formatClockTime(Date.parse(since))} · 2/16 vCPU · 2/32 GiB`);
    assert.equal(look.icon, 'tools');
    assert.equal(look.color, 'list.warningForeground');
    assert.equal(look.contextValue, 'node.maintenance');
    assert.equal(nodeLook(node(), BLIXARD_TRAITS).contextValue, 'node.schedulable');
    assert.equal(nodeLook(node(), BLIXARD_TRAITS).icon, 'server');
    // A cordoned Kubernetes node: the fact only, no time.
    const cordoned = nodeLook(node({ status: 'ready', schedulable: false }), KUBEVIRT_TRAITS);
    assert.equal(cordoned.description, 'Ready · cordoned');
    assert.equal(cordoned.contextValue, 'node.maintenance');
    // Not today: the date too.
    assert.equal(maintenanceText(inMaintenance, BLIXARD_TRAITS, Date.parse('2026-12-06T12:00:00Z')), `maintenance · since ${formatClockTime(Date.parse(since), true)}`);
    assert.equal(maintenanceText(node(), BLIXARD_TRAITS), undefined);
  });

  it("shows a VM's plan hints and why it may not move cold in its tooltip", () => {
    const tip = vmTooltip(KUBEVIRT_TRAITS, vm({ placement: { priority: 5, after: ['default/web'], pinned: 'licence' }, coldMove: { ok: false, reason: 'evictionStrategy LiveMigrate' } }), 'node01');
    assert.ok(tip.includes('| Plan hints | priority 5 · after default/web · pinned: licence |'), tip);
    assert.ok(tip.includes('| Cold move | not allowed — evictionStrategy LiveMigrate |'), tip);
    const plain = vmTooltip(BLIXARD_TRAITS, vm({ coldMove: { ok: true } }), 'node-1');
    assert.doesNotMatch(plain, /Plan hints|Cold move/);
    assert.equal(placementText({ pinned: 'pinned' }), 'pinned');
    assert.equal(placementText({}), undefined);
  });

  it("says in a node's tooltip whether it takes new VMs, since when and why, its reason flattened and escaped", () => {
    const tip = nodeTooltip(node({ schedulable: false, address: '10.0.0.2:7001', runningVms: 3, maintenance: { since: new Date().toISOString(), reason: 'patch *now*\nplease' } }), BLIXARD_TRAITS);
    assert.ok(tip.includes('| New VMs | not accepted \\(maintenance\\) |'), tip);
    assert.match(tip, /\| Since \| \d\d:\d\d:\d\d \|/);
    assert.match(tip, /\| Reason \| patch \\\*now\\\* please \|/);
    assert.match(tip, /\| Running VMs \| 3 \|/);
    assert.ok(!hasControlCharacters(tip.replace(/\n/g, '')));
    assert.match(nodeTooltip(node(), KUBEVIRT_TRAITS), /\| New VMs \| accepted \|/);
    assert.ok(nodeTooltip(node({ schedulable: false }), KUBEVIRT_TRAITS).includes('not accepted \\(cordoned\\)'));
  });

  it('gives each VM state the context value the menus key on', () => {
    assert.equal(vmContextValue(vm()), 'vm.running');
    assert.equal(vmContextValue(vm({ state: 'stopped' })), 'vm.stopped');
    assert.equal(vmContextValue(vm({ state: 'failed' })), 'vm.stopped');
    assert.equal(vmContextValue(vm({ state: 'starting' })), 'vm.busy');
    // A kind with consoles marks the rows the console command is on: running and migrating VMs.
    assert.equal(vmContextValue(vm(), true), 'vm.running.console');
    assert.equal(vmContextValue(vm({ migration: { id: 'm1', name: 'm1', targetNodeId: '2', phase: 'Transferring' } }), true), 'vm.migrating.console');
    assert.equal(vmContextValue(vm({ state: 'stopped' }), true), 'vm.stopped');
    assert.equal(vmContextValue(vm({ migration: { id: 'm1', name: 'm1', targetNodeId: '2', phase: 'Transferring' } })), 'vm.migrating');
  });

  it('shows a migrating VM with its target and a spinning icon', () => {
    const look = vmLook(vm({ migration: { id: 'm1', name: 'm1', targetNodeId: '2', phase: 'Transferring' } }), 'node-2');
    assert.equal(look.description, '→ node-2 · Transferring');
    assert.equal(look.icon, 'sync~spin');
    assert.equal(look.contextValue, 'vm.migrating');
  });

  it('shows a KubeVirt VMI with its state, namespace and why it cannot migrate live', () => {
    const look = vmLook(vm({ phase: 'Running', namespace: 'prod', liveMigratable: { ok: false, reason: 'DisksNotLiveMigratable' } }));
    assert.equal(look.description, 'running · prod · not live-migratable: DisksNotLiveMigratable');
    assert.equal(look.icon, 'vm-running');
  });

  it('says a VM state in the same words on every kind, with the finer word where it says more', () => {
    assert.equal(vmLook(vm({ state: 'running', phase: 'VM_STATE_RUNNING' })).description, 'running');
    assert.equal(vmLook(vm({ state: 'running', phase: 'Running' })).description, 'running');
    assert.equal(vmLook(vm({ state: 'pending', phase: 'Scheduling' })).description, 'pending (Scheduling)');
    assert.match(vmTooltip(KUBEVIRT_TRAITS, vm({ state: 'running', phase: 'Running' }), 'n1'), /State \| running \|/);
    assert.match(vmTooltip(BLIXARD_TRAITS, vm({ state: 'running', phase: 'VM_STATE_RUNNING' }), 'n1'), /State \| running \|/);
  });

  it("says why a VM failed: the reason's first line, shortened, in the row and all of it in the tooltip", () => {
    const died = vm({ state: 'failed', phase: 'VM_STATE_FAILED', stateMessage: "VM 'web-1' died: QEMU was killed by SIGKILL" });
    const look = vmLook(died);
    assert.equal(look.description, "failed · VM 'web-1' died: QEMU was killed by SIGKILL");
    assert.equal(look.icon, 'error');
    assert.match(vmTooltip(BLIXARD_TRAITS, died, 'node-1'), /\| Reason \| VM 'web\\-1' died: QEMU was killed by SIGKILL \|/);

    const long = `qemu-system-x86_64: -kernel /var/lib/guests/${'k'.repeat(100)}: could not open`;
    const multiLine = vm({ state: 'failed', phase: 'VM_STATE_FAILED', stateMessage: `${long}\nsecond line from stderr` });
    const row = vmLook(multiLine).description!;
    assert.ok(row.startsWith('failed · qemu-system-x86_64: -kernel /var/lib/guests/kkk'), row);
    assert.ok(row.endsWith('…') && row.length === 'failed · '.length + 80, `one line of at most 80 characters: ${row}`);
    assert.ok(!row.includes('second line'));
    const tip = vmTooltip(BLIXARD_TRAITS, multiLine, 'node-1');
    assert.ok(tip.includes('could not open second line from stderr'), 'the tooltip keeps all of it, on one table row');
    assert.equal(tip.split('\n').filter((l) => l.startsWith('| Reason |')).length, 1);

    // No reason from the cluster (an upstream daemon): the row says the state alone.
    assert.equal(vmLook(vm({ state: 'failed', phase: 'VM_STATE_FAILED' })).description, 'failed');
    assert.ok(!vmTooltip(BLIXARD_TRAITS, vm({ state: 'failed', phase: 'VM_STATE_FAILED' }), 'node-1').includes('Reason'));
    // A migrating VM's row says the migration; its reason stays in the tooltip.
    assert.equal(vmLook(vm({ stateMessage: 'older news', migration: { id: 'm1', name: 'm1', targetNodeId: '2', phase: 'Transferring' } }), 'node-2').description, '→ node-2 · Transferring');
    assert.match(vmTooltip(BLIXARD_TRAITS, vm({ stateMessage: 'older news' }), 'node-1'), /\| Message \| older news \|/, 'not called a reason on a VM that has not failed');
  });

  it("keeps control characters, Markdown and credentials in a VM's reason from reaching the tree", () => {
    const hostile = vm({
      state: 'failed',
      phase: 'VM_STATE_FAILED',
      stateMessage: 'boot failed\u001b[31m red \u202egnp.exe [click](command:workbench.action.terminal.new) $(gear) password=hunter2secret token: abcdefghijkl',
    });
    const row = vmLook(hostile).description!;
    const tip = vmTooltip(BLIXARD_TRAITS, hostile, 'node-1');
    for (const shown of [row, tip]) {
      assert.ok(!hasControlCharacters(shown.replace(/\n/g, '')), `no control character: ${JSON.stringify(shown)}`);
      assert.ok(!shown.includes('hunter2secret') && !shown.includes('abcdefghijkl'), `no credential: ${shown}`);
    }
    assert.ok(row.startsWith('failed · boot failed [31m red  gnp.exe'), row);
    assert.ok(!tip.includes('[click](command:'), 'no link in the tooltip');
    assert.ok(!tip.includes('$(gear)'), 'no icon syntax in the tooltip');
    assert.match(tip, /password=\\\[redacted\\\]/);

    // A credential that straddles the row's cut is scrubbed before the cut, not cut out of its shape.
    // (A JWT cut after its second part no longer has a JWT's shape.)
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const straddling = vmLook(vm({ state: 'failed', phase: 'VM_STATE_FAILED', stateMessage: `${'x'.repeat(50)} ${jwt}` })).description!;
    assert.ok(!straddling.includes('eyJhbGci'), straddling);
    assert.ok(straddling.endsWith('[redacted]'), straddling);
  });

  it('escapes Markdown in tooltips so a VM name cannot inject links or commands', () => {
    const tip = vmTooltip(BLIXARD_TRAITS, vm({ name: '[x](command:evil)' }), 'node-1');
    assert.ok(!tip.includes('[x](command:evil)'));
    assert.match(tip, /vCPU \| 2/);
    assert.match(tip, /Memory \| 2 GiB/);
    assert.match(tip, /IP \| 10\\.0\\.0\\.5/);
  });

  it('shows an unreachable cluster as an error with its reason', () => {
    const look = clusterLook({ label: 'prod', traits: BLIXARD_TRAITS, local: false, state: { state: 'error', reason: 'connect ECONNREFUSED\nmore' }, warnings: [] });
    assert.equal(look.contextValue, 'cluster.error');
    assert.equal(look.icon, 'error');
    assert.equal(look.description, 'unreachable · connect ECONNREFUSED');
    assert.equal(clusterLook({ label: 'dev', traits: BLIXARD_TRAITS, local: true, state: { state: 'idle' }, warnings: [] }).contextValue, 'cluster.blixard.dev');
    const insecure = clusterLook({ label: 'p', traits: BLIXARD_TRAITS, local: false, state: { state: 'ready' }, nodeCount: 3, warnings: ['plaintext'] });
    assert.equal(insecure.description, 'Blixard · 3 nodes · insecure');
  });

  it('says on a context that it reaches the same cluster as another one', () => {
    const viewer = clusterLook({ label: 'kubevirt-dev (read-only viewer)', traits: KUBEVIRT_TRAITS, local: false, state: { state: 'ready' }, nodeCount: 3, warnings: [], sameClusterAs: ['kubevirt-dev'] });
    assert.equal(viewer.description, 'KubeVirt · same cluster as kubevirt-dev · 3 nodes');
    assert.equal(clusterLook({ label: 'kv', traits: KUBEVIRT_TRAITS, local: false, state: { state: 'idle' }, warnings: [], sameClusterAs: [] }).description, 'KubeVirt');
  });
});
