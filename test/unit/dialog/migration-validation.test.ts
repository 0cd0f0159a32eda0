import { strict as assert } from 'node:assert';
import { capacityShortfall, hasErrors, liveChoice, liveToggleLockReason, nodeUnsuitability, validateMigration, type ValidationContext } from '../../../src/protocol/migration-validation';
import type { NodeView, VmView } from '../../../src/protocol/migration-dialog';
import { BLIXARD_TRAITS } from '../../../src/sources/blixard/blixard-kind';
import { KUBEVIRT_TRAITS } from '../../../src/sources/kubevirt/kubevirt-kind';

const node = (id: string, patch: Partial<NodeView> = {}): NodeView => ({
  id,
  name: `node-${id}`,
  status: 'follower',
  schedulable: true,
  capacityVcpus: 8,
  capacityMemoryMb: 16384,
  freeVcpus: 6,
  freeMemoryMb: 12288,
  ...patch,
});
const runningVm: VmView = { id: 'web-1', name: 'web-1', nodeId: '1', state: 'running', phase: 'VM_STATE_RUNNING', vcpus: 2, memoryMb: 4096 };
const stoppedVm: VmView = { ...runningVm, state: 'stopped', phase: 'VM_STATE_STOPPED' };
const blixard = (vm: VmView = runningVm, extra: Partial<ValidationContext> = {}): ValidationContext => ({
  traits: BLIXARD_TRAITS,
  vm,
  nodes: [node('1', { status: 'leader' }), node('2'), node('3', { freeVcpus: 1, freeMemoryMb: 1024 })],
  ...extra,
});
const messages = (ctx: ValidationContext, choice: Parameters<typeof validateMigration>[1]) => validateMigration(ctx, choice).map((i) => i.message);

