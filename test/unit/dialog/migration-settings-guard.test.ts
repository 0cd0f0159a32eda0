// The dialog's state guard takes a migration's effective settings (Migration.tuning as KubeVirt's
// migrationConfiguration fills it) and refuses the whole state when one is malformed or unknown.

import * as assert from 'node:assert/strict';
import { isStateMessage, type MigrationView } from '../../../src/protocol/migration-dialog';
import { KUBEVIRT_TRAITS } from '../../../src/sources/kubevirt/kubevirt-kind';
import { migrationDialogTraits } from '../../../src/model/cluster-kind';

const T0 = 1_700_000_000_000;
const view: MigrationView = { id: 'k/ns/m', name: 'm', phase: 'Running', state: 'running', mode: 'live', createdAt: T0, phases: [] } as MigrationView;
const cluster = { id: 'k', label: 'K', traits: migrationDialogTraits(KUBEVIRT_TRAITS) };
const state = (tuning: unknown) => ({ type: 'state', hostNow: T0, state: { stage: 'tracking', cluster, nodes: [], migration: { ...view, tuning } } });

describe('dialog guard: migration settings', () => {
  it('takes every setting the KubeVirt source reports', () => {
    assert.ok(isStateMessage(state({
      bandwidthLimitBytesPerSec: 0, autoConverge: false, postCopy: true, canAutoConverge: true, canPostCopy: true, unsafeMigrationOverride: false,
      completionTimeoutPerGiBSec: 150, progressTimeoutSec: 150, parallelMigrationsPerCluster: 5, parallelOutboundMigrationsPerNode: 2, policyName: 'fast-lane',
    })));
  });

  it('refuses a malformed or unknown setting', () => {
    for (const bad of [{ policyName: 5 }, { completionTimeoutPerGiBSec: '150' }, { parallelMigrationsPerCluster: Infinity }, { unsafeMigrationOverride: 'no' }, { migrationNetwork: 'x' }]) {
      assert.equal(isStateMessage(state(bad)), false, JSON.stringify(bad));
    }
  });
});
