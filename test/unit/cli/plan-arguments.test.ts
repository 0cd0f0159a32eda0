// `plan` and `run-plan` flags: what each gives, and the one-line usage errors.

import * as assert from 'node:assert/strict';
import { parseCliArguments } from '../../../src/cli/cli-arguments';
import { UsageError } from '../../../src/cli/usage-error';

function usageError(argv: string[]): string {
  try {
    parseCliArguments(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.message.includes('\n'), false);
    return err.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('plan and run-plan arguments', () => {
  it('reads each kind of plan with the cluster flags of watch', () => {
    assert.deepEqual(parseCliArguments(['plan', 'evacuate', '--node', '2', '--blixard', 'dev=127.0.0.1:7001', '--out', 'p.blixard-plan.yaml', '--per-source-node', '1']), {
      command: 'plan',
      request: { kind: 'evacuate', nodeId: '2' },
      kubeconfig: [],
      contexts: [],
      blixard: [{ name: 'dev', endpoints: ['127.0.0.1:7001'] }],
      out: 'p.blixard-plan.yaml',
      concurrency: { perSourceNode: 1 },
      window: {},
      stopOnFailure: false,
    });
    const r = parseCliArguments(['plan', 'rebalance', '--threshold', '15%', '--kubeconfig', 'k', '--context', 'c', '--cluster', 'c']);
    assert.ok(r.command === 'plan');
    assert.deepEqual(r.request, { kind: 'rebalance', threshold: 0.15 });
    assert.equal(r.cluster, 'c');
    const t = parseCliArguments(['plan', 'rebalance', '--threshold', '0.2']);
    assert.ok(t.command === 'plan' && t.request.kind === 'rebalance' && t.request.threshold === 0.2);
    const m = parseCliArguments(['plan', 'migrate', '--vm', 'a', '--vm', 'b', '--spread', '--not-before', '2026-12-05T22:00:00Z', '--stop-on-failure']);
    assert.ok(m.command === 'plan');
    assert.deepEqual(m.request, { kind: 'migrate', vmIds: ['a', 'b'], to: 'spread' });
    assert.deepEqual(m.window, { notBefore: '2026-12-05T22:00:00.000Z' });
    assert.equal(m.stopOnFailure, true);
    const to = parseCliArguments(['plan', 'migrate', '--vm', 'a', '--to', '3']);
    assert.ok(to.command === 'plan' && to.request.kind === 'migrate' && typeof to.request.to === 'object' && to.request.to.node === '3');
  });

  it('reads run-plan', () => {
    assert.deepEqual(parseCliArguments(['run-plan', 'p.yaml', '--dry-run', '--db', 'h.db', '--blixard', 'dev=h:1']), {
      command: 'run-plan',
      file: 'p.yaml',
      dryRun: true,
      db: 'h.db',
      kubeconfig: [],
      contexts: [],
      blixard: [{ name: 'dev', endpoints: ['h:1'] }],
    });
    assert.deepEqual(parseCliArguments(['plan', '--help']), { command: 'help' });
    assert.deepEqual(parseCliArguments(['run-plan', '-h']), { command: 'help' });
  });

  it('rejects bad usage in one line', () => {
    assert.match(usageError(['plan']), /plan needs what to plan: evacuate, rebalance or migrate/);
    assert.match(usageError(['plan', 'shuffle']), /not "shuffle"/);
    assert.match(usageError(['plan', 'evacuate']), /needs --node N/);
    assert.match(usageError(['plan', 'evacuate', '--node', '1', '--vm', 'a']), /--vm does not go with plan evacuate/);
    assert.match(usageError(['plan', 'migrate', '--to', '2']), /at least one --vm/);
    assert.match(usageError(['plan', 'migrate', '--vm', 'a']), /one of --to NODE, --spread or --any/);
    assert.match(usageError(['plan', 'migrate', '--vm', 'a', '--to', '2', '--spread']), /one of --to NODE, --spread or --any/);
    assert.match(usageError(['plan', 'rebalance', '--threshold', 'lots']), /--threshold needs a share/);
    assert.match(usageError(['plan', 'rebalance', '--threshold', '150%']), /--threshold needs a share/);
    assert.match(usageError(['plan', 'evacuate', '--node', '1', '--per-cluster', '0']), /--per-cluster needs a whole number from 1 to 1000/);
    assert.match(usageError(['plan', 'evacuate', '--node', '1', '--not-before', 'tonight']), /--not-before needs an ISO-8601 time/);
    assert.match(usageError(['plan', 'evacuate', '--node', '1', '--not-before', '2026-12-06T00:00:00Z', '--not-after', '2026-12-05T00:00:00Z']), /--not-before must come before --not-after/);
    assert.match(usageError(['run-plan']), /run-plan needs the plan FILE/);
    assert.match(usageError(['run-plan', 'a', 'b']), /one plan FILE, not 2/);
    assert.match(usageError(['run-plan', 'a', '--frob']), /unknown option "--frob"/);
  });
});
