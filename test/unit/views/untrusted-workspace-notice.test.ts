// The Clusters tree's Restricted Mode line: an info row at the top that opens Manage Workspace
// Trust, gone as soon as trust is granted even when the clusters themselves do not change.

import * as assert from 'node:assert/strict';
import { UNTRUSTED_WORKSPACE_NOTICE } from '../../../src/model/settings';
import { ClusterRegistry } from '../../../src/sources/cluster-registry';
import type { SettingsProblem, SourceSettings } from '../../../src/sources/source-settings';
import { ClusterTreeStructure, type TreeRedraw } from '../../../src/ui/clusters/core/cluster-tree-structure';
import { MemoryClusterSource } from './support/memory-cluster-source';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const settings: SourceSettings = { blixardClusters: [{ name: 'mine', endpoints: ['127.0.0.1:1'] }], kubeconfigFiles: [], kubeContexts: [] };
const notice: SettingsProblem = { setting: 'security.workspace.trust', message: UNTRUSTED_WORKSPACE_NOTICE, notice: 'untrusted-workspace' };

describe('Clusters tree: Restricted Mode notice', () => {
  let structure: ClusterTreeStructure | undefined;
  afterEach(() => structure?.dispose());

  it('is an info row that manages trust, above the clusters, and leaves with a root redraw when trust is granted', async () => {
    const registry = new ClusterRegistry({ logger }, () => MemoryClusterSource.seeded('mine', 1, 1));
    await registry.applySettings(settings, [notice]);
    const redraws: TreeRedraw[] = [];
    structure = new ClusterTreeStructure(registry, (what) => redraws.push(what), { flushDelayMs: 5 });

    const before = await structure.getChildren(undefined);
    assert.deepEqual(
      before.map((e) => (e.type === 'message' ? { type: e.type, severity: e.severity, text: e.text, action: e.action } : { type: e.type })),
      [{ type: 'message', severity: 'info', text: UNTRUSTED_WORKSPACE_NOTICE, action: 'trust' }, { type: 'cluster' }],
    );

    // Trust granted, the same clusters: only the notice goes, and the root must be told to redraw.
    redraws.length = 0;
    await registry.applySettings(settings, []);
    const deadline = Date.now() + 2000;
    while (!redraws.some((r) => r === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(redraws.some((r) => r === undefined), 'the root was redrawn');
    const after = await structure.getChildren(undefined);
    assert.deepEqual(after.map((e) => e.type), ['cluster']);
  });
});
