// blixard.kubevirt.watchStallSeconds reaches the KubeVirt sources: parsed with the other source
// settings, planned into each context's spec, and honoured by the real source against the local
// KubeVirt-compatible API server (a silent watch is restarted after that long, no sooner).

import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MigrationStreamEvent } from '../../../src/model/migration';
import { createSource, planClusterSpecs } from '../../../src/sources/create-sources';
import { parseSourceSettings } from '../../../src/sources/source-settings';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { waitFor } from '../history/support/fixtures';

describe('KubeVirt watch stall setting', () => {
  it('is parsed and planned into each KubeVirt spec, and ignored when not a sensible number', async () => {
    const plan = async (watchStallSeconds: unknown) => {
      const { settings } = parseSourceSettings({ clusters: [], kubeconfig: ['/k'], contexts: [], watchStallSeconds });
      return (await planClusterSpecs(settings, async () => ({ contexts: [{ name: 'a' }, { name: 'b' }], clusters: new Map(), users: new Map() }))).specs;
    };
    const specs = await plan(45);
    assert.deepEqual(specs.map((s) => (s.kind === 'kubevirt' ? s.stallTimeoutMs : 'x')), [45_000, 45_000]);
    for (const bad of [undefined, 0, -5, 'soon', Number.NaN]) {
      assert.ok((await plan(bad)).every((s) => s.kind === 'kubevirt' && s.stallTimeoutMs === undefined), String(bad));
    }
  });

  describe('against the local API server', () => {
    let server: KubeApiServer;
    before(async () => {
      server = await startKubeApiServer({ tls: true, bookmarkIntervalMs: 250 });
      seedCluster(server, { nodes: 2, vmisPerNode: 1 });
    });
    after(async () => server?.stop());

    it('restarts a watch that went silent for that long, and follows migrations again after it', async () => {
      const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-stall-')), 'config');
      await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: 'kv' }], currentContext: 'kv' });
      const { settings } = parseSourceSettings({ clusters: [], kubeconfig: [kubeconfig], contexts: ['kv'], watchStallSeconds: 2 });
      const [spec] = (await planClusterSpecs(settings)).specs;
      const warnings: string[] = [];
      const source = createSource(spec, { logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) } });
      const events: MigrationStreamEvent[] = [];
      const subscription = source.onMigrationEvent((e) => events.push(e));
      try {
        await waitFor('the first sync', () => events.some((e) => e.type === 'synced'), 30_000);
        // Bookmarks every 250 ms keep a healthy watch alive well past 2 s.
        await new Promise((r) => setTimeout(r, 2600));
        assert.deepEqual(warnings.filter((w) => /sent nothing/.test(w)), []);
        server.faults.stallWatches();
        await waitFor('the stall to be noticed', () => warnings.some((w) => /sent nothing for 2(\.0)? ?s/.test(w)), 15_000);
        const vmim = server.createMigration({ vmiName: 'vm-001', namespace: 'default' });
        await waitFor('the migration after the restart', () =>
          events.some((e) => e.type === 'observation' && e.observation.migration.name === vmim.metadata.name && e.observation.migration.state === 'succeeded'), 30_000);
      } finally {
        subscription.dispose();
        source.dispose();
      }
    });
  });
});
