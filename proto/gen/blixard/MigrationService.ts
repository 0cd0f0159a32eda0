// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelMigrationRequest as _blixard_CancelMigrationRequest, CancelMigrationRequest__Output as _blixard_CancelMigrationRequest__Output } from '../blixard/CancelMigrationRequest';
import type { CancelMigrationResponse as _blixard_CancelMigrationResponse, CancelMigrationResponse__Output as _blixard_CancelMigrationResponse__Output } from '../blixard/CancelMigrationResponse';
import type { GetMigrationRequest as _blixard_GetMigrationRequest, GetMigrationRequest__Output as _blixard_GetMigrationRequest__Output } from '../blixard/GetMigrationRequest';
import type { GetMigrationResponse as _blixard_GetMigrationResponse, GetMigrationResponse__Output as _blixard_GetMigrationResponse__Output } from '../blixard/GetMigrationResponse';
import type { ListMigrationsRequest as _blixard_ListMigrationsRequest, ListMigrationsRequest__Output as _blixard_ListMigrationsRequest__Output } from '../blixard/ListMigrationsRequest';
import type { ListMigrationsResponse as _blixard_ListMigrationsResponse, ListMigrationsResponse__Output as _blixard_ListMigrationsResponse__Output } from '../blixard/ListMigrationsResponse';
import type { MigrationEvent as _blixard_MigrationEvent, MigrationEvent__Output as _blixard_MigrationEvent__Output } from '../blixard/MigrationEvent';
import type { SetNodeMaintenanceRequest as _blixard_SetNodeMaintenanceRequest, SetNodeMaintenanceRequest__Output as _blixard_SetNodeMaintenanceRequest__Output } from '../blixard/SetNodeMaintenanceRequest';
import type { SetNodeMaintenanceResponse as _blixard_SetNodeMaintenanceResponse, SetNodeMaintenanceResponse__Output as _blixard_SetNodeMaintenanceResponse__Output } from '../blixard/SetNodeMaintenanceResponse';
import type { WatchMigrationsRequest as _blixard_WatchMigrationsRequest, WatchMigrationsRequest__Output as _blixard_WatchMigrationsRequest__Output } from '../blixard/WatchMigrationsRequest';

/**
 * Migration bookkeeping that upstream Blixard has no RPC for.
 */
