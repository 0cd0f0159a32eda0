// The tree's natural order answers some comparisons without the ICU collator (a name that is the
// same text, then a number); those answers must be the collator's own, for every shape of name.

import * as assert from 'node:assert/strict';
import type { ClusterNode } from '../../../src/model/cluster';
import { compareNodes } from '../../../src/ui/clusters/core/cluster-listing';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const node = (name: string): ClusterNode => ({ id: 'same', name, status: 'ready', schedulable: true }) as ClusterNode;

describe('Clusters tree: natural order', () => {
  it('orders names as the numeric collator does, with and without the shortcut', () => {
    const pieces = ['', 'vm-', 'VM-', 'a', 'é', '-', '_', '0', '007', '1', '9', '10', '19', '100', '1000', '12345678901234567890', '1a', ' '];
    const names = new Set<string>();
    for (const a of pieces) for (const b of pieces) for (const c of ['', '2', '10', 'z']) names.add(a + b + c);
    const list = [...names];
    let checked = 0;
    for (const a of list) {
      for (const b of list) {
        const want = Math.sign(collator.compare(a, b));
        // compareNodes breaks a tie on the id, which is the same here.
        assert.equal(Math.sign(compareNodes(node(a), node(b))), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        checked++;
      }
    }
    assert.ok(checked > 500_000);
  });
});
