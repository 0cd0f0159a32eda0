// The placement hints as people type them into VM metadata: each key read, and every malformed
// value turned into a problem (never an exception, never a guessed value).

import * as assert from 'node:assert/strict';
import { PLACEMENT_KEYS, placementHintsFrom } from '../../../src/model/placement-hints';

describe('placementHintsFrom', () => {
  it('reads nothing from metadata without the keys', () => {
    assert.deepEqual(placementHintsFrom({ app: 'web' }), { hints: {}, problems: [] });
  });

  it('reads priority, after, before and pinned', () => {
    const { hints, problems } = placementHintsFrom({
      [PLACEMENT_KEYS.priority]: ' 10 ',
      [PLACEMENT_KEYS.after]: 'db-1, default/db-2,,db-1',
      [PLACEMENT_KEYS.before]: 'web-1',
      [PLACEMENT_KEYS.pinned]: 'true',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(hints, { priority: 10, after: ['db-1', 'default/db-2'], before: ['web-1'], pinned: 'pinned' });
  });

  it('takes a pinned reason as text, flattened and bounded', () => {
    assert.equal(placementHintsFrom({ [PLACEMENT_KEYS.pinned]: 'licence\nbound to host' }).hints.pinned, 'licence bound to host');
    const long = placementHintsFrom({ [PLACEMENT_KEYS.pinned]: 'x'.repeat(500) }, { maxReasonLength: 20 });
    assert.equal(long.hints.pinned, 'x'.repeat(20));
    assert.equal(long.problems.length, 1);
    assert.deepEqual(placementHintsFrom({ [PLACEMENT_KEYS.pinned]: 'false' }), { hints: {}, problems: [] });
  });

  it('turns a malformed priority into a problem', () => {
    for (const bad of ['high', '1.5', '', '99999999', '0x10']) {
      const { hints, problems } = placementHintsFrom({ [PLACEMENT_KEYS.priority]: bad });
      assert.equal(hints.priority, undefined, bad);
      assert.equal(problems.length, 1, bad);
      assert.match(problems[0], /migration-priority/);
    }
    assert.equal(placementHintsFrom({ [PLACEMENT_KEYS.priority]: '-3' }).hints.priority, -3);
  });

  it('keeps the good ids of a list and names the bad ones', () => {
    const { hints, problems } = placementHintsFrom({ [PLACEMENT_KEYS.after]: 'db-1, bad id, a/b/c, ok.2' });
    assert.deepEqual(hints.after, ['db-1', 'ok.2']);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /"bad id" is not a VM id/);
  });

  it('bounds a list', () => {
    const many = Array.from({ length: 10 }, (_, i) => `vm-${i}`).join(',');
    const { hints, problems } = placementHintsFrom({ [PLACEMENT_KEYS.before]: many }, { maxIds: 3 });
    assert.deepEqual(hints.before, ['vm-0', 'vm-1', 'vm-2']);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /more than 3/);
  });

  it('never throws on hostile input', () => {
    const hostile = { [PLACEMENT_KEYS.priority]: '\u0000'.repeat(10_000), [PLACEMENT_KEYS.after]: ','.repeat(100_000), [PLACEMENT_KEYS.pinned]: '\u202e' };
    const { problems } = placementHintsFrom(hostile);
    assert.ok(problems.length >= 1);
    assert.ok(problems.every((p) => p.length < 300));
  });
});