describe('dialog: migration validation (the Blixard TUI rules)', () => {
  it('accepts a running VM moving live to another node with room', () => {
    const issues = validateMigration(blixard(), { targetNodeId: '2', live: true, force: false });
    assert.deepEqual(issues, []);
  });

  it('rejects the source node with the TUI message', () => {
    assert.deepEqual(messages(blixard(), { targetNodeId: '1', live: true, force: false }), ['Target node must be different from source node']);
  });

  it('rejects an unknown node id with the TUI message naming it', () => {
    assert.deepEqual(messages(blixard(), { targetNodeId: '9', live: true, force: false }), ['Node 9 not found in cluster']);
  });

  it('rejects a live migration of a VM that is not running', () => {
    const issues = validateMigration(blixard(stoppedVm), { targetNodeId: '2', live: true, force: false });
    assert.deepEqual(issues.map((i) => [i.field, i.message]), [['live', 'VM must be running for live migration']]);
  });

  it('accepts a cold migration of a stopped VM', () => {
    assert.deepEqual(validateMigration(blixard(stoppedVm), { targetNodeId: '2', live: false, force: false }), []);
  });

  it('rejects a node without enough free capacity unless forced, and then warns', () => {
    const unforced = validateMigration(blixard(), { targetNodeId: '3', live: true, force: false });
    assert.equal(unforced.length, 1);
    assert.equal(unforced[0].code, 'insufficient-capacity');
    assert.equal(unforced[0].severity, 'error');
    assert.match(unforced[0].message, /Insufficient capacity on node-3: 2 vCPU needed, 1 free; 4096 MB memory needed, 1024 MB free/);
    assert.match(unforced[0].message, /Force overrides/);

    const forced = validateMigration(blixard(), { targetNodeId: '3', live: true, force: true });
    assert.equal(hasErrors(forced), false);
    assert.deepEqual(forced.map((i) => [i.field, i.severity, i.code]), [['force', 'warning', 'capacity-overridden']]);
  });

  it('names a migration already in flight for the VM', () => {
    const ctx = blixard(runningVm, { inFlight: { id: 'dev/abc', name: 'abc', phase: 'Transferring' } });
    const issues = validateMigration(ctx, { targetNodeId: '2', live: true, force: false });
    assert.deepEqual(issues.map((i) => i.message), ['A migration of this VM is already in flight: abc (Transferring)']);
  });

  it('asks for a target on Blixard, where the cluster does not choose one', () => {
    assert.deepEqual(validateMigration(blixard(), { targetNodeId: null, live: true, force: false }).map((i) => i.code), ['target-required']);
  });

  it('rejects nodes that are not ready or cordoned', () => {
    const ctx: ValidationContext = { ...blixard(), nodes: [node('1'), node('2', { status: 'not-ready' }), node('3', { schedulable: false })] };
    assert.deepEqual(messages(ctx, { targetNodeId: '2', live: true, force: false }), ['Node node-2 is not ready']);
    assert.deepEqual(messages(ctx, { targetNodeId: '3', live: true, force: true }), ['Node node-3 is unschedulable (cordoned)']);
  });

  it('reports a VM that is gone and nothing else', () => {
    assert.deepEqual(validateMigration({ ...blixard(), vm: undefined }, { targetNodeId: '2', live: true, force: false }).map((i) => i.code), ['vm-missing']);
  });

  describe('KubeVirt', () => {
    const vmi: VmView = { id: 'prod/web', name: 'web', namespace: 'prod', nodeId: 'worker-a', state: 'running', phase: 'Running', vcpus: 1, memoryMb: 1024 };
    const kube = (vm: VmView = vmi): ValidationContext => ({ traits: KUBEVIRT_TRAITS, vm, nodes: [node('worker-a', { name: 'worker-a', status: 'ready' }), node('worker-b', { name: 'worker-b', status: 'ready' })] });

    it('lets the scheduler choose ("Any node")', () => {
      assert.deepEqual(validateMigration(kube(), { targetNodeId: null, live: true, force: false }), []);
    });

    it('is always live and has no Force', () => {
      assert.deepEqual(messages(kube(), { targetNodeId: 'worker-b', live: false, force: true }), ['KubeVirt migrations are always live', 'Force is not available on KubeVirt clusters']);
    });

    it('explains LiveMigratable=False with its reason and message', () => {
      const stuck = { ...vmi, liveMigratable: { ok: false, reason: 'DisksNotLiveMigratable', message: 'PVC rootdisk is not shared' } };
      assert.deepEqual(messages(kube(stuck), { targetNodeId: 'worker-b', live: true, force: false }), ['VM is not live-migratable: DisksNotLiveMigratable — PVC rootdisk is not shared']);
    });

    it('needs a running VMI', () => {
      assert.deepEqual(messages(kube({ ...vmi, state: 'pending', phase: 'Scheduling' }), { targetNodeId: null, live: true, force: false }), ['VM must be running for live migration']);
    });

    it('does not let Force waive capacity', () => {
      const ctx: ValidationContext = { ...kube(), nodes: [node('worker-a'), node('worker-b', { name: 'worker-b', freeMemoryMb: 10 })] };
      assert.equal(nodeUnsuitability(ctx, ctx.nodes[1], true), 'not enough free capacity');
      assert.equal(liveToggleLockReason(KUBEVIRT_TRAITS, vmi), 'KubeVirt migrations are always live');
    });
  });

  it('marks why a node cannot take the VM', () => {
    const ctx = blixard();
    assert.equal(nodeUnsuitability(ctx, ctx.nodes[0]), 'current node');
    assert.equal(nodeUnsuitability(ctx, ctx.nodes[1]), undefined);
    assert.equal(nodeUnsuitability(ctx, ctx.nodes[2]), 'not enough free capacity');
    assert.equal(nodeUnsuitability(ctx, ctx.nodes[2], true), undefined);
    assert.equal(capacityShortfall(runningVm, node('x', { freeVcpus: undefined, freeMemoryMb: undefined })), undefined, 'unknown capacity is not a shortfall');
  });

  it('locks the live toggle with the seed\'s own words when the VM is not running', () => {
    assert.equal(liveToggleLockReason(BLIXARD_TRAITS, runningVm), undefined);
    assert.equal(liveToggleLockReason(BLIXARD_TRAITS, stoppedVm), 'VM must be running for live migration');
  });

  it('never lets a locked live toggle hold a value that blocks the form: a VM that stops moves it to cold', () => {
    // The user ticked Live on a running VM; then the VM stopped. The toggle is locked, so its
    // value is the lock's (cold), and the form stays submittable.
    assert.equal(liveChoice(BLIXARD_TRAITS, runningVm, true), true);
    assert.equal(liveChoice(BLIXARD_TRAITS, stoppedVm, true), false);
    assert.equal(hasErrors(validateMigration(blixard(stoppedVm), { targetNodeId: '2', live: liveChoice(BLIXARD_TRAITS, stoppedVm, true), force: false })), false);
    // Running again: the user's own choice comes back, and live is the default when none was made.
    assert.equal(liveChoice(BLIXARD_TRAITS, runningVm, false), false);
    assert.equal(liveChoice(BLIXARD_TRAITS, runningVm, undefined), true);
    assert.equal(liveChoice(KUBEVIRT_TRAITS, runningVm, false), true, 'KubeVirt is always live');
  });
});
