// blixard.ClusterService, wire-compatible with upstream Blixard.

import type { NodeContext } from '../agent/node-context';
import type { NodeOperations } from '../node-operations';
import { serializeResponse, unaryHandlers, type ServiceHandlers } from './grpc-server';
import {
  optionalBool,
  optionalConfigPath,
  optionalMetadata,
  optionalMigrationId,
  optionalPlanId,
  requireMemoryMb,
  requireNodeId,
  requireVcpus,
  requireVmName,
} from './request-validation';
import { clusterStatus, migrateVmResponse, resourceSummary, vmInfo } from './wire-format';

const HEALTH_PING_TIMEOUT_MS = 1500;

export function clusterServiceHandlers(ctx: NodeContext, ops: NodeOperations): ServiceHandlers<'ClusterService'> {
  const { view, log } = ctx;
  const unary = unaryHandlers('ClusterService', log);
  let listVmsCache: { generation: number; bytes: Buffer } | undefined;
  return {
    GetClusterStatus: unary('GetClusterStatus', () => clusterStatus(view)),

    CreateVm: unary('CreateVm', async (req) => {
      const name = requireVmName(req.name);
      const configPath = optionalConfigPath(req.configPath);
      const vcpus = requireVcpus(req.vcpus);
      const memoryMb = requireMemoryMb(req.memoryMb);
      const metadata = optionalMetadata(req.metadata);
      const vm = await ops.createVm({ name, configPath, vcpus, memoryMb, metadata });
      return { success: true, message: `VM '${vm.name}' created on node ${vm.nodeId}`, vmId: vm.name };
    }),

    StartVm: unary('StartVm', (req, signal) => ops.startVm(requireVmName(req.name), signal)),
    StopVm: unary('StopVm', (req, signal) => ops.stopVm(requireVmName(req.name), signal)),
    DeleteVm: unary('DeleteVm', (req, signal) => ops.deleteVm(requireVmName(req.name), signal)),

    ListVms: unary('ListVms', () => {
      // Clients poll this; with thousands of VMs, building and encoding the list dominates, so
      // the encoded answer is kept until a VM changes.
      if (listVmsCache?.generation !== view.vmGeneration) {
        const vms = [...view.vms.values()].map((e) => e.value).sort((a, b) => (a.name < b.name ? -1 : 1)).map((vm) => vmInfo(vm, view.members.has(vm.nodeId)));
        listVmsCache = { generation: view.vmGeneration, bytes: serializeResponse('ClusterService', 'ListVms', { vms }) };
      }
      return listVmsCache.bytes;
    }),

    GetVmStatus: unary('GetVmStatus', (req) => {
      const name = requireVmName(req.name);
      const vm = view.vms.get(name)?.value;
      return vm ? { found: true, vmInfo: vmInfo(vm, view.members.has(vm.nodeId)) } : { found: false, vmInfo: null };
    }),

    MigrateVm: unary('MigrateVm', async (req, signal) => {
      const vmName = requireVmName(req.vmName, 'vm_name');
      const targetNodeId = requireNodeId(req.targetNodeId, 'target_node_id');
      const live = optionalBool(req.liveMigration, 'live_migration');
      const force = optionalBool(req.force, 'force');
      const migrationId = optionalMigrationId(req.migrationId);
      const planId = optionalPlanId(req.planId);
      const ended = await ops.migrateVm({ vmName, targetNodeId, live, force, migrationId, planId }, signal);
      return migrateVmResponse(ended);
    }),

    GetClusterResourceSummary: unary('GetClusterResourceSummary', () => ({ success: true, message: '', summary: resourceSummary(view) })),

    HealthCheck: unary('HealthCheck', async () => {
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