export interface MigrationServiceClient extends grpc.Client {
  CancelMigration(argument: _blixard_CancelMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  CancelMigration(argument: _blixard_CancelMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  CancelMigration(argument: _blixard_CancelMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  CancelMigration(argument: _blixard_CancelMigrationRequest, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  cancelMigration(argument: _blixard_CancelMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  cancelMigration(argument: _blixard_CancelMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  cancelMigration(argument: _blixard_CancelMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  cancelMigration(argument: _blixard_CancelMigrationRequest, callback: grpc.requestCallback<_blixard_CancelMigrationResponse__Output>): grpc.ClientUnaryCall;
  
  GetMigration(argument: _blixard_GetMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  GetMigration(argument: _blixard_GetMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  GetMigration(argument: _blixard_GetMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  GetMigration(argument: _blixard_GetMigrationRequest, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  getMigration(argument: _blixard_GetMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  getMigration(argument: _blixard_GetMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  getMigration(argument: _blixard_GetMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  getMigration(argument: _blixard_GetMigrationRequest, callback: grpc.requestCallback<_blixard_GetMigrationResponse__Output>): grpc.ClientUnaryCall;
  
  ListMigrations(argument: _blixard_ListMigrationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  ListMigrations(argument: _blixard_ListMigrationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  ListMigrations(argument: _blixard_ListMigrationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  ListMigrations(argument: _blixard_ListMigrationsRequest, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  listMigrations(argument: _blixard_ListMigrationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  listMigrations(argument: _blixard_ListMigrationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  listMigrations(argument: _blixard_ListMigrationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  listMigrations(argument: _blixard_ListMigrationsRequest, callback: grpc.requestCallback<_blixard_ListMigrationsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Puts a node into maintenance (cordon) or takes it out. A node in maintenance takes no new VMs:
   * MigrateVm to it, CreateVm's placement and StartVm on it are refused ("Node 2 is in
   * maintenance"); what runs there keeps running and may be migrated away. The flag is committed
   * through the cluster store and outlives the daemon (a node patched and restarted comes back
   * still in maintenance). Setting what is already set changes nothing (`changed` false) and
   * keeps the original `since`. Answers the node as GetClusterStatus lists it.
   */
  SetNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  SetNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  SetNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  SetNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Puts a node into maintenance (cordon) or takes it out. A node in maintenance takes no new VMs:
   * MigrateVm to it, CreateVm's placement and StartVm on it are refused ("Node 2 is in
   * maintenance"); what runs there keeps running and may be migrated away. The flag is committed
   * through the cluster store and outlives the daemon (a node patched and restarted comes back
   * still in maintenance). Setting what is already set changes nothing (`changed` false) and
   * keeps the original `since`. Answers the node as GetClusterStatus lists it.
   */
  setNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  setNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  setNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  setNodeMaintenance(argument: _blixard_SetNodeMaintenanceRequest, callback: grpc.requestCallback<_blixard_SetNodeMaintenanceResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A snapshot of every non-final migration (snapshot = true), then a SNAPSHOT_END marker,
   * then every committed phase change of every migration in the cluster, in commit order.
   */
  WatchMigrations(argument: _blixard_WatchMigrationsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_blixard_MigrationEvent__Output>;
  WatchMigrations(argument: _blixard_WatchMigrationsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_blixard_MigrationEvent__Output>;
  /**
   * A snapshot of every non-final migration (snapshot = true), then a SNAPSHOT_END marker,
   * then every committed phase change of every migration in the cluster, in commit order.
   */
  watchMigrations(argument: _blixard_WatchMigrationsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_blixard_MigrationEvent__Output>;
  watchMigrations(argument: _blixard_WatchMigrationsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_blixard_MigrationEvent__Output>;
  
}

/**
 * Migration bookkeeping that upstream Blixard has no RPC for.
 */
export interface MigrationServiceHandlers extends grpc.UntypedServiceImplementation {
  CancelMigration: grpc.handleUnaryCall<_blixard_CancelMigrationRequest__Output, _blixard_CancelMigrationResponse>;
  
  GetMigration: grpc.handleUnaryCall<_blixard_GetMigrationRequest__Output, _blixard_GetMigrationResponse>;
  
  ListMigrations: grpc.handleUnaryCall<_blixard_ListMigrationsRequest__Output, _blixard_ListMigrationsResponse>;
  
  /**
   * Puts a node into maintenance (cordon) or takes it out. A node in maintenance takes no new VMs:
   * MigrateVm to it, CreateVm's placement and StartVm on it are refused ("Node 2 is in
   * maintenance"); what runs there keeps running and may be migrated away. The flag is committed
   * through the cluster store and outlives the daemon (a node patched and restarted comes back
   * still in maintenance). Setting what is already set changes nothing (`changed` false) and
   * keeps the original `since`. Answers the node as GetClusterStatus lists it.
   */
  SetNodeMaintenance: grpc.handleUnaryCall<_blixard_SetNodeMaintenanceRequest__Output, _blixard_SetNodeMaintenanceResponse>;
  
  /**
   * A snapshot of every non-final migration (snapshot = true), then a SNAPSHOT_END marker,
   * then every committed phase change of every migration in the cluster, in commit order.
   */
  WatchMigrations: grpc.handleServerStreamingCall<_blixard_WatchMigrationsRequest__Output, _blixard_MigrationEvent>;
  
}

export interface MigrationServiceDefinition extends grpc.ServiceDefinition {
  CancelMigration: MethodDefinition<_blixard_CancelMigrationRequest, _blixard_CancelMigrationResponse, _blixard_CancelMigrationRequest__Output, _blixard_CancelMigrationResponse__Output>
  GetMigration: MethodDefinition<_blixard_GetMigrationRequest, _blixard_GetMigrationResponse, _blixard_GetMigrationRequest__Output, _blixard_GetMigrationResponse__Output>
  ListMigrations: MethodDefinition<_blixard_ListMigrationsRequest, _blixard_ListMigrationsResponse, _blixard_ListMigrationsRequest__Output, _blixard_ListMigrationsResponse__Output>
  SetNodeMaintenance: MethodDefinition<_blixard_SetNodeMaintenanceRequest, _blixard_SetNodeMaintenanceResponse, _blixard_SetNodeMaintenanceRequest__Output, _blixard_SetNodeMaintenanceResponse__Output>
  WatchMigrations: MethodDefinition<_blixard_WatchMigrationsRequest, _blixard_MigrationEvent, _blixard_WatchMigrationsRequest__Output, _blixard_MigrationEvent__Output>
}
