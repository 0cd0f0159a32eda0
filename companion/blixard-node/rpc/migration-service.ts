// blixard.MigrationService: what upstream Blixard has no RPC for — following, listing and
// cancelling migrations.

import * as grpc from '@grpc/grpc-js';
import type { NodeContext } from '../agent/node-context';
import type { NodeOperations } from '../node-operations';
import { isFinalStatus } from '../state/cluster-records';
import { toServiceError, unary } from './grpc-server';
import { optionalBool, optionalLimit, optionalNodeId, optionalVmName, requireMigrationId, requireRequest } from './request-validation';
import { migrationInfo } from './wire-format';

/** A watcher this far behind is cut off rather than buffered without bound. */
const MAX_PENDING_EVENTS = 20_000;

export function migrationServiceHandlers(ctx: NodeContext, ops: NodeOperations): grpc.UntypedServiceImplementation {
  const { view, log } = ctx;
  const infoOf = (id: string) => {
    const entry = view.migrations.get(id);
    return entry && migrationInfo(entry.value, entry.modRevision);
  };

  const watchMigrations: grpc.handleServerStreamingCall<unknown, unknown> = (call) => {
    try {
      requireRequest(call.request);
      // Snapshot and subscription happen in the same tick, so no committed change falls between.
      const active = [...view.migrations.values()].filter((e) => !isFinalStatus(e.value.status));
      active.sort((a, b) => a.modRevision - b.modRevision);
      for (const e of active) call.write({ type: 'TYPE_SNAPSHOT', migration: migrationInfo(e.value, e.modRevision) });
      call.write({ type: 'TYPE_SNAPSHOT_END', migration: null });
    } catch (err) {
      call.emit('error', toServiceError(err, log, 'WatchMigrations'));
      return;
    }
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      subscription.dispose();
      ctx.shutdown.removeEventListener('abort', onShutdown);
    };
    const subscription = view.onChange((changes) => {
      if (closed) return;
      for (const change of changes) {
        if (change.kind !== 'migration' || !change.value) continue;
        if (call.writableLength > MAX_PENDING_EVENTS) {
          close();
          call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'the watcher fell too far behind; reconnect to get a fresh snapshot' });
          return;
        }
        call.write({ type: 'TYPE_UPDATE', migration: migrationInfo(change.value, change.revision) });
      }
    });
    const onShutdown = () => {
      close();
      call.end();
    };
    ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
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
