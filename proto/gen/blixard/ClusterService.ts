// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClusterResourceSummaryRequest as _blixard_ClusterResourceSummaryRequest, ClusterResourceSummaryRequest__Output as _blixard_ClusterResourceSummaryRequest__Output } from '../blixard/ClusterResourceSummaryRequest';
import type { ClusterResourceSummaryResponse as _blixard_ClusterResourceSummaryResponse, ClusterResourceSummaryResponse__Output as _blixard_ClusterResourceSummaryResponse__Output } from '../blixard/ClusterResourceSummaryResponse';
import type { ClusterStatusRequest as _blixard_ClusterStatusRequest, ClusterStatusRequest__Output as _blixard_ClusterStatusRequest__Output } from '../blixard/ClusterStatusRequest';
import type { ClusterStatusResponse as _blixard_ClusterStatusResponse, ClusterStatusResponse__Output as _blixard_ClusterStatusResponse__Output } from '../blixard/ClusterStatusResponse';
import type { CreateVmRequest as _blixard_CreateVmRequest, CreateVmRequest__Output as _blixard_CreateVmRequest__Output } from '../blixard/CreateVmRequest';
import type { CreateVmResponse as _blixard_CreateVmResponse, CreateVmResponse__Output as _blixard_CreateVmResponse__Output } from '../blixard/CreateVmResponse';
import type { DeleteVmRequest as _blixard_DeleteVmRequest, DeleteVmRequest__Output as _blixard_DeleteVmRequest__Output } from '../blixard/DeleteVmRequest';
import type { DeleteVmResponse as _blixard_DeleteVmResponse, DeleteVmResponse__Output as _blixard_DeleteVmResponse__Output } from '../blixard/DeleteVmResponse';
import type { GetVmStatusRequest as _blixard_GetVmStatusRequest, GetVmStatusRequest__Output as _blixard_GetVmStatusRequest__Output } from '../blixard/GetVmStatusRequest';
import type { GetVmStatusResponse as _blixard_GetVmStatusResponse, GetVmStatusResponse__Output as _blixard_GetVmStatusResponse__Output } from '../blixard/GetVmStatusResponse';
import type { HealthCheckRequest as _blixard_HealthCheckRequest, HealthCheckRequest__Output as _blixard_HealthCheckRequest__Output } from '../blixard/HealthCheckRequest';
import type { HealthCheckResponse as _blixard_HealthCheckResponse, HealthCheckResponse__Output as _blixard_HealthCheckResponse__Output } from '../blixard/HealthCheckResponse';
import type { ListVmsRequest as _blixard_ListVmsRequest, ListVmsRequest__Output as _blixard_ListVmsRequest__Output } from '../blixard/ListVmsRequest';
import type { ListVmsResponse as _blixard_ListVmsResponse, ListVmsResponse__Output as _blixard_ListVmsResponse__Output } from '../blixard/ListVmsResponse';
import type { MigrateVmRequest as _blixard_MigrateVmRequest, MigrateVmRequest__Output as _blixard_MigrateVmRequest__Output } from '../blixard/MigrateVmRequest';
import type { MigrateVmResponse as _blixard_MigrateVmResponse, MigrateVmResponse__Output as _blixard_MigrateVmResponse__Output } from '../blixard/MigrateVmResponse';
import type { StartVmRequest as _blixard_StartVmRequest, StartVmRequest__Output as _blixard_StartVmRequest__Output } from '../blixard/StartVmRequest';
import type { StartVmResponse as _blixard_StartVmResponse, StartVmResponse__Output as _blixard_StartVmResponse__Output } from '../blixard/StartVmResponse';
import type { StopVmRequest as _blixard_StopVmRequest, StopVmRequest__Output as _blixard_StopVmRequest__Output } from '../blixard/StopVmRequest';
import type { StopVmResponse as _blixard_StopVmResponse, StopVmResponse__Output as _blixard_StopVmResponse__Output } from '../blixard/StopVmResponse';

