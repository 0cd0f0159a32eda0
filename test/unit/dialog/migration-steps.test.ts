import { strict as assert } from 'node:assert';
import { buildSteps, normalisePhase } from '../../../src/protocol/migration-steps';

const t0 = 1_700_000_000_000;
const at = (phase: string, s: number) => ({ phase, at: t0 + s * 1000 });
const summary = (steps: ReturnType<typeof buildSteps>) => steps.map((s) => `${s.phase}:${s.status}${s.at !== undefined ? `@${(s.at - t0) / 1000}` : ''}`);

describe('dialog: migration stepper', () => {
  it('reads Blixard wire phase names', () => {
    assert.equal(normalisePhase('blixard', 'MIGRATION_STATUS_TRANSFERRING'), 'Transferring');
    assert.equal(normalisePhase('blixard', 'Switching'), 'Switching');
    assert.equal(normalisePhase('kubevirt', 'PreparingTarget'), 'PreparingTarget');
  });

  it('shows a running KubeVirt migration with a time on each phase reached', () => {
    const steps = buildSteps('kubevirt', { phase: 'PreparingTarget', state: 'running' }, [at('Pending', 0), at('Scheduling', 1), at('Scheduled', 3), at('PreparingTarget', 4)]);
    assert.deepEqual(summary(steps), [
      'Pending:done@0',
      'Scheduling:done@1',
      'Scheduled:done@3',
      'PreparingTarget:current@4',
      'TargetReady:pending',
      'Running:pending',
      'Succeeded:pending',
    ]);
  });

  it('completes a Blixard migration, marking a phase it never reported as skipped', () => {
    const steps = buildSteps('blixard', { phase: 'MIGRATION_STATUS_COMPLETED', state: 'succeeded' }, [
      at('MIGRATION_STATUS_PREPARING', 0),
      at('MIGRATION_STATUS_SWITCHING', 2),
      at('MIGRATION_STATUS_COMPLETED', 3),
    ]);
    assert.deepEqual(summary(steps), ['Preparing:done@0', 'Transferring:skipped', 'Switching:done@2', 'Completed:done@3']);
  });

  it('ends a failed migration with Failed and leaves later phases pending', () => {
    const steps = buildSteps('kubevirt', { phase: 'Failed', state: 'failed' }, [at('Pending', 0), at('Scheduling', 1), at('Failed', 5)]);
    assert.deepEqual(summary(steps), ['Pending:done@0', 'Scheduling:done@1', 'Scheduled:pending', 'PreparingTarget:pending', 'TargetReady:pending', 'Running:pending', 'Failed:failed@5']);
  });

  it('ends a cancelled migration with Cancelled, timed by the abort (KubeVirt reports it as Failed)', () => {
    const steps = buildSteps('kubevirt', { phase: 'Failed', state: 'cancelled' }, [at('Pending', 0), at('Running', 2), at('Failed', 4)]);
    assert.equal(steps.at(-1)?.phase, 'Cancelled');
    assert.equal(steps.at(-1)?.status, 'cancelled');
    assert.equal(steps.at(-1)?.at, t0 + 4000);
  });

  it('before the first observation, every step is pending', () => {
    assert.ok(buildSteps('blixard', { phase: '', state: 'pending' }, []).every((s) => s.status === 'pending'));
  });
});
