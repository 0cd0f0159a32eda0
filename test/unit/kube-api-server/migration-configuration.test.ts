// The stand-in virt-controller writes status.migrationState.migrationConfiguration as KubeVirt
// does: KubeVirt's defaults, the KubeVirt CR's migrations over them, a MigrationPolicy's settings
// over those with migrationPolicyName; and the KubeVirt source reads it into Migration.tuning.

import { strict as assert } from 'node:assert';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { DEFAULT_MIGRATION_CONFIGURATION } from '../../support/kube-api-server/migration-configuration';
import { MigrationRecorder, sourceFor, TempDir, waitFor as waitForSource } from '../sources/kubevirt/source-harness';
import { waitFor } from './wait-for';

describe('kube-api-server: migrationConfiguration', function () {
  this.timeout(30_000);
  let server: KubeApiServer;

  beforeEach(async () => {
    server = await startKubeApiServer({ tls: false, timing: { perPhaseMs: 10 } });
    for (const name of ['node01', 'node02']) server.addNode({ name });
    server.addVm({ name: 'vm1', node: 'node01' });
  });
  afterEach(async () => { await server.stop(); });

  async function finalState(): Promise<Record<string, unknown>> {
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.migrationState?.completed === true, 'the state copied at the end');
    return server.objects.get('vmim', 'default', m.metadata.name!)!.status.migrationState;
  }

  it("writes KubeVirt's defaults when nothing is configured, with no policy name", async () => {
    const state = await finalState();
    assert.deepEqual(state.migrationConfiguration, { ...DEFAULT_MIGRATION_CONFIGURATION });
    assert.deepEqual(state.migrationConfiguration, { bandwidthPerMigration: '64Mi', completionTimeoutPerGiB: 150, progressTimeout: 150, allowAutoConverge: false, allowPostCopy: false, parallelMigrationsPerCluster: 5, parallelOutboundMigrationsPerNode: 2, unsafeMigrationOverride: false });
    assert.equal('migrationPolicyName' in state, false);
  });

  it("takes the KubeVirt CR's migrations, then a MigrationPolicy's settings, and names the policy", async () => {
    server.setTiming({ kubevirtMigrations: { bandwidthPerMigration: '1Gi', parallelMigrationsPerCluster: 10 }, migrationPolicy: { name: 'fast-lane', spec: { allowAutoConverge: true, bandwidthPerMigration: '256Mi' } } });
    const state = await finalState();
    assert.deepEqual(state.migrationConfiguration, { ...DEFAULT_MIGRATION_CONFIGURATION, bandwidthPerMigration: '256Mi', parallelMigrationsPerCluster: 10, allowAutoConverge: true });
    assert.equal(state.migrationPolicyName, 'fast-lane');
  });

  it('reaches Migration.tuning through the KubeVirt source', async () => {
    const tls = await startKubeApiServer({ timing: { perPhaseMs: 20, kubevirtMigrations: { completionTimeoutPerGiB: 300 }, migrationPolicy: { name: 'fast-lane', spec: { allowPostCopy: true } } } });
    const dir = new TempDir();
    const { source } = await sourceFor(tls, dir);
    const recorder = new MigrationRecorder(source);
    try {
      for (const name of ['node01', 'node02']) tls.addNode({ name });
      tls.addVm({ name: 'vm1', node: 'node01' });
      const vm = await waitForSource(async () => (await source.listVms('node01')).find((v) => v.name === 'vm1'), 'vm1 listed');
      const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node02', live: true });
      await handle.completion;
      const final = await waitForSource(() => recorder.last(handle.migrationId)?.migration.state === 'succeeded' && recorder.last(handle.migrationId), 'a succeeded observation');
      assert.deepEqual(final.migration.tuning, {
        policyName: 'fast-lane', canAutoConverge: true, canPostCopy: true, bandwidthLimitBytesPerSec: 64 * 2 ** 20, autoConverge: false, postCopy: true,
        unsafeMigrationOverride: false, completionTimeoutPerGiBSec: 300, progressTimeoutSec: 150, parallelMigrationsPerCluster: 5, parallelOutboundMigrationsPerNode: 2,
      });
    } finally {
      recorder.dispose();
      source.dispose();
      await tls.stop();
      dir.dispose();
    }
  });
});
