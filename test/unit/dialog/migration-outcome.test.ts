import { strict as assert } from 'node:assert';
import { outcomeSentence, reasonRepeatsCancel } from '../../../src/protocol/migration-outcome';

const base = { vmName: 'vm-003', from: 'node02', to: 'node03' } as const;

describe('dialog: the outcome sentence', () => {
  it('puts no space before the full stop when the cluster\'s reason ends in one (KubeVirt\'s "Live migration aborted ")', () => {
    const text = outcomeSentence({ ...base, state: 'failed', mode: 'live', failureReason: 'Live migration aborted ' });
    assert.equal(text, 'Failed: Live migration aborted.');
    const cancelled = outcomeSentence({ ...base, state: 'cancelled', mode: 'live', failureReason: 'target pod evicted ' });
    assert.equal(cancelled, 'Cancelled: target pod evicted. vm-003 stays on node02.');
    assert.doesNotMatch(cancelled!, / \./);
  });

  it('says "Cancelled." once when the reason only repeats that it was cancelled', () => {
    assert.equal(outcomeSentence({ ...base, state: 'cancelled', mode: 'live', failureReason: 'cancelled by request' }), 'Cancelled. vm-003 stays on node02.');
    assert.equal(outcomeSentence({ ...base, state: 'cancelled', mode: 'live', failureReason: 'Live migration aborted ' }), 'Cancelled. vm-003 stays on node02.');
    assert.equal(outcomeSentence({ ...base, state: 'cancelled', mode: 'live' }), 'Cancelled. vm-003 stays on node02.');
    assert.equal(reasonRepeatsCancel('the target node went away'), false);
  });

  it('does not say a stopped VM "runs" after a cold move', () => {
    assert.equal(outcomeSentence({ vmName: 'vm-4', from: 'node-1', to: 'node-2', state: 'succeeded', mode: 'cold', vmState: 'stopped' }), 'vm-4 is now on node-2, stopped.');
    assert.equal(outcomeSentence({ vmName: 'vm-3', from: 'node-1', to: 'node-2', state: 'succeeded', mode: 'cold', vmState: 'running' }), 'vm-3 now runs on node-2.');
    assert.equal(outcomeSentence({ vmName: 'vm-3', from: 'node-1', to: 'node-2', state: 'succeeded', mode: 'live', vmState: 'running' }), 'vm-3 now runs on node-2.');
    assert.equal(outcomeSentence({ vmName: 'vm-3', from: 'node-1', to: 'node-2', state: 'succeeded', mode: 'cold' }), 'vm-3 is now on node-2.');
  });

  it('says nothing while the migration runs, and names a missing reason', () => {
    assert.equal(outcomeSentence({ ...base, state: 'running', mode: 'live' }), undefined);
    assert.equal(outcomeSentence({ ...base, state: 'failed', mode: 'live' }), 'Failed: the cluster gave no reason.');
  });
});
