// Bad input must never take a daemon down: random bytes to every method of both services, then
// random field values of the right wire types, then the daemon must still be healthy, consistent,
// and every error must be a status with a readable message (no stack traces).

import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startDevCluster, type DevCluster } from '../../companion/blixard-node/dev-cluster';
import { connect, type BlixardTestClient } from './blixard-test-client';

const CLUSTER_METHODS = [
  'GetClusterStatus', 'CreateVm', 'StartVm', 'StopVm', 'DeleteVm', 'ListVms', 'GetVmStatus', 'MigrateVm', 'GetClusterResourceSummary', 'HealthCheck',
];
const MIGRATION_METHODS = ['ListMigrations', 'GetMigration', 'CancelMigration', 'SetNodeMaintenance'];
const ROUNDS_PER_METHOD = 150;

/** A small seeded PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const identity = (b: Buffer) => b;

function assertReadable(err: grpc.ServiceError, context: string): void {
  assert.ok(typeof err.code === 'number', `${context}: a gRPC status`);
  assert.notEqual(err.code, grpc.status.UNAVAILABLE, `${context}: the daemon stays up (${err.details})`);
  assert.doesNotMatch(err.details ?? '', /\n\s+at |node_modules|\.ts:\d+/, `${context}: no stack trace in "${err.details}"`);
}

describe('blixard-node under random input', function () {
  this.timeout(120_000);
  let cluster: DevCluster;
  let client: BlixardTestClient;
  let raw: grpc.Client;

  before(async () => {
    cluster = await startDevCluster({ nodes: 2, basePort: 0, vms: 4, runtime: { bootMs: 0, stopMs: 0, bandwidthMbps: 0 } });
    client = connect(cluster.endpoints[0]);
    raw = new grpc.Client(cluster.endpoints[0], grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    raw?.close();
    await cluster?.stop();
  });

  function rawUnary(service: string, method: string, payload: Buffer): Promise<grpc.ServiceError | null> {
    return new Promise((resolve) => {
      raw.makeUnaryRequest(`/blixard.${service}/${method}`, identity, identity, payload, { deadline: Date.now() + 10_000 }, (err) => resolve(err));
    });
  }

  it('survives random bytes sent to every method, answering each with a status', async () => {
    const random = prng(0xb11a);
    const codes = new Map<string, number>();
    for (const [service, methods] of [['ClusterService', CLUSTER_METHODS], ['MigrationService', MIGRATION_METHODS]] as const) {
      for (const method of methods) {
        for (let i = 0; i < ROUNDS_PER_METHOD; i++) {
          const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
          const err = await rawUnary(service, method, bytes);
          if (err) {
            assertReadable(err, `${method} #${i}`);
            codes.set(grpc.status[err.code], (codes.get(grpc.status[err.code]) ?? 0) + 1);
          }
        }
      }
      // The server-streaming method too: undecodable requests end the stream with a status.
      for (let i = 0; i < 50; i++) {
        const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 100) }, () => Math.floor(random() * 256)));
        await new Promise<void>((resolve) => {
          const stream = raw.makeServerStreamRequest(`/blixard.MigrationService/WatchMigrations`, identity, identity, bytes, { deadline: Date.now() + 500 });
          stream.on('data', () => stream.cancel());
          stream.on('error', () => resolve());
          stream.on('end', () => resolve());
        });
      }
    }
    if (process.env.FUZZ_DEBUG) console.log(codes);
    assert.ok((codes.get('INVALID_ARGUMENT') ?? 0) > ROUNDS_PER_METHOD, 'undecodable requests are rejected as invalid');
    assert.equal(codes.get('INTERNAL'), undefined, `undecodable input is INVALID_ARGUMENT, not INTERNAL (${JSON.stringify([...codes])})`);
    const health = await client.call('HealthCheck');
    assert.equal(health.healthy, true, health.message);
  });

  it('survives well-typed requests with wild field values', async () => {
    const random = prng(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
    const strings = ['', 'vm-1', 'vm-2', 'a'.repeat(300), 'ÄÖ', '../../etc/passwd', 'x\u0000y', '-', 'a.', 'ok-name', '\uffff', ' spaced '];
    const numbers = [0, 1, 2, 3, 7, 2 ** 31 - 1, 2 ** 32 - 1, 1024, 1025];
    const bigs = [0, 1, 2, 99, '18446744073709551615', '9007199254740993'];
    for (let i = 0; i < 300; i++) {
      const method = pick([...CLUSTER_METHODS, ...MIGRATION_METHODS]);
      const request = {
        name: pick(strings),
        vm_name: pick(strings),
        id: pick(strings),
        migration_id: pick(strings),
        config_path: pick(strings),
        vcpus: pick(numbers),
        memory_mb: pick(numbers),
        target_node_id: pick(bigs),
        node_id: pick(bigs),
        live_migration: random() < 0.5,
        force: random() < 0.5,
        active_only: random() < 0.5,
        limit: pick(numbers),
        maintenance: random() < 0.5,
        reason: pick(strings),
        metadata: pick([{}, { 'blixard.io/pinned': 'true' }, { 'bad key': 'x' }, { a: 'x\u0000y' }, { [`${'a'.repeat(300)}/b`]: 'c' }]),
      };
      try {
        await client.call(method, request, 10_000);
      } catch (err) {
        assertReadable(err as grpc.ServiceError, `${method} ${JSON.stringify(request).slice(0, 120)}`);
        assert.notEqual((err as grpc.ServiceError).code, grpc.status.INTERNAL, `${method}: ${(err as grpc.ServiceError).details}`);
      }
    }
    const health = await client.call('HealthCheck');
    assert.equal(health.healthy, true, health.message);
    // Still consistent: every VM once, on a member node, nothing left in flight.
    const { vms } = await client.call('ListVms');
    const names = vms.map((v: { name: string }) => v.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(vms.every((v: { node_id: number }) => v.node_id === 1 || v.node_id === 2));
  });
});
