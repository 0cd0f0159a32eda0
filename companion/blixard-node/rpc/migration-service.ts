// blixard.MigrationService: what upstream Blixard has no RPC for — following, listing and
// cancelling migrations, and putting a node into maintenance (which migrations honour).

import type * as grpc from '@grpc/grpc-js';
import type { MigrationEvent } from '../../../proto/gen/blixard/MigrationEvent';
import type { NodeContext } from '../agent/node-context';
import type { NodeOperations } from '../node-operations';
import { isFinalStatus } from '../state/cluster-records';
import { ResourceLimitError } from './call-errors';
import { serializeResponse, unaryHandlers, type ServiceHandlers } from './grpc-server';
import { PacedStream } from './paced-stream';
import { DEFAULT_STREAM_LIMITS, StreamBufferBudget, type StreamLimits } from './stream-buffer-budget';
import { optionalBool, optionalLimit, optionalNodeId, optionalReason, optionalVmName, requireMigrationId, requireNodeId, requireRequest } from './request-validation';
import { toServiceError } from './status-table';
import { migrationInfo, nodeInfo, type Complete } from './wire-format';
import { setNodeMaintenance } from '../node-maintenance';

export function migrationServiceHandlers(ctx: NodeContext, ops: NodeOperations, limits: StreamLimits = DEFAULT_STREAM_LIMITS): ServiceHandlers<'MigrationService'> {
  const { view, log } = ctx;
  const unary = unaryHandlers('MigrationService', log);
  const infoOf = (id: string) => {
    const entry = view.migrations.get(id);
    return entry && migrationInfo(entry.value, entry.modRevision);
  };
  const budget = new StreamBufferBudget(limits);
  const streamsPerConnection = new Map<string, number>();
  // Each committed change is serialized once, whatever the number of watchers.
  const serializedChanges = new WeakMap<object, Buffer>();
  const serialize = (event: Complete<MigrationEvent>) => serializeResponse('MigrationService', 'WatchMigrations', event);

  const watchMigrations: grpc.handleServerStreamingCall<unknown, unknown> = (call) => {
    try {
      requireRequest(call.request);
    } catch (err) {
      call.emit('error', toServiceError(err, log, 'WatchMigrations'));
      return;
    }
    const connection = call.getPeer();
    const open = streamsPerConnection.get(connection) ?? 0;
    if (open >= limits.maxStreamsPerConnection) {
      const refusal = new ResourceLimitError(`this connection already has ${open} WatchMigrations streams open (the daemon's limit per connection); close one first`);
      call.emit('error', toServiceError(refusal, log, 'WatchMigrations'));
      return;
    }
    streamsPerConnection.set(connection, open + 1);
    let subscription: { dispose(): void } | undefined;
    const onEnd = () => {
      const left = (streamsPerConnection.get(connection) ?? 1) - 1;
      if (left > 0) streamsPerConnection.set(connection, left);
      else streamsPerConnection.delete(connection);
      subscription?.dispose();
      ctx.shutdown.removeEventListener('abort', onShutdown);
    };
    const stream = new PacedStream(call, budget, onEnd);
    const onShutdown = () => stream.end();
    // Snapshot and subscription happen in the same tick, so no committed change falls between.
    const active = [...view.migrations.values()].filter((e) => !isFinalStatus(e.value.status));
    active.sort((a, b) => a.modRevision - b.modRevision);
    for (const e of active) stream.send(serialize({ type: 'TYPE_SNAPSHOT', migration: migrationInfo(e.value, e.modRevision) }));
    stream.send(serialize({ type: 'TYPE_SNAPSHOT_END', migration: null }));
    if (stream.isEnded) return;
    subscription = view.onChange((changes) => {
      for (const change of changes) {
        if (stream.isEnded) return;
        if (change.kind !== 'migration' || !change.value) continue;
        let message = serializedChanges.get(change);
        if (!message) {
          message = serialize({ type: 'TYPE_UPDATE', migration: migrationInfo(change.value, change.revision) });
          serializedChanges.set(change, message);
        }
        stream.send(message);
      }
    });
    ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
  };

  return {
    WatchMigrations: watchMigrations,

    ListMigrations: unary('ListMigrations', (req) => {
      const list = ops.listMigrations({
        activeOnly: optionalBool(req.activeOnly, 'active_only'),
        vmName: optionalVmName(req.vmName, 'vm_name'),
        nodeId: optionalNodeId(req.nodeId, 'node_id'),
        limit: optionalLimit(req.limit),
      });
      return { migrations: list.map((m) => infoOf(m.id) ?? migrationInfo(m, 0)) };
    }),

    GetMigration: unary('GetMigration', (req) => {
      const id = requireMigrationId(req.id);
      const info = infoOf(id);
      return info ? { found: true, migration: info } : { found: false, migration: null };
    }),

    CancelMigration: unary('CancelMigration', async (req) => {
      const id = requireMigrationId(req.id);
      const m = await ops.cancelMigration(id);
      return { success: true, message: `Migration ${id} cancelled; VM '${m.vmName}' stays on node ${m.sourceNodeId}` };
    }),

    SetNodeMaintenance: unary('SetNodeMaintenance', async (req) => {
      const nodeId = requireNodeId(req.nodeId, 'node_id');
      const on = optionalBool(req.maintenance, 'maintenance');
      const reason = optionalReason(req.reason);
      const change = await setNodeMaintenance(ctx, nodeId, on, reason);
      return { node: nodeInfo(view, nodeId), changed: change.changed, message: change.message };
    }),
  };
}
