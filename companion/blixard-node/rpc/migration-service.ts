// blixard.MigrationService: what upstream Blixard has no RPC for — following, listing and
// cancelling migrations.

import * as grpc from '@grpc/grpc-js';
import type { NodeContext } from '../agent/node-context';
import type { NodeOperations } from '../node-operations';
import { isFinalStatus } from '../state/cluster-records';
import { serializeResponse, toServiceError, unary } from './grpc-server';
import { PacedStream } from './paced-stream';
import { DEFAULT_STREAM_LIMITS, StreamBufferBudget, type StreamLimits } from './stream-buffer-budget';
import { optionalBool, optionalLimit, optionalNodeId, optionalVmName, requireMigrationId, requireRequest } from './request-validation';
import { migrationInfo } from './wire-format';

export function migrationServiceHandlers(ctx: NodeContext, ops: NodeOperations, limits: StreamLimits = DEFAULT_STREAM_LIMITS): grpc.UntypedServiceImplementation {
  const { view, log } = ctx;
  const infoOf = (id: string) => {
    const entry = view.migrations.get(id);
    return entry && migrationInfo(entry.value, entry.modRevision);
  };
  const budget = new StreamBufferBudget(limits);
  const streamsPerConnection = new Map<string, number>();
  // Each committed change is serialized once, whatever the number of watchers.
  const serializedChanges = new WeakMap<object, Buffer>();
  const serialize = (event: object) => serializeResponse('MigrationService', 'WatchMigrations', event);

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
      call.emit('error', {
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: `this connection already has ${open} WatchMigrations streams open (the daemon's limit per connection); close one first`,
      });
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

    ListMigrations: unary('ListMigrations', log, (raw) => {
      const req = requireRequest(raw);
      const list = ops.listMigrations({
        activeOnly: optionalBool(req.active_only, 'active_only'),
        vmName: optionalVmName(req.vm_name, 'vm_name'),
        nodeId: optionalNodeId(req.node_id, 'node_id'),
        limit: optionalLimit(req.limit),
      });
      return { migrations: list.map((m) => infoOf(m.id) ?? migrationInfo(m, 0)) };
    }),

    GetMigration: unary('GetMigration', log, (raw) => {
      const id = requireMigrationId(requireRequest(raw).id);
      const info = infoOf(id);
      return info ? { found: true, migration: info } : { found: false, migration: null };
    }),

    CancelMigration: unary('CancelMigration', log, async (raw) => {
      const id = requireMigrationId(requireRequest(raw).id);
      const m = await ops.cancelMigration(id);
      return { success: true, message: `Migration ${id} cancelled; VM '${m.vmName}' stays on node ${m.sourceNodeId}` };
    }),
  };
}
