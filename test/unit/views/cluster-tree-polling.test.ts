// What the Clusters tree costs a real Blixard cluster (issue 11, item 2): the calls reaching the
// node daemon are counted by a gRPC proxy in front of it, while the tree core is driven as the
// TreeView drives it — visibility and expansion as inputs. One poller per cluster, nothing at
// all while no view shows the cluster, one read when it is shown again.

import * as assert from 'node:assert/strict';
import { ClusterRegistry } from '../../../src/sources/cluster-registry';
import { ClusterTreeStructure } from '../../../src/ui/clusters/core/cluster-tree-structure';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';
import { CountingGrpcProxy } from '../sources/blixard/support/counting-grpc-proxy';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';
import { waitFor } from '../sources/blixard/support/wait-for';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const INTERVAL_S = 0.5;
/** Long enough for several intervals, short enough for a shared two-core machine. */
const WINDOW_MS = 3000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLoading = (children: TreeElement[]) => children.some((c) => c.type === 'message' && c.severity === 'loading');

describe('Clusters tree polling against a real Blixard cluster', function () {
  this.timeout(60_000);
  let cluster: DevCluster;
  let proxy: CountingGrpcProxy;
  let registry: ClusterRegistry;
  let structure: ClusterTreeStructure;
  let clusterRow: TreeElement;
  let nodeRow: TreeElement;

  before(async () => {
    cluster = await startTestCluster({ nodes: 3, vms: 6 });
    proxy = await CountingGrpcProxy.start(cluster.endpoints[0]);
    // The extension's own wiring: settings → registry → BlixardSource with the poll interval.
    registry = new ClusterRegistry({ logger });
    await registry.applySettings({ blixardClusters: [{ name: 'c', endpoints: [proxy.address] }], kubeconfigFiles: [], kubeContexts: [], refreshIntervalSeconds: INTERVAL_S });
    structure = new ClusterTreeStructure(registry, () => {}, { changeDebounceMs: 10, flushDelayMs: 10 });
    structure.setVisible(true);

    // Expand the cluster and one node, as the workbench asks for them.
    [clusterRow] = await structure.getChildren(undefined);
    const nodes = await waitFor(async () => {
      const children = await structure.getChildren(clusterRow);
      return !isLoading(children) && children.length > 0 ? children : undefined;
    }, 'the cluster’s nodes');
    nodeRow = nodes[0];
    await waitFor(async () => {
      const children = await structure.getChildren(nodeRow);
      return !isLoading(children) && children.some((c) => c.type === 'vm') ? children : undefined;
    }, 'the node’s VMs');
    await pause(2 * INTERVAL_S * 1000); // the poller's baseline is in
  });

  after(async () => {
    structure?.dispose();
    registry?.dispose();
    await proxy?.stop();
    await cluster?.stop();
  });

  /** Calls during `ms`, counted after letting calls already on their way arrive. */
  async function callsDuring(ms: number): Promise<Record<string, number>> {
    await pause(100);
    proxy.reset();
    await pause(ms);
    return proxy.snapshot();
  }

  it('polls a shown cluster once per interval: one GetClusterStatus and one ListVms, not the tree’s and the source’s each', async () => {
    const calls = await callsDuring(WINDOW_MS);
    const intervals = WINDOW_MS / (INTERVAL_S * 1000);
    const status = calls.GetClusterStatus ?? 0;
    const vms = calls.ListVms ?? 0;
    assert.ok(status >= 2 && status <= intervals + 1, `GetClusterStatus once per ${INTERVAL_S} s interval at most (${intervals} intervals): ${JSON.stringify(calls)}`);
    assert.ok(Math.abs(vms - status) <= 1, `each poll asks ListVms and GetClusterStatus together: ${JSON.stringify(calls)}`);
    assert.equal(calls.GetClusterResourceSummary ?? 0, 0, `nothing changed, so nothing is re-read for the tree: ${JSON.stringify(calls)}`);
  });

  it('calls nothing while the view is hidden, and reads the cluster once when it is shown again', async () => {
    structure.setVisible(false);
    const hidden = await callsDuring(WINDOW_MS);
    assert.deepEqual(hidden, {}, 'no call at all while hidden (was ListVms and GetClusterStatus every interval)');

    // Changed behind the tree's back while nobody looks.
    const control = sourceFor(cluster.endpoints);
    try {
      const model = structure.model('blixard:c')!;
      const nodeId = nodeRow.type === 'node' ? nodeRow.nodeId : '';
      const running = model.vms(nodeId)!.find((vm) => vm.state === 'running')!;
      await control.stopVm(running.id);
      await waitFor(async () => (await control.listVms()).find((vm) => vm.id === running.id)?.state === 'stopped', 'the VM stopped');
      await pause(3 * INTERVAL_S * 1000);
      assert.deepEqual(proxy.snapshot(), {}, 'still nothing while hidden');
      assert.equal(model.vm(nodeId, running.id)?.state, 'running', 'the hidden tree has not read the change');

      proxy.reset();
      structure.setVisible(true);
      await waitFor(() => model.vm(nodeId, running.id)?.state === 'stopped', 'the shown tree to read the change', 5000, 5);
      await pause(INTERVAL_S * 500);
      const shown = proxy.snapshot();
      assert.equal(shown.GetClusterStatus, 1, `one read of the cluster when shown again: ${JSON.stringify(shown)}`);
      assert.equal(shown.GetClusterResourceSummary, 1, `one read of the node figures: ${JSON.stringify(shown)}`);
      assert.equal(shown.ListVms, 1, `one read of the VMs, which the poller takes as its baseline: ${JSON.stringify(shown)}`);
      await control.startVm(running.id);
    } finally {
      control.dispose();
    }
  });

  it('calls nothing for a collapsed cluster while the view is visible, and reads it once when expanded again', async () => {
    structure.setExpanded(clusterRow, false);
    const collapsed = await callsDuring(WINDOW_MS);
    assert.deepEqual(collapsed, {}, 'no call for a collapsed cluster');

    proxy.reset();
    structure.setExpanded(clusterRow, true);
    await pause(INTERVAL_S * 500);
    const expanded = proxy.snapshot();
    assert.equal(expanded.GetClusterStatus, 1, `one read when expanded again: ${JSON.stringify(expanded)}`);
    assert.equal(expanded.ListVms, 1, JSON.stringify(expanded));
  });
});
