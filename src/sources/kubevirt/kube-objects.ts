// The parts of the Kubernetes and KubeVirt JSON objects this source reads. Everything is
// optional because it arrives from the network: the parsers check every field they use.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generateName?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean }>;
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** The `Status` object the API server answers errors (and watch ERROR events) with. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

export interface KubeCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

type ResourceMap = Record<string, string | number | undefined>;

export interface KubeNode extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: KubeCondition[];
    capacity?: ResourceMap;
    allocatable?: ResourceMap;
    addresses?: Array<{ type?: string; address?: string }>;
  };
}

/** KubeVirt's migrationState, found on the VMI while a migration runs and on the VMIM once it ends. */
export interface KubevirtMigrationState {
  migrationUid?: string;
  sourceNode?: string;
  targetNode?: string;
  targetPod?: string;
  startTimestamp?: string;
  endTimestamp?: string;
  completed?: boolean;
  failed?: boolean;
  abortRequested?: boolean;
  abortStatus?: string;
  failureReason?: string;
  mode?: string;
  /** The effective MigrationConfiguration (bandwidthPerMigration, allowAutoConverge…); read by migration-configuration.ts. */
  migrationConfiguration?: Record<string, unknown>;
  migrationPolicyName?: string;
}

/** A node selector term of a required node affinity (core/v1 NodeSelectorTerm). */
export interface KubeNodeSelectorTerm {
  matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }>;
  matchFields?: Array<{ key?: string; operator?: string; values?: string[] }>;
}

export interface KubeVmi extends KubeObject {
  spec?: {
    /** None, LiveMigrate, LiveMigrateIfPossible, External; absent: the cluster-wide default. */
    evictionStrategy?: string;
    nodeSelector?: Record<string, string>;
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: KubeNodeSelectorTerm[] } } };
    domain?: {
      cpu?: { cores?: number; sockets?: number; threads?: number };
      memory?: { guest?: string };
      resources?: { requests?: ResourceMap; limits?: ResourceMap };
    };
  };
  status?: {
    phase?: string;
    nodeName?: string;
    conditions?: KubeCondition[];
    interfaces?: Array<{ name?: string; ipAddress?: string; ipAddresses?: string[] }>;
    migrationState?: KubevirtMigrationState;
  };
}

export interface KubeVmim extends KubeObject {
  spec?: { vmiName?: string; addedNodeSelector?: Record<string, string> };
  status?: {
    phase?: string;
    phaseTransitionTimestamps?: Array<{ phase?: string; phaseTransitionTimestamp?: string }>;
    migrationState?: KubevirtMigrationState;
    conditions?: KubeCondition[];
  };
}

/** "namespace/name" for namespaced objects, "name" for cluster-scoped ones. */
export function objectKey(obj: KubeObject): string | undefined {
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const namespace = obj.metadata?.namespace;
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
}

/** A Kubernetes RFC 3339 time as epoch ms, or undefined when absent or malformed. */
export function parseKubeTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
