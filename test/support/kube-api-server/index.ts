// Public entry of the local KubeVirt-compatible API server for tests, benchmarks and the dev
// launcher. Everything else in this folder is internal.
export { startKubeApiServer } from './kube-api-server';
export type { KubeApiServer, KubeApiServerOptions, KubeconfigOptions, MigrationRequest, FaultControls, GroundTruthView } from './kube-api-server';
export { seedCluster, nodeName, type SeedOptions } from './seed';
export { buildKubeconfig, writeKubeconfigFile, type KubeconfigCluster, type KubeconfigContext } from './kubeconfig';
export type { MigrationRecord, PhaseRecord, MigrationOrigin, DeletionCause } from './ground-truth';
export type { ControllerTiming, TimingOverrides, MigrationStepPhase } from './controller-timing';
export type { NodeInit, VmInit, VmiInit, LiveMigratableInit } from './object-factories';
export type { AccessRule, UserSpec } from './access-control';
export type { KubeObject } from './kube-object';
export type { ChangeEvent } from './object-store';
export type { PlatformMigrationResult } from './platform-migrations';
export { KubeApiError } from './status-errors';
