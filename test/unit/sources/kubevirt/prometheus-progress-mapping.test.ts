// virt-handler's series → MigrationProgress, and the one PromQL selector for many migrations:
// names of older and newer KubeVirt releases, the newest of several series of one figure, samples
// older than the migration (an earlier migration of the same VMI) left out, names escaped.

import * as assert from 'node:assert/strict';
import { progressFromSamples, progressQuery } from '../../../../src/sources/kubevirt/migration-progress-poller';
import type { InstantSample } from '../../../../src/sources/kubevirt/prometheus-client';

const m = { key: 'prod/kubevirt-migrate-vm-abc', namespace: 'prod', vmi: 'db.0', startedAt: 1_000_000 };
const sample = (name: string, value: number, atMs = 1_005_000, labels: Record<string, string> = {}): InstantSample => ({ labels: { __name__: name, namespace: 'prod', name: 'db.0', ...labels }, value, atMs });

describe('KubeVirt progress from Prometheus series', () => {
  it('maps the five figures, with the names KubeVirt used before 1.6 as fallbacks', () => {
    const now = [
      sample('kubevirt_vmi_migration_data_total_bytes', 2000),
      sample('kubevirt_vmi_migration_data_processed_bytes', 1500),
      sample('kubevirt_vmi_migration_data_remaining_bytes', 700),
      sample('kubevirt_vmi_migration_dirty_memory_rate_bytes', 10),
      sample('kubevirt_vmi_migration_memory_transfer_rate_bytes', 100),
      sample('kubevirt_vmi_migration_disk_transfer_rate_bytes', 5),
    ];
    assert.deepEqual(progressFromSamples(now, m), { totalBytes: 2000, transferredBytes: 1500, remainingBytes: 700, dirtyRateBytesPerSec: 10, bandwidthBytesPerSec: 100 });
    const older = [
      sample('kubevirt_vmi_migration_data_bytes_total', 2000),
      sample('kubevirt_vmi_migration_data_remaining_bytes', 700),
      sample('kubevirt_vmi_migration_disk_transfer_rate_bytes', 90),
    ];
    assert.deepEqual(progressFromSamples(older, m), { totalBytes: 2000, transferredBytes: 0, remainingBytes: 700, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: 90 });
  });

  it('takes the newest of several series, leaves out samples from before the migration, needs remaining', () => {
    const samples = [
      sample('kubevirt_vmi_migration_data_remaining_bytes', 900, 1_004_000, { job: 'a' }),
      sample('kubevirt_vmi_migration_data_remaining_bytes', 800, 1_005_000, { job: 'b' }),
      sample('kubevirt_vmi_migration_data_processed_bytes', 5, 990_000),
    ];
    const p = progressFromSamples(samples, m)!;
    assert.equal(p.remainingBytes, 800);
    assert.equal(p.transferredBytes, 0, 'the earlier migration’s processed bytes are not this one’s');
    assert.equal(progressFromSamples([sample('kubevirt_vmi_migration_data_processed_bytes', 5)], m), undefined);
    assert.equal(progressFromSamples([{ ...sample('kubevirt_vmi_migration_data_remaining_bytes', 5), labels: { __name__: 'kubevirt_vmi_migration_data_remaining_bytes', namespace: 'prod', name: 'db-0' } }], m), undefined);
  });

  it('asks for every migration in one selector, regex characters escaped', () => {
    const q = progressQuery([m, { key: 'dev/x', namespace: 'dev', vmi: 'web-1' }]);
    assert.match(q, /^max by \(__name__, namespace, name\) \(\{__name__=~"kubevirt_vmi_migration_/);
    assert.ok(q.includes('namespace=~"prod|dev"'));
    assert.ok(q.includes('name=~"db\\\\.0|web-1"'), q);
  });
});
