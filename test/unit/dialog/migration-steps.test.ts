import { strict as assert } from 'node:assert';
import { buildSteps } from '../../../src/protocol/migration-steps';
import { BLIXARD_TRAITS } from '../../../src/sources/blixard/blixard-kind';
import { KUBEVIRT_TRAITS } from '../../../src/sources/kubevirt/kubevirt-kind';

const t0 = 1_700_000_000_000;
const at = (phase: string, s: number) => ({ phase, at: t0 + s * 1000 });
const summary = (steps: ReturnType<typeof buildSteps>) => steps.map((s) => `${s.phase}:${s.status}${s.at !== undefined ? `@${(s.at - t0) / 1000}` : ''}`);

describe('dialog: migration stepper', () => {
  it('shows a running KubeVirt migration with a time on each phase reached', () => {
    const steps = buildSteps(KUBEVIRT_TRAITS, { phase: 'PreparingTarget', state: 'running' }, [at('Pending', 0), at('Scheduling', 1), at('Scheduled', 3), at('PreparingTarget', 4)]);
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
    // The source's phase words (sources/blixard/migration-mapping.ts), as the watcher passes them on.
    const steps = buildSteps(BLIXARD_TRAITS, { phase: 'Completed', state: 'succeeded' }, [at('Preparing', 0), at('Switching', 2), at('Completed', 3)]);
    assert.deepEqual(summary(steps), ['Preparing:done@0', 'Transferring:skipped', 'Switching:done@2', 'Completed:done@3']);
  });

  it('ends a failed migration with Failed and leaves later phases pending', () => {
    const steps = buildSteps(KUBEVIRT_TRAITS, { phase: 'Failed', state: 'failed' }, [at('Pending', 0), at('Scheduling', 1), at('Failed', 5)]);
    assert.deepEqual(summary(steps), ['Pending:done@0', 'Scheduling:done@1', 'Scheduled:pending', 'PreparingTarget:pending', 'TargetReady:pending', 'Running:pending', 'Failed:failed@5']);
  });

  it('ends a cancelled migration with Cancelled, timed by the abort (KubeVirt reports it as Failed)', () => {
    const steps = buildSteps(KUBEVIRT_TRAITS, { phase: 'Failed', state: 'cancelled' }, [at('Pending', 0), at('Running', 2), at('Failed', 4)]);
    assert.equal(steps.at(-1)?.phase, 'Cancelled');
    assert.equal(steps.at(-1)?.status, 'cancelled');
    assert.equal(steps.at(-1)?.at, t0 + 4000);
  });

  it('before the first observation, every step is pending', () => {
    assert.ok(buildSteps(BLIXARD_TRAITS, { phase: '', state: 'pending' }, []).every((s) => s.status === 'pending'));
  });
});
