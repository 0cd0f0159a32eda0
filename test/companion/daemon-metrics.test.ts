// blixard-node --metrics-listen, scraped by a real Prometheus (Debian's 2.42): two daemons on one
// store, a live migration between them; while it runs Prometheus holds its bytes and rates from
// the source daemon, once it ends those series are gone and the outcome counter and duration
// histogram say it succeeded; VMs per node and store round trips are there too.

import assert from 'node:assert/strict';
import { startNode, type RunningNode } from '../../companion/blixard-node/node-daemon';
import { MemoryStore } from '../../companion/blixard-node/store/memory-store';
import { PrometheusServer } from '../support/prometheus-server';
import { connect, eventually, type BlixardTestClient } from './blixard-test-client';
import { parseCommandLine, UsageError } from '../../companion/blixard-node/cli-options';

describe('blixard-node --metrics-listen', () => {
  const metricsListen = (value: string) => {
    const cmd = parseCommandLine(['--id', '1', '--listen', '127.0.0.1:0', '--metrics-listen', value]);
    return cmd.command === 'node' ? cmd.metricsListen : undefined;
  };
  it('listens on loopback when given a port alone, and where it is told otherwise', () => {
    assert.equal(metricsListen('9100'), '127.0.0.1:9100');
    assert.equal(metricsListen(':9100'), '127.0.0.1:9100');
    assert.equal(metricsListen('0.0.0.0:9100'), '0.0.0.0:9100');
    assert.equal((parseCommandLine(['--id', '1', '--listen', '127.0.0.1:0']) as { metricsListen?: string }).metricsListen, undefined);
    assert.throws(() => metricsListen('localhost'), (e: Error) => e instanceof UsageError && /--metrics-listen must be HOST:PORT/.test(e.message));
    assert.throws(() => parseCommandLine(['dev-cluster', '--metrics-listen', '9100']), UsageError);
  });
});

describe('blixard-node metrics (--metrics-listen) through a real Prometheus', function () {
  this.timeout(60_000);
  let nodes: RunningNode[] = [];
  let prometheus: PrometheusServer;
  let client: BlixardTestClient;
  const store = new MemoryStore();

  before(async () => {
    // 400 Mbit/s = 50 MB/s, dirtying 80 Mbit/s: a 256 MiB guest takes a few seconds, several scrapes.
    const runtime = { bootMs: 50, stopMs: 50, bandwidthMbps: 400, dirtyRateMbps: 80 };
    for (const id of [1, 2]) nodes.push(await startNode({ id, store, runtime, listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0' }));
    prometheus = await PrometheusServer.start({ targets: nodes.map((n) => `http://${n.metricsAddress}/metrics`), scrapeIntervalMs: 1000 });
    client = connect(nodes[0].address);
  });

  after(async () => {
    client?.close();
    await prometheus?.stop();
    for (const n of nodes) await n.stop();
    nodes = [];
  });

  const value = async (promql: string): Promise<number | undefined> => {
    const [first] = await prometheus.query(promql);
    return first ? Number(first.value[1]) : undefined;
  };

  it('exports a running migration while it runs, then its outcome and duration; VMs per node; store latency', async () => {
    await client.call('CreateVm', { name: 'metered', vcpus: 1, memory_mb: 256 });
    await client.call('StartVm', { name: 'metered' });
    const vm = (await client.call('GetVmStatus', { name: 'metered' })).vm_info;
    const source = vm.node_id as number;
    const target = source === 1 ? 2 : 1;
    await eventually(async () => (await value(`blixard_node_vms{node="${source}"}`)) === 1, 10_000, 'the VM counted on its node');
    assert.equal(await value(`blixard_node_vms{node="${target}"}`), 0);

    const migrated = client.call('MigrateVm', { vm_name: 'metered', target_node_id: target, live_migration: true });
    const seen = await eventually(async () => {
      const rows = await prometheus.query('blixard_migration_remaining_bytes');
      return rows.length > 0 ? rows : undefined;
    }, 15_000, 'a running migration in Prometheus');
    assert.equal(seen.length, 1, 'one series: only the source daemon exports it');
    assert.deepEqual(
      { vm: seen[0].metric.vm, node: seen[0].metric.node, source_node: seen[0].metric.source_node, target_node: seen[0].metric.target_node },
      { vm: 'metered', node: String(source), source_node: String(source), target_node: String(target) },
    );
    assert.equal(await value('blixard_migration_memory_total_bytes'), 256 * 1024 * 1024);
    assert.ok((await value('blixard_migration_transfer_rate_bytes'))! > 0);

    const res = await migrated;
    assert.equal(res.status, 'MIGRATION_STATUS_COMPLETED', res.message);
    await eventually(async () => (await value(`blixard_migrations_total{outcome="succeeded",mode="live",node="${source}"}`)) === 1, 10_000, 'the outcome counted');
    await eventually(async () => (await prometheus.query('blixard_migration_remaining_bytes')).length === 0, 10_000, 'the running series removed');
    assert.equal(await value(`blixard_migration_duration_seconds_count{outcome="succeeded",node="${source}"}`), 1);
    assert.ok((await value(`blixard_migration_duration_seconds_sum{node="${source}"}`))! > 0.5);
    assert.equal(await value(`sum(blixard_migrations_total{node="${target}"})`), undefined, 'the target daemon does not count it again');
    await eventually(async () => (await value(`blixard_node_vms{node="${target}"}`)) === 1, 10_000, 'the VM counted on its new node');
    assert.ok((await value(`sum(blixard_store_request_duration_seconds_count{operation="txn"})`))! > 0, 'store round trips measured');
  });
});
