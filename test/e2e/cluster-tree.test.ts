// End to end in a real workbench: the Blixard view in the activity bar, a Blixard dev cluster
// and a KubeVirt cluster from settings, three levels expanded by clicking, as a person would.

import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DevClusterProcess } from '../../src/ui/dev-cluster/core/dev-cluster-process';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../support/kube-api-server';
import { repoRoot } from './support/code-server';
import { Workbench } from './support/workbench';

describe('e2e: Clusters view', function () {
  let cluster: DevClusterProcess;
  let kube: KubeApiServer;
  let workbench: Workbench;

  before(async function () {
    const script = path.join(repoRoot, 'dist', 'companion', 'blixard-node.js');
    assert.ok(existsSync(path.join(repoRoot, 'dist', 'extension.js')) && existsSync(script), 'build first: npm run build');
    cluster = await DevClusterProcess.start({ script, nodes: 3, vms: 6 });
    kube = await startKubeApiServer({ tls: true });
    seedCluster(kube, { nodes: 3, vmisPerNode: 2 });
    const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-e2e-kube-')), 'config');
    await kube.writeKubeconfig(kubeconfig, { clusterName: 'kubevirt-dev', contexts: [{ name: 'kubevirt-dev' }], currentContext: 'kubevirt-dev' });
    workbench = await Workbench.open({
      userSettings: {
        'blixard.clusters': [{ name: 'Blixard dev', endpoints: cluster.endpoints, datacenter: 'local' }],
        'blixard.kubevirt.kubeconfig': [kubeconfig],
      },
      viewport: { width: 1200, height: 900 },
    });
  });

  after(async function () {
    await workbench?.close();
    await kube?.stop();
    await cluster?.stop();
  });

  it('opens the Blixard view and expands cluster → node → VMs', async () => {
    const wb = workbench;
    await wb.openBlixardView();
    await wb.collapseView('Migrations');
    await wb.row('local').waitFor({ timeout: 60_000 });
    await wb.expand('Blixard dev');
    const leader = wb.row(/★ leader/);
    await leader.waitFor({ timeout: 60_000 });
    await wb.expand(/★ leader/);
    await wb.row(/^vm-\d+/).waitFor({ timeout: 60_000 });

    await wb.expand('kubevirt-dev');
    await wb.expand(/^node01/);
    await wb.row(/^vm-001/).waitFor({ timeout: 60_000 });

    const rows = await wb.clustersTree().getByRole('treeitem').allInnerTexts();
    assert.ok(rows.some((r) => /vCPU/.test(r)), `node rows show capacity: ${rows.join(' | ')}`);
    assert.ok(rows.some((r) => /Ready/.test(r)), 'KubeVirt nodes show Ready');
    const file = await wb.screenshot('tree-workbench');
    assert.ok(existsSync(file));
    // The README's picture: the side bar alone, wide enough for every description.
    await wb.widenSideBar(470);
    await wb.page.waitForTimeout(300);
    assert.ok(existsSync(await wb.screenshot('tree', { x: 0, y: 35, width: 520, height: 380 })));
  });

  it('names itself in the activity bar', async () => {
    const item = workbench.page.locator('.activitybar .action-item a[aria-label^="Blixard"]').first();
    await item.waitFor({ timeout: 30_000 });
  });
});