export interface ClusterServiceClient extends grpc.Client {
  CreateVm(argument: _blixard_CreateVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  CreateVm(argument: _blixard_CreateVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  CreateVm(argument: _blixard_CreateVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  CreateVm(argument: _blixard_CreateVmRequest, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  createVm(argument: _blixard_CreateVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  createVm(argument: _blixard_CreateVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  createVm(argument: _blixard_CreateVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  createVm(argument: _blixard_CreateVmRequest, callback: grpc.requestCallback<_blixard_CreateVmResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteVm(argument: _blixard_DeleteVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  DeleteVm(argument: _blixard_DeleteVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  DeleteVm(argument: _blixard_DeleteVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  DeleteVm(argument: _blixard_DeleteVmRequest, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  deleteVm(argument: _blixard_DeleteVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  deleteVm(argument: _blixard_DeleteVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  deleteVm(argument: _blixard_DeleteVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  deleteVm(argument: _blixard_DeleteVmRequest, callback: grpc.requestCallback<_blixard_DeleteVmResponse__Output>): grpc.ClientUnaryCall;
  
  GetClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  GetClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  GetClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  GetClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  getClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  getClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  getClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  getClusterResourceSummary(argument: _blixard_ClusterResourceSummaryRequest, callback: grpc.requestCallback<_blixard_ClusterResourceSummaryResponse__Output>): grpc.ClientUnaryCall;
  
  GetClusterStatus(argument: _blixard_ClusterStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  GetClusterStatus(argument: _blixard_ClusterStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  GetClusterStatus(argument: _blixard_ClusterStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  GetClusterStatus(argument: _blixard_ClusterStatusRequest, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _blixard_ClusterStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _blixard_ClusterStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _blixard_ClusterStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  getClusterStatus(argument: _blixard_ClusterStatusRequest, callback: grpc.requestCallback<_blixard_ClusterStatusResponse__Output>): grpc.ClientUnaryCall;
  
  GetVmStatus(argument: _blixard_GetVmStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  GetVmStatus(argument: _blixard_GetVmStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  GetVmStatus(argument: _blixard_GetVmStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  GetVmStatus(argument: _blixard_GetVmStatusRequest, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  getVmStatus(argument: _blixard_GetVmStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  getVmStatus(argument: _blixard_GetVmStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  getVmStatus(argument: _blixard_GetVmStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  getVmStatus(argument: _blixard_GetVmStatusRequest, callback: grpc.requestCallback<_blixard_GetVmStatusResponse__Output>): grpc.ClientUnaryCall;
  
  HealthCheck(argument: _blixard_HealthCheckRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  HealthCheck(argument: _blixard_HealthCheckRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  HealthCheck(argument: _blixard_HealthCheckRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  HealthCheck(argument: _blixard_HealthCheckRequest, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  healthCheck(argument: _blixard_HealthCheckRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  healthCheck(argument: _blixard_HealthCheckRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  healthCheck(argument: _blixard_HealthCheckRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  healthCheck(argument: _blixard_HealthCheckRequest, callback: grpc.requestCallback<_blixard_HealthCheckResponse__Output>): grpc.ClientUnaryCall;
  
  ListVms(argument: _blixard_ListVmsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  ListVms(argument: _blixard_ListVmsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  ListVms(argument: _blixard_ListVmsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  ListVms(argument: _blixard_ListVmsRequest, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  listVms(argument: _blixard_ListVmsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  listVms(argument: _blixard_ListVmsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  listVms(argument: _blixard_ListVmsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  listVms(argument: _blixard_ListVmsRequest, callback: grpc.requestCallback<_blixard_ListVmsResponse__Output>): grpc.ClientUnaryCall;
  
  MigrateVm(argument: _blixard_MigrateVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  MigrateVm(argument: _blixard_MigrateVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  MigrateVm(argument: _blixard_MigrateVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  MigrateVm(argument: _blixard_MigrateVmRequest, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  migrateVm(argument: _blixard_MigrateVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  migrateVm(argument: _blixard_MigrateVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  migrateVm(argument: _blixard_MigrateVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  migrateVm(argument: _blixard_MigrateVmRequest, callback: grpc.requestCallback<_blixard_MigrateVmResponse__Output>): grpc.ClientUnaryCall;
  
  StartVm(argument: _blixard_StartVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  StartVm(argument: _blixard_StartVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  StartVm(argument: _blixard_StartVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  StartVm(argument: _blixard_StartVmRequest, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  startVm(argument: _blixard_StartVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  startVm(argument: _blixard_StartVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  startVm(argument: _blixard_StartVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  startVm(argument: _blixard_StartVmRequest, callback: grpc.requestCallback<_blixard_StartVmResponse__Output>): grpc.ClientUnaryCall;
  
  StopVm(argument: _blixard_StopVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  StopVm(argument: _blixard_StopVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  StopVm(argument: _blixard_StopVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  StopVm(argument: _blixard_StopVmRequest, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  stopVm(argument: _blixard_StopVmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  stopVm(argument: _blixard_StopVmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  stopVm(argument: _blixard_StopVmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  stopVm(argument: _blixard_StopVmRequest, callback: grpc.requestCallback<_blixard_StopVmResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ClusterServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateVm: grpc.handleUnaryCall<_blixard_CreateVmRequest__Output, _blixard_CreateVmResponse>;
  
  DeleteVm: grpc.handleUnaryCall<_blixard_DeleteVmRequest__Output, _blixard_DeleteVmResponse>;
  
  GetClusterResourceSummary: grpc.handleUnaryCall<_blixard_ClusterResourceSummaryRequest__Output, _blixard_ClusterResourceSummaryResponse>;
  
  GetClusterStatus: grpc.handleUnaryCall<_blixard_ClusterStatusRequest__Output, _blixard_ClusterStatusResponse>;
  
  GetVmStatus: grpc.handleUnaryCall<_blixard_GetVmStatusRequest__Output, _blixard_GetVmStatusResponse>;
  
  HealthCheck: grpc.handleUnaryCall<_blixard_HealthCheckRequest__Output, _blixard_HealthCheckResponse>;
  
  ListVms: grpc.handleUnaryCall<_blixard_ListVmsRequest__Output, _blixard_ListVmsResponse>;
  
  MigrateVm: grpc.handleUnaryCall<_blixard_MigrateVmRequest__Output, _blixard_MigrateVmResponse>;
  
  StartVm: grpc.handleUnaryCall<_blixard_StartVmRequest__Output, _blixard_StartVmResponse>;
  
  StopVm: grpc.handleUnaryCall<_blixard_StopVmRequest__Output, _blixard_StopVmResponse>;
  
}

export interface ClusterServiceDefinition extends grpc.ServiceDefinition {
  CreateVm: MethodDefinition<_blixard_CreateVmRequest, _blixard_CreateVmResponse, _blixard_CreateVmRequest__Output, _blixard_CreateVmResponse__Output>
  DeleteVm: MethodDefinition<_blixard_DeleteVmRequest, _blixard_DeleteVmResponse, _blixard_DeleteVmRequest__Output, _blixard_DeleteVmResponse__Output>
  GetClusterResourceSummary: MethodDefinition<_blixard_ClusterResourceSummaryRequest, _blixard_ClusterResourceSummaryResponse, _blixard_ClusterResourceSummaryRequest__Output, _blixard_ClusterResourceSummaryResponse__Output>
  GetClusterStatus: MethodDefinition<_blixard_ClusterStatusRequest, _blixard_ClusterStatusResponse, _blixard_ClusterStatusRequest__Output, _blixard_ClusterStatusResponse__Output>
  GetVmStatus: MethodDefinition<_blixard_GetVmStatusRequest, _blixard_GetVmStatusResponse, _blixard_GetVmStatusRequest__Output, _blixard_GetVmStatusResponse__Output>
  HealthCheck: MethodDefinition<_blixard_HealthCheckRequest, _blixard_HealthCheckResponse, _blixard_HealthCheckRequest__Output, _blixard_HealthCheckResponse__Output>
  ListVms: MethodDefinition<_blixard_ListVmsRequest, _blixard_ListVmsResponse, _blixard_ListVmsRequest__Output, _blixard_ListVmsResponse__Output>
  MigrateVm: MethodDefinition<_blixard_MigrateVmRequest, _blixard_MigrateVmResponse, _blixard_MigrateVmRequest__Output, _blixard_MigrateVmResponse__Output>
  StartVm: MethodDefinition<_blixard_StartVmRequest, _blixard_StartVmResponse, _blixard_StartVmRequest__Output, _blixard_StartVmResponse__Output>
  StopVm: MethodDefinition<_blixard_StopVmRequest, _blixard_StopVmResponse, _blixard_StopVmRequest__Output, _blixard_StopVmResponse__Output>
}
