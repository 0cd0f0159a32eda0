import * as assert from 'node:assert/strict';
import { ClusterRegistry, type ClusterRegistryChange } from '../../../../src/sources/cluster-registry';
import type { ClusterSource } from '../../../../src/sources/cluster-source';
import type { ClusterSpecBase } from '../../../../src/sources/cluster-spec';
import { localBlixardSpec } from '../../../../src/sources/create-sources';
import type { SourceSettings } from '../../../../src/sources/source-settings';
import type { KubeconfigDocument } from '../../../../src/sources/kubevirt/kubeconfig-summary';
import { MemoryClusterSource } from '../../views/support/memory-cluster-source';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const settings = (...names: string[]): SourceSettings => ({
  blixardClusters: names.map((name) => ({ name, endpoints: [`${name}:7001`] })),
  kubeconfigFiles: [],
  kubeContexts: [],
});

function registry() {
  const built: MemoryClusterSource[] = [];
  const reg = new ClusterRegistry({ logger }, (spec: ClusterSpecBase): ClusterSource => {
    if (spec.label === 'unbuildable') throw new Error('cannot build this one');
    const source = new MemoryClusterSource(spec.id, spec.label);
    built.push(source);
    return source;
  });
  const changes: ClusterRegistryChange[] = [];
  reg.onDidChange((c) => changes.push(c));
  return { reg, built, changes };
}

describe('ClusterRegistry', () => {
  it('builds a source only when asked, and keeps it while its settings do not change', async () => {
    const { reg, built, changes } = registry();
    await reg.applySettings(settings('a', 'b'));
    assert.deepEqual(reg.clusters.map((c) => c.id), ['blixard:a', 'blixard:b']);
    assert.equal(built.length, 0, 'no source built before use');
    const a = reg.get('blixard:a')!.acquire();
    assert.equal(reg.get('blixard:a')!.acquire(), a);
    await reg.applySettings(settings('a', 'b', 'c'));
    assert.equal(reg.get('blixard:a')!.acquire(), a, 'unchanged cluster keeps its source');
    assert.deepEqual(changes.map((c) => [c.added.map((e) => e.id), c.removed.map((e) => e.id)]), [
      [['blixard:a', 'blixard:b'], []],
      [['blixard:c'], []],
    ]);
  });

  it('rebuilds a changed cluster and disposes removed ones', async () => {
    const { reg, changes } = registry();
    await reg.applySettings(settings('a', 'b'));
    const oldA = reg.get('blixard:a')!.acquire() as MemoryClusterSource;
    const oldB = reg.get('blixard:b')!.acquire() as MemoryClusterSource;
    await reg.applySettings({ ...settings('b'), blixardClusters: [{ name: 'b', endpoints: ['elsewhere:1'] }] });
    assert.ok(oldA.disposed);
    assert.ok(oldB.disposed, 'b changed endpoints: its old source goes');
    assert.notEqual(reg.get('blixard:b')!.acquire(), oldB);
    assert.deepEqual(changes.at(-1)!.removed.map((e) => e.id).sort(), ['blixard:a', 'blixard:b']);
  });

  it('applies only the latest of overlapping settings changes', async () => {
    const { reg } = registry();
    const slow = (file: string) => new Promise<KubeconfigDocument>((resolve) => setTimeout(() => resolve({ contexts: [{ name: file }], clusters: new Map(), users: new Map() }), 50));
    const first = reg.applySettings({ ...settings('first'), kubeconfigFiles: [{ path: 'ctx-first', explicit: true }] }, [], slow);
    const second = reg.applySettings(settings('second'));
    await Promise.all([first, second]);
    await reg.whenSettled();
    assert.deepEqual(reg.clusters.map((c) => c.id), ['blixard:second']);
  });

  it('holds local clusters beside configured ones, and a settings change leaves them alone', async () => {
    const { reg } = registry();
    await reg.applySettings(settings('a'));
    reg.addLocal(localBlixardSpec({ id: 'blixard-dev:local', label: 'Local dev cluster', endpoints: ['127.0.0.1:1'] }));
    await reg.applySettings(settings('b'));
    assert.deepEqual(reg.clusters.map((c) => c.id), ['blixard:b', 'blixard-dev:local']);
    const local = reg.get('blixard-dev:local')!.acquire() as MemoryClusterSource;
    reg.removeLocal('blixard-dev:local');
    assert.ok(local.disposed);
    assert.deepEqual(reg.clusters.map((c) => c.id), ['blixard:b']);
  });

  it('says why a source cannot be built, and sources() leaves it out', async () => {
    const { reg } = registry();
    await reg.applySettings(settings('unbuildable', 'fine'));
    assert.throws(() => reg.get('blixard:unbuildable')!.acquire(), /cannot build this one/);
    assert.deepEqual(reg.sources().map((s) => s.id), ['blixard:fine']);
  });

  it('disposes everything on dispose', async () => {
    const { reg } = registry();
    await reg.applySettings(settings('a'));
    const a = reg.get('blixard:a')!.acquire() as MemoryClusterSource;
    reg.dispose();
    assert.ok(a.disposed);
    assert.deepEqual(reg.clusters, []);
  });
});
