// blixard.ClusterService, wire-compatible with upstream Blixard.

import type * as grpc from '@grpc/grpc-js';
import type { NodeContext } from '../agent/node-context';
import type { NodeOperations } from '../node-operations';
import { serializeResponse, unary } from './grpc-server';
import {
  optionalBool,
  optionalConfigPath,
  optionalMigrationId,
  requireMemoryMb,
  requireNodeId,
  requireRequest,
  requireVcpus,
  requireVmName,
} from './request-validation';
import { clusterStatus, migrateVmResponse, resourceSummary, vmInfo } from './wire-format';

const HEALTH_PING_TIMEOUT_MS = 1500;

export function clusterServiceHandlers(ctx: NodeContext, ops: NodeOperations): grpc.UntypedServiceImplementation {
  const { view, log } = ctx;
  let listVmsCache: { generation: number; bytes: Buffer } | undefined;
  return {
    GetClusterStatus: unary('GetClusterStatus', log, (raw) => (requireRequest(raw), clusterStatus(view))),

    CreateVm: unary('CreateVm', log, async (raw) => {
      const req = requireRequest(raw);
      const name = requireVmName(req.name);
      const configPath = optionalConfigPath(req.config_path);
      const vcpus = requireVcpus(req.vcpus);
      const memoryMb = requireMemoryMb(req.memory_mb);
      const vm = await ops.createVm({ name, configPath, vcpus, memoryMb });
      return { success: true, message: `VM '${vm.name}' created on node ${vm.nodeId}`, vm_id: vm.name };
    }),

    StartVm: unary('StartVm', log, (raw, signal) => ops.startVm(requireVmName(requireRequest(raw).name), signal)),
    StopVm: unary('StopVm', log, (raw, signal) => ops.stopVm(requireVmName(requireRequest(raw).name), signal)),
    DeleteVm: unary('DeleteVm', log, (raw, signal) => ops.deleteVm(requireVmName(requireRequest(raw).name), signal)),

    ListVms: unary('ListVms', log, (raw) => {
      requireRequest(raw);
      // Clients poll this; with thousands of VMs, building and encoding the list dominates, so
      // the encoded answer is kept until a VM changes.
      if (listVmsCache?.generation !== view.vmGeneration) {
        const vms = [...view.vms.values()].map((e) => e.value).sort((a, b) => (a.name < b.name ? -1 : 1)).map((vm) => vmInfo(vm, view.members.has(vm.nodeId)));
        listVmsCache = { generation: view.vmGeneration, bytes: serializeResponse('ClusterService', 'ListVms', { vms }) };
      }
      return listVmsCache.bytes;
    }),

    GetVmStatus: unary('GetVmStatus', log, (raw) => {
      const name = requireVmName(requireRequest(raw).name);
      const vm = view.vms.get(name)?.value;
      return vm ? { found: true, vm_info: vmInfo(vm, view.members.has(vm.nodeId)) } : { found: false, vm_info: null };
    }),

    MigrateVm: unary('MigrateVm', log, async (raw, signal) => {
      const req = requireRequest(raw);
      const vmName = requireVmName(req.vm_name, 'vm_name');
      const targetNodeId = requireNodeId(req.target_node_id, 'target_node_id');
      const live = optionalBool(req.live_migration, 'live_migration');
      const force = optionalBool(req.force, 'force');
      const migrationId = optionalMigrationId(req.migration_id);
      const ended = await ops.migrateVm({ vmName, targetNodeId, live, force, migrationId }, signal);
      return migrateVmResponse(ended);
    }),

    GetClusterResourceSummary: unary('GetClusterResourceSummary', log, (raw) => (requireRequest(raw), { success: true, message: '', summary: resourceSummary(view) })),

    HealthCheck: unary('HealthCheck', log, async (raw) => {
      requireRequest(raw);
      try {
        await ctx.store.ping(HEALTH_PING_TIMEOUT_MS);
      } catch (err) {
        return { healthy: false, message: `node ${ctx.nodeId}: cluster store unreachable (${(err as Error).message}); serving reads from its last known state` };
      }
      if (!view.members.has(ctx.nodeId)) return { healthy: false, message: `node ${ctx.nodeId}: not (yet) a member of the cluster` };
      const leader = view.leader;
      return {
        healthy: true,
        message: `node ${ctx.nodeId}: serving; ${view.members.size} node(s); leader ${leader ? `node ${leader.nodeId}` : 'being elected'}; store ${ctx.store.description}`,
      };
    }),
  };
}
