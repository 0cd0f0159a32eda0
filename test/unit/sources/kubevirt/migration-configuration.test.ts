// KubeVirt's migrationState.migrationConfiguration → Migration.tuning: the fields KubeVirt writes,
// missing ones left unknown, malformed ones left out without a crash; and the settings' words.

import { strict as assert } from 'node:assert';
import { parseMigrationConfiguration } from '../../../../src/sources/kubevirt/migration-configuration';
import { parseVmim } from '../../../../src/sources/kubevirt/vmim-parsing';
import { migrationSettingsItems } from '../../../../src/model/migration-settings';
import { adviceFor } from '../../../../src/model/convergence/convergence-words';
import type { KubevirtMigrationState } from '../../../../src/sources/kubevirt/kube-objects';

const KUBEVIRT_DEFAULTS = { bandwidthPerMigration: '64Mi', completionTimeoutPerGiB: 150, progressTimeout: 150, allowAutoConverge: false, allowPostCopy: false, parallelMigrationsPerCluster: 5, parallelOutboundMigrationsPerNode: 2, unsafeMigrationOverride: false };

describe('KubeVirt migrationConfiguration', () => {
  it('reads every field KubeVirt writes, and the policy that applied', () => {
    const tuning = parseMigrationConfiguration({ migrationConfiguration: { ...KUBEVIRT_DEFAULTS, allowPostCopy: true }, migrationPolicyName: 'fast-lane' });
    assert.deepEqual(tuning, {
      policyName: 'fast-lane',
      canAutoConverge: true,
      canPostCopy: true,
      bandwidthLimitBytesPerSec: 64 * 2 ** 20,
      autoConverge: false,
      postCopy: true,
      unsafeMigrationOverride: false,
      completionTimeoutPerGiBSec: 150,
      progressTimeoutSec: 150,
      parallelMigrationsPerCluster: 5,
      parallelOutboundMigrationsPerNode: 2,
    });
    assert.deepEqual(migrationSettingsItems(tuning), [
      'Bandwidth 64 MiB/s', 'completion timeout 2m 30s per GiB', 'progress timeout 2m 30s', 'auto-converge off', 'post-copy allowed',
      'at most 5 per cluster', '2 out per node', 'policy fast-lane',
    ]);
  });

  it('knows nothing when the state carries no configuration, and only the policy when that is all', () => {
    assert.equal(parseMigrationConfiguration(undefined), undefined);
    assert.equal(parseMigrationConfiguration({ sourceNode: 'node01' }), undefined);
    assert.deepEqual(parseMigrationConfiguration({ migrationPolicyName: 'p' }), { policyName: 'p' });
    assert.deepEqual(migrationSettingsItems(undefined), []);
  });

  it('leaves malformed fields out and keeps the rest', () => {
    const bad = {
      migrationConfiguration: { bandwidthPerMigration: 'lots', completionTimeoutPerGiB: '150', progressTimeout: -1, allowAutoConverge: 'yes', allowPostCopy: true, parallelMigrationsPerCluster: 2.5, parallelOutboundMigrationsPerNode: null },
      migrationPolicyName: 42,
    } as unknown as KubevirtMigrationState;
    assert.deepEqual(parseMigrationConfiguration(bad), { canAutoConverge: true, canPostCopy: true, postCopy: true });
    for (const junk of [[], 'x', 7, null]) {
      assert.equal(parseMigrationConfiguration({ migrationConfiguration: junk } as unknown as KubevirtMigrationState), undefined);
    }
  });

  it('takes bandwidth "0" for no cap: the settings say unlimited and the advice asks for a faster link', () => {
    const tuning = parseMigrationConfiguration({ migrationConfiguration: { bandwidthPerMigration: '0', allowAutoConverge: true } })!;
    assert.equal(tuning.bandwidthLimitBytesPerSec, 0);
    assert.deepEqual(migrationSettingsItems(tuning), ['Bandwidth unlimited', 'auto-converge on']);
    const advice = adviceFor('not-converging', { transferRate: 50 * 2 ** 20 }, tuning);
    assert.deepEqual(advice, ['a faster migration link', 'post-copy (the guest runs on the target while its memory follows)']);
  });

  it('advises a higher limit and auto-converge from the configuration a VMIM carries', () => {
    const result = parseVmim(
      {
        metadata: { name: 'm1', namespace: 'default', uid: 'u1', creationTimestamp: '2026-12-04T04:00:00Z' },
        spec: { vmiName: 'vm1' },
        status: { phase: 'Succeeded', migrationState: { migrationUid: 'u1', migrationConfiguration: KUBEVIRT_DEFAULTS, migrationPolicyName: 'slow-lane' } },
      },
      { sourceId: 'kv' },
    );
    assert.ok(result.ok);
    const tuning = result.observation.migration.tuning!;
    assert.equal(tuning.policyName, 'slow-lane');
    assert.deepEqual(adviceFor('not-converging', { transferRate: 64 * 2 ** 20 }, tuning), [
      'a higher bandwidth limit (now 64 MiB/s)',
      'auto-converge (slows the guest until the copy catches up)',
      'post-copy (the guest runs on the target while its memory follows)',
    ]);
  });
});
