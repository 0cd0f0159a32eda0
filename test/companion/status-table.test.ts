// rpc/status-table.ts: every error the daemon raises on purpose has a status, the statuses and
// messages callers have always seen are kept, and shutdown is known by its type, not its words.

import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import * as domainErrors from '../../companion/blixard-node/errors';
import * as callErrors from '../../companion/blixard-node/rpc/call-errors';
import { STATUS_BY_ERROR, toServiceError } from '../../companion/blixard-node/rpc/status-table';
import { startDevCluster } from '../../companion/blixard-node/dev-cluster';
import { connect } from './blixard-test-client';

function mapped(err: unknown): { code?: number; details?: string; logged: string[] } {
  const logged: string[] = [];
  const { code, details } = toServiceError(err, (line) => logged.push(line), 'Test');
  return { code, details, logged };
}

describe('blixard-node status table', () => {
  it('has a row for every error class of errors.ts and rpc/call-errors.ts', () => {
    const exported: unknown[] = [...Object.values(domainErrors), ...Object.values(callErrors)];
    const classes = exported.filter((value): value is new (...args: never[]) => Error => typeof value === 'function' && value.prototype instanceof Error);
    assert.ok(classes.length >= 10, `found ${classes.length} error classes`);
    for (const errorClass of classes) assert.ok(STATUS_BY_ERROR.has(errorClass), `${errorClass.name} has no status`);
  });

  it('keeps the codes and messages callers see', () => {
    const cases: [Error, number, string][] = [
      [new domainErrors.InvalidArgumentError('Target node must be different from source node'), status.INVALID_ARGUMENT, 'Target node must be different from source node'],
      [new domainErrors.NotFoundError("VM 'ghost' not found"), status.NOT_FOUND, "VM 'ghost' not found"],
      [new domainErrors.AlreadyExistsError("VM 'vm-1' already exists"), status.ALREADY_EXISTS, "VM 'vm-1' already exists"],
      [new domainErrors.FailedPreconditionError('VM must be running for live migration'), status.FAILED_PRECONDITION, 'VM must be running for live migration'],
      [new domainErrors.NodeInMaintenanceError('Node 2 is in maintenance: it takes no new VMs; choose another target node'), status.FAILED_PRECONDITION, 'Node 2 is in maintenance: it takes no new VMs; choose another target node'],
      [new domainErrors.StoreUnavailableError('connection refused'), status.UNAVAILABLE, 'cluster store unreachable: connection refused'],
      [new domainErrors.WriteConflictError('the cluster state kept changing under this write; try again'), status.ABORTED, 'the cluster state kept changing under this write; try again'],
      [new domainErrors.WaitTimeoutError('timed out after 10000 ms'), status.DEADLINE_EXCEEDED, 'the cluster did not apply the change in time; try again'],
      [new domainErrors.DaemonStartingError(), status.UNAVAILABLE, 'the node daemon is starting'],
      [new domainErrors.DaemonStoppingError(), status.UNAVAILABLE, 'the node daemon is shutting down'],
      [new callErrors.ResourceLimitError('the watcher fell too far behind'), status.RESOURCE_EXHAUSTED, 'the watcher fell too far behind'],
    ];
    for (const [err, code, details] of cases) {
      const answer = mapped(err);
      assert.deepEqual({ code: answer.code, details: answer.details }, { code, details }, err.name);
      assert.deepEqual(answer.logged, [], `${err.name} is expected, not logged`);
    }
  });

  it('answers anything else with INTERNAL and a generic message, and logs its stack', () => {
    const answer = mapped(new TypeError('cannot read properties of undefined'));
    assert.equal(answer.code, status.INTERNAL);
    assert.equal(answer.details, 'internal error in the node daemon (see its log)');
    assert.match(answer.logged.join('\n'), /Test failed: TypeError: cannot read properties of undefined\n\s+at /);
  });

  it('knows shutdown by its type: an error that merely says "daemon stopping" is internal', () => {
    assert.equal(mapped(new Error('daemon stopping')).code, status.INTERNAL);
    assert.equal(mapped(new Error('the node daemon is shutting down')).code, status.INTERNAL);
  });

  it('a call waiting when its daemon stops is told UNAVAILABLE: the node daemon is shutting down', async function () {
    this.timeout(30_000);
    // A cold migration of a running VM waits for the guest to stop (5 s here); the daemon stops first.
    const cluster = await startDevCluster({ nodes: 2, basePort: 0, vms: 1, runtime: { bootMs: 0, stopMs: 5_000, bandwidthMbps: 0 } });
    const client = connect(cluster.endpoints[0]);
    try {
      const { vms } = await client.call('ListVms');
      const vm = vms[0];
      const target = vm.node_id === 1 ? 2 : 1;
      const pending = client.call('MigrateVm', { vm_name: vm.name, target_node_id: target, live_migration: false });
      const outcome = pending.then(
        () => undefined,
        (err: { code: number; details: string }) => err,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await cluster.nodes[0].stop();
      const err = await outcome;
      assert.ok(err, 'MigrateVm did not fail');
      assert.deepEqual({ code: err.code, details: err.details }, { code: status.UNAVAILABLE, details: 'the node daemon is shutting down' });
    } finally {
      client.close();
      await cluster.stop();
    }
  });
});
