// KubeVirt byte progress through a real Prometheus (Debian's 2.42): the stand-in's virt-handler
// exports KubeVirt's migration metrics, a real `prometheus` scrapes it every second, and the
// KubevirtSource reads them back over /api/v1/query into the kind-neutral progress the dialog
// shows. Also: Prometheus down, metrics missing, a bearer token (through an https front with its
// own CA, as kube-rbac-proxy guards Prometheus; Prometheus 2.42 itself checks basic auth only).
// One Prometheus for the file, started once.

import { strict as assert } from 'node:assert';
import { startKubeApiServer, seedCluster, type KubeApiServer } from '../../../support/kube-api-server';
import { PrometheusServer, startBearerProxy } from '../../../support/prometheus-server';
import { allLogLines, MigrationRecorder, sourceFor, TempDir, waitFor } from './source-harness';
import type { KubevirtSource } from '../../../../src/sources/kubevirt/kubevirt-source';
import type { MigrationObservation } from '../../../../src/model/migration';
import { migrationView } from '../../../../src/ui/dialog/core/dialog-view-model';
import { progressFigures, ProgressTrend } from '../../../../src/protocol/progress-figures';

const RUNNING_MS = 6000;
const GIB = 1024 ** 3;

describe('KubeVirt progress through a real Prometheus', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let prometheus: PrometheusServer;
  let dir: TempDir;
  let vmis: string[];
  const sources: KubevirtSource[] = [];

  before(async () => {
    server = await startKubeApiServer({ virtHandlerMetrics: true, timing: { perPhaseMs: 20, phaseMs: { Running: RUNNING_MS } } });
    vmis = seedCluster(server, { nodes: 2, vmisPerNode: 3, notMigratableEvery: 0 }).vmis;
    prometheus = await PrometheusServer.start({ targets: [server.metrics!.url], scrapeIntervalMs: 1000 });
    dir = new TempDir();
  });

  after(async () => {
    for (const s of sources) s.dispose();
    await prometheus?.stop();
    await server?.stop();
    dir?.dispose();
  });

  async function source(prometheusOptions: NonNullable<Parameters<typeof sourceFor>[2]>['prometheus']) {
    const made = await sourceFor(server, dir, { prometheus: { intervalMs: 300, missingAfterMs: 2500, ...prometheusOptions! } });
    sources.push(made.source);
    return made;
  }

  async function migrate(s: KubevirtSource, vmi: string): Promise<{ id: string; recorder: MigrationRecorder }> {
    const recorder = new MigrationRecorder(s);
    await s.listVms();
    const { migrationId } = await s.migrate({ vmId: `default/${vmi}`, live: true });
    return { id: migrationId, recorder };
  }

  const withProgress = (observations: MigrationObservation[]) => observations.filter((o) => o.migration.progress);

  it('feeds the scraped pre-copy figures into the migration and the dialog, rounds and all', async () => {
    const vmi = vmis[0];
    server.metrics!.setWorkload('default', vmi, { memoryBytes: 2 * GIB, dirtyRatio: 0.5 });
    const { source: s } = await source({ url: prometheus.url });
    const { id, recorder } = await migrate(s, vmi);
    await waitFor(() => recorder.last(id)?.migration.state === 'succeeded', 'the migration to succeed', 30_000);
    const seen = withProgress(recorder.observations(id).filter((o) => o.migration.state === 'running'));
    assert.ok(seen.length >= 3, `progress updates while running: ${seen.length}`);
    const p = seen.map((o) => o.migration.progress!);
    for (const x of p) {
      assert.equal(x.totalBytes, 2 * GIB, 'data_total_bytes is the guest memory');
      assert.ok(x.remainingBytes >= 0 && x.remainingBytes <= x.totalBytes);
      assert.ok(x.bandwidthBytesPerSec! > 0 && Math.abs(x.dirtyRateBytesPerSec / x.bandwidthBytesPerSec! - 0.5) < 0.01, 'dirty rate half the transfer rate');
    }
    for (let i = 1; i < p.length; i++) assert.ok(p[i].transferredBytes >= p[i - 1].transferredBytes, 'processed bytes never fall');
    assert.ok(Math.max(...p.map((x) => x.precopyRound)) >= 2, `a later pre-copy round was seen: rounds ${p.map((x) => x.precopyRound).join(',')}`);
    assert.ok(p.some((x, i) => i > 0 && x.remainingBytes > p[i - 1].remainingBytes), 'remaining jumps up at a new round');
    // The finished migration keeps what was sent (the history's data transferred).
    assert.ok(recorder.last(id)!.migration.progress!.transferredBytes > GIB);

    // The dialog's model: percent, rate and time left, from the same figures.
    const trend = new ProgressTrend();
    let figures;
    for (const o of seen) {
      const view = migrationView({ migration: o.migration, phases: o.phases });
      trend.observe(view.progress!, Date.now());
      figures = progressFigures(view.progress!, trend);
    }
    assert.ok(figures!.fraction > 0 && figures!.fraction <= 1);
    assert.match(figures!.rate ?? '', /\/s$/);
    assert.ok(figures!.eta !== undefined, 'a converging migration has a time left');
  });

  it('says once that Prometheus is down, and shows phases only', async () => {
    const { source: s, logger } = await source({ url: 'http://127.0.0.1:9' });
    const { id, recorder } = await migrate(s, vmis[1]);
    await waitFor(() => recorder.last(id)?.migration.phase === 'Running', 'Running');
    await waitFor(() => logger.has(/phases only/), 'the one line');
    await new Promise((r) => setTimeout(r, 1500)); // several more polls fail
    assert.equal(logger.lines.filter((l) => /phases only/.test(l.message)).length, 1, logger.lines.map((l) => l.message).join('\n'));
    assert.ok(logger.has(/phases only: .*127\.0\.0\.1:9/, 'warn'));
    assert.equal(withProgress(recorder.observations(id)).length, 0);
  });

  it('says once that the metrics are missing', async () => {
    const { source: s, logger } = await source({ url: prometheus.url });
    server.metrics!.setServed(false);
    try {
      const { id, recorder } = await migrate(s, vmis[2]);
      await waitFor(() => logger.has(/has no kubevirt_vmi_migration_\* series for default\/vm-00\d \(is virt-handler scraped\?\)/), 'the missing-metrics line', 15_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(logger.lines.filter((l) => /phases only/.test(l.message)).length, 1);
      assert.equal(withProgress(recorder.observations(id)).length, 0);
      await waitFor(() => recorder.last(id)?.migration.state === 'succeeded', 'the migration to succeed anyway', 30_000);
    } finally {
      server.metrics!.setServed(true);
    }
  });

  it('sends a bearer token over https with a configured CA; a wrong one is said once and never logged', async () => {
    const token = 'prometheus-bearer-token-0123456789';
    const proxy = await startBearerProxy(prometheus.url, token);
    try {
      const wrong = await source({ url: proxy.url, caPem: proxy.caPem, token: 'not-the-token-abcdefgh' });
      // As the extension hands it over: read from SecretStorage at each query.
      const right = await source({ url: proxy.url, caPem: proxy.caPem, token: async () => token });
      const a = await migrate(wrong.source, vmis[3]);
      const b = await migrate(right.source, vmis[4]);
      await waitFor(() => withProgress(b.recorder.observations(b.id)).length >= 2, 'progress through the token', 20_000);
      await waitFor(() => wrong.logger.has(/refused the bearer token \(HTTP 401\)/, 'warn'), 'the refusal');
      assert.equal(wrong.logger.lines.filter((l) => /phases only/.test(l.message)).length, 1);
      assert.equal(withProgress(a.recorder.observations(a.id)).length, 0);
      assert.ok(proxy.refused >= 2);
      assert.ok(!allLogLines.some((l) => l.includes(token) || l.includes('not-the-token-abcdefgh')), 'no token in any log line');
    } finally {
      await proxy.stop();
    }
  });
});
