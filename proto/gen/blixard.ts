// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelMigrationRequest as _blixard_CancelMigrationRequest, CancelMigrationRequest__Output as _blixard_CancelMigrationRequest__Output } from './blixard/CancelMigrationRequest';
import type { CancelMigrationResponse as _blixard_CancelMigrationResponse, CancelMigrationResponse__Output as _blixard_CancelMigrationResponse__Output } from './blixard/CancelMigrationResponse';
import type { ClusterResourceSummary as _blixard_ClusterResourceSummary, ClusterResourceSummary__Output as _blixard_ClusterResourceSummary__Output } from './blixard/ClusterResourceSummary';
import type { ClusterResourceSummaryRequest as _blixard_ClusterResourceSummaryRequest, ClusterResourceSummaryRequest__Output as _blixard_ClusterResourceSummaryRequest__Output } from './blixard/ClusterResourceSummaryRequest';
import type { ClusterResourceSummaryResponse as _blixard_ClusterResourceSummaryResponse, ClusterResourceSummaryResponse__Output as _blixard_ClusterResourceSummaryResponse__Output } from './blixard/ClusterResourceSummaryResponse';
import type { ClusterServiceClient as _blixard_ClusterServiceClient, ClusterServiceDefinition as _blixard_ClusterServiceDefinition } from './blixard/ClusterService';
import type { ClusterStatusRequest as _blixard_ClusterStatusRequest, ClusterStatusRequest__Output as _blixard_ClusterStatusRequest__Output } from './blixard/ClusterStatusRequest';
import type { ClusterStatusResponse as _blixard_ClusterStatusResponse, ClusterStatusResponse__Output as _blixard_ClusterStatusResponse__Output } from './blixard/ClusterStatusResponse';
import type { ConsoleInput as _blixard_ConsoleInput, ConsoleInput__Output as _blixard_ConsoleInput__Output } from './blixard/ConsoleInput';
import type { ConsoleNode as _blixard_ConsoleNode, ConsoleNode__Output as _blixard_ConsoleNode__Output } from './blixard/ConsoleNode';
import type { ConsoleOutput as _blixard_ConsoleOutput, ConsoleOutput__Output as _blixard_ConsoleOutput__Output } from './blixard/ConsoleOutput';
import type { ConsoleResume as _blixard_ConsoleResume, ConsoleResume__Output as _blixard_ConsoleResume__Output } from './blixard/ConsoleResume';
import type { ConsoleServiceClient as _blixard_ConsoleServiceClient, ConsoleServiceDefinition as _blixard_ConsoleServiceDefinition } from './blixard/ConsoleService';
import type { CreateVmRequest as _blixard_CreateVmRequest, CreateVmRequest__Output as _blixard_CreateVmRequest__Output } from './blixard/CreateVmRequest';
import type { CreateVmResponse as _blixard_CreateVmResponse, CreateVmResponse__Output as _blixard_CreateVmResponse__Output } from './blixard/CreateVmResponse';
import type { DeleteVmRequest as _blixard_DeleteVmRequest, DeleteVmRequest__Output as _blixard_DeleteVmRequest__Output } from './blixard/DeleteVmRequest';
import type { DeleteVmResponse as _blixard_DeleteVmResponse, DeleteVmResponse__Output as _blixard_DeleteVmResponse__Output } from './blixard/DeleteVmResponse';
import type { GetMigrationRequest as _blixard_GetMigrationRequest, GetMigrationRequest__Output as _blixard_GetMigrationRequest__Output } from './blixard/GetMigrationRequest';
import type { GetMigrationResponse as _blixard_GetMigrationResponse, GetMigrationResponse__Output as _blixard_GetMigrationResponse__Output } from './blixard/GetMigrationResponse';
import type { GetVmStatusRequest as _blixard_GetVmStatusRequest, GetVmStatusRequest__Output as _blixard_GetVmStatusRequest__Output } from './blixard/GetVmStatusRequest';
import type { GetVmStatusResponse as _blixard_GetVmStatusResponse, GetVmStatusResponse__Output as _blixard_GetVmStatusResponse__Output } from './blixard/GetVmStatusResponse';
import type { HealthCheckRequest as _blixard_HealthCheckRequest, HealthCheckRequest__Output as _blixard_HealthCheckRequest__Output } from './blixard/HealthCheckRequest';
import type { HealthCheckResponse as _blixard_HealthCheckResponse, HealthCheckResponse__Output as _blixard_HealthCheckResponse__Output } from './blixard/HealthCheckResponse';
import type { ListMigrationsRequest as _blixard_ListMigrationsRequest, ListMigrationsRequest__Output as _blixard_ListMigrationsRequest__Output } from './blixard/ListMigrationsRequest';
import type { ListMigrationsResponse as _blixard_ListMigrationsResponse, ListMigrationsResponse__Output as _blixard_ListMigrationsResponse__Output } from './blixard/ListMigrationsResponse';
import type { ListVmsRequest as _blixard_ListVmsRequest, ListVmsRequest__Output as _blixard_ListVmsRequest__Output } from './blixard/ListVmsRequest';
import type { ListVmsResponse as _blixard_ListVmsResponse, ListVmsResponse__Output as _blixard_ListVmsResponse__Output } from './blixard/ListVmsResponse';
import type { MigrateVmRequest as _blixard_MigrateVmRequest, MigrateVmRequest__Output as _blixard_MigrateVmRequest__Output } from './blixard/MigrateVmRequest';
import type { MigrateVmResponse as _blixard_MigrateVmResponse, MigrateVmResponse__Output as _blixard_MigrateVmResponse__Output } from './blixard/MigrateVmResponse';
import type { MigrationEvent as _blixard_MigrationEvent, MigrationEvent__Output as _blixard_MigrationEvent__Output } from './blixard/MigrationEvent';
import type { MigrationInfo as _blixard_MigrationInfo, MigrationInfo__Output as _blixard_MigrationInfo__Output } from './blixard/MigrationInfo';
import type { MigrationPhaseTime as _blixard_MigrationPhaseTime, MigrationPhaseTime__Output as _blixard_MigrationPhaseTime__Output } from './blixard/MigrationPhaseTime';
import type { MigrationProgress as _blixard_MigrationProgress, MigrationProgress__Output as _blixard_MigrationProgress__Output } from './blixard/MigrationProgress';
import type { MigrationServiceClient as _blixard_MigrationServiceClient, MigrationServiceDefinition as _blixard_MigrationServiceDefinition } from './blixard/MigrationService';
import type { NodeInfo as _blixard_NodeInfo, NodeInfo__Output as _blixard_NodeInfo__Output } from './blixard/NodeInfo';
import type { NodeResourceUsage as _blixard_NodeResourceUsage, NodeResourceUsage__Output as _blixard_NodeResourceUsage__Output } from './blixard/NodeResourceUsage';
import type { SetNodeMaintenanceRequest as _blixard_SetNodeMaintenanceRequest, SetNodeMaintenanceRequest__Output as _blixard_SetNodeMaintenanceRequest__Output } from './blixard/SetNodeMaintenanceRequest';
import type { SetNodeMaintenanceResponse as _blixard_SetNodeMaintenanceResponse, SetNodeMaintenanceResponse__Output as _blixard_SetNodeMaintenanceResponse__Output } from './blixard/SetNodeMaintenanceResponse';
import type { StartVmRequest as _blixard_StartVmRequest, StartVmRequest__Output as _blixard_StartVmRequest__Output } from './blixard/StartVmRequest';
import type { StartVmResponse as _blixard_StartVmResponse, StartVmResponse__Output as _blixard_StartVmResponse__Output } from './blixard/StartVmResponse';
import type { StopVmRequest as _blixard_StopVmRequest, StopVmRequest__Output as _blixard_StopVmRequest__Output } from './blixard/StopVmRequest';
import type { StopVmResponse as _blixard_StopVmResponse, StopVmResponse__Output as _blixard_StopVmResponse__Output } from './blixard/StopVmResponse';
import type { VmInfo as _blixard_VmInfo, VmInfo__Output as _blixard_VmInfo__Output } from './blixard/VmInfo';
import type { WatchMigrationsRequest as _blixard_WatchMigrationsRequest, WatchMigrationsRequest__Output as _blixard_WatchMigrationsRequest__Output } from './blixard/WatchMigrationsRequest';
import type { WorkerCapabilities as _blixard_WorkerCapabilities, WorkerCapabilities__Output as _blixard_WorkerCapabilities__Output } from './blixard/WorkerCapabilities';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  blixard: {
    CancelMigrationRequest: MessageTypeDefinition<_blixard_CancelMigrationRequest, _blixard_CancelMigrationRequest__Output>
    CancelMigrationResponse: MessageTypeDefinition<_blixard_CancelMigrationResponse, _blixard_CancelMigrationResponse__Output>
    ClusterResourceSummary: MessageTypeDefinition<_blixard_ClusterResourceSummary, _blixard_ClusterResourceSummary__Output>
    ClusterResourceSummaryRequest: MessageTypeDefinition<_blixard_ClusterResourceSummaryRequest, _blixard_ClusterResourceSummaryRequest__Output>
    ClusterResourceSummaryResponse: MessageTypeDefinition<_blixard_ClusterResourceSummaryResponse, _blixard_ClusterResourceSummaryResponse__Output>
    ClusterService: SubtypeConstructor<typeof grpc.Client, _blixard_ClusterServiceClient> & { service: _blixard_ClusterServiceDefinition }
    ClusterStatusRequest: MessageTypeDefinition<_blixard_ClusterStatusRequest, _blixard_ClusterStatusRequest__Output>
    ClusterStatusResponse: MessageTypeDefinition<_blixard_ClusterStatusResponse, _blixard_ClusterStatusResponse__Output>
    ConsoleInput: MessageTypeDefinition<_blixard_ConsoleInput, _blixard_ConsoleInput__Output>
    ConsoleNode: MessageTypeDefinition<_blixard_ConsoleNode, _blixard_ConsoleNode__Output>
    ConsoleOutput: MessageTypeDefinition<_blixard_ConsoleOutput, _blixard_ConsoleOutput__Output>
    ConsoleResume: MessageTypeDefinition<_blixard_ConsoleResume, _blixard_ConsoleResume__Output>
    /**
     * The VMs' serial consoles: a service of its own, since a console is neither upstream's
     * ClusterService nor migration bookkeeping, and a daemon without it answers UNIMPLEMENTED.
     */
    ConsoleService: SubtypeConstructor<typeof grpc.Client, _blixard_ConsoleServiceClient> & { service: _blixard_ConsoleServiceDefinition }
    CreateVmRequest: MessageTypeDefinition<_blixard_CreateVmRequest, _blixard_CreateVmRequest__Output>
    CreateVmResponse: MessageTypeDefinition<_blixard_CreateVmResponse, _blixard_CreateVmResponse__Output>
    DeleteVmRequest: MessageTypeDefinition<_blixard_DeleteVmRequest, _blixard_DeleteVmRequest__Output>
    DeleteVmResponse: MessageTypeDefinition<_blixard_DeleteVmResponse, _blixard_DeleteVmResponse__Output>
    GetMigrationRequest: MessageTypeDefinition<_blixard_GetMigrationRequest, _blixard_GetMigrationRequest__Output>
    GetMigrationResponse: MessageTypeDefinition<_blixard_GetMigrationResponse, _blixard_GetMigrationResponse__Output>
    GetVmStatusRequest: MessageTypeDefinition<_blixard_GetVmStatusRequest, _blixard_GetVmStatusRequest__Output>
    GetVmStatusResponse: MessageTypeDefinition<_blixard_GetVmStatusResponse, _blixard_GetVmStatusResponse__Output>
    HealthCheckRequest: MessageTypeDefinition<_blixard_HealthCheckRequest, _blixard_HealthCheckRequest__Output>
    HealthCheckResponse: MessageTypeDefinition<_blixard_HealthCheckResponse, _blixard_HealthCheckResponse__Output>
    ListMigrationsRequest: MessageTypeDefinition<_blixard_ListMigrationsRequest, _blixard_ListMigrationsRequest__Output>
    ListMigrationsResponse: MessageTypeDefinition<_blixard_ListMigrationsResponse, _blixard_ListMigrationsResponse__Output>
    ListVmsRequest: MessageTypeDefinition<_blixard_ListVmsRequest, _blixard_ListVmsRequest__Output>
    ListVmsResponse: MessageTypeDefinition<_blixard_ListVmsResponse, _blixard_ListVmsResponse__Output>
    MigrateVmRequest: MessageTypeDefinition<_blixard_MigrateVmRequest, _blixard_MigrateVmRequest__Output>
    MigrateVmResponse: MessageTypeDefinition<_blixard_MigrateVmResponse, _blixard_MigrateVmResponse__Output>
    MigrationEvent: MessageTypeDefinition<_blixard_MigrationEvent, _blixard_MigrationEvent__Output>
    MigrationInfo: MessageTypeDefinition<_blixard_MigrationInfo, _blixard_MigrationInfo__Output>
    MigrationPhaseTime: MessageTypeDefinition<_blixard_MigrationPhaseTime, _blixard_MigrationPhaseTime__Output>
    MigrationProgress: MessageTypeDefinition<_blixard_MigrationProgress, _blixard_MigrationProgress__Output>
    /**
     * Migration bookkeeping that upstream Blixard has no RPC for.
     */
    MigrationService: SubtypeConstructor<typeof grpc.Client, _blixard_MigrationServiceClient> & { service: _blixard_MigrationServiceDefinition }
    MigrationStatus: EnumTypeDefinition
    NodeInfo: MessageTypeDefinition<_blixard_NodeInfo, _blixard_NodeInfo__Output>
    NodeResourceUsage: MessageTypeDefinition<_blixard_NodeResourceUsage, _blixard_NodeResourceUsage__Output>
    NodeState: EnumTypeDefinition
    SetNodeMaintenanceRequest: MessageTypeDefinition<_blixard_SetNodeMaintenanceRequest, _blixard_SetNodeMaintenanceRequest__Output>
    SetNodeMaintenanceResponse: MessageTypeDefinition<_blixard_SetNodeMaintenanceResponse, _blixard_SetNodeMaintenanceResponse__Output>
    StartVmRequest: MessageTypeDefinition<_blixard_StartVmRequest, _blixard_StartVmRequest__Output>
    StartVmResponse: MessageTypeDefinition<_blixard_StartVmResponse, _blixard_StartVmResponse__Output>
    StopVmRequest: MessageTypeDefinition<_blixard_StopVmRequest, _blixard_StopVmRequest__Output>
    StopVmResponse: MessageTypeDefinition<_blixard_StopVmResponse, _blixard_StopVmResponse__Output>
    VmInfo: MessageTypeDefinition<_blixard_VmInfo, _blixard_VmInfo__Output>
    VmState: EnumTypeDefinition
    WatchMigrationsRequest: MessageTypeDefinition<_blixard_WatchMigrationsRequest, _blixard_WatchMigrationsRequest__Output>
    WorkerCapabilities: MessageTypeDefinition<_blixard_WorkerCapabilities, _blixard_WorkerCapabilities__Output>
  }
}

