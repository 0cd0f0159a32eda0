// The resources this server serves: what discovery advertises (verbs, short names,
// categories), how each is printed as a Table, and which field selectors it accepts.
// Core types accept a few real field labels; custom resources (KubeVirt's CRDs) accept only
// metadata.name and metadata.namespace, as on a real cluster.
import type { KubeObject } from './kube-object';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
  cell(object: KubeObject, nowMs: number): string | number | boolean | null;
}

export interface ResourceType {
  group: string; // '' for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served generically (status) or by a handler (start/stop live elsewhere). */
  subresources: string[];
  fieldLabels: Record<string, (object: KubeObject) => string>;
  columns: PrinterColumn[];
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Key used in continue tokens and list ordering: etcd orders by namespace then name. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const metadataFieldLabels: ResourceType['fieldLabels'] = {
  'metadata.name': (o) => o.metadata.name ?? '',
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};

function ageColumn(): PrinterColumn {
  return {
    name: 'Age', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0,
    cell: (o) => o.metadata.creationTimestamp ?? null, // rendered by the table printer
  };
}

function conditionStatus(object: KubeObject, type: string): string {
  const conditions: Array<{ type: string; status: string }> = object.status?.conditions ?? [];
  return conditions.find((c) => c.type === type)?.status ?? '';
}

export function nodeStatusText(node: KubeObject): string {
  const ready = conditionStatus(node, 'Ready');
  const parts = [ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',') : '<none>';
}

export const NODES: ResourceType = {
  group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', listKind: 'NodeList',
  namespaced: false, shortNames: ['no'], categories: [], verbs: ALL_VERBS, subresources: ['status'],
  fieldLabels: {
    'metadata.name': (o) => o.metadata.name ?? '',
    'spec.unschedulable': (o) => String(Boolean(o.spec?.unschedulable)),
  },
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name ?? '' },
    { name: 'Status', type: 'string', description: 'The status of the node', priority: 0, cell: (o) => nodeStatusText(o) },
    { name: 'Roles', type: 'string', description: 'The roles of the node', priority: 0, cell: (o) => nodeRoles(o) },
    ageColumn(),
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.', priority: 0, cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', description: 'List of internal IPs for the node.', priority: 1, cell: (o) => (o.status?.addresses ?? []).find((a: { type: string }) => a.type === 'InternalIP')?.address ?? '<none>' },
    { name: 'OS-Image', type: 'string', description: 'OS Image reported by the node.', priority: 1, cell: (o) => o.status?.nodeInfo?.osImage ?? '<unknown>' },
  ],
};

export const NAMESPACES: ResourceType = {
  group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', listKind: 'NamespaceList',
  namespaced: false, shortNames: ['ns'], categories: [], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status'],
  fieldLabels: { 'metadata.name': (o) => o.metadata.name ?? '', 'status.phase': (o) => o.status?.phase ?? '' },
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name ?? '' },
    { name: 'Status', type: 'string', description: 'The status of the namespace', priority: 0, cell: (o) => o.status?.phase ?? '' },
    ageColumn(),
  ],
};

/** Events are listed by `kubectl describe`; this server never records any. */
export const EVENTS: ResourceType = {
  group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', listKind: 'EventList',
  namespaced: true, shortNames: ['ev'], categories: [], verbs: ['get', 'list', 'watch'], subresources: [],
  fieldLabels: { ...metadataFieldLabels, 'involvedObject.name': (o) => (o.involvedObject as { name?: string } | undefined)?.name ?? '', 'involvedObject.namespace': () => '', 'involvedObject.kind': () => '', 'involvedObject.uid': () => '', 'involvedObject.apiVersion': () => '', 'involvedObject.resourceVersion': () => '', 'involvedObject.fieldPath': () => '', reason: () => '', source: () => '', type: () => '' },
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0, cell: (o) => o.metadata.name ?? '' },
  ],
};

export const VIRTUAL_MACHINES: ResourceType = {
  group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', singular: 'virtualmachine', kind: 'VirtualMachine', listKind: 'VirtualMachineList',
  namespaced: true, shortNames: ['vm', 'vms'], categories: ['all'], verbs: ALL_VERBS, subresources: ['status'],
  fieldLabels: metadataFieldLabels,
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name ?? '' },
    ageColumn(),
    { name: 'Status', type: 'string', description: 'Human Readable Status', priority: 0, cell: (o) => o.status?.printableStatus ?? '' },
    { name: 'Ready', type: 'string', description: '', priority: 0, cell: (o) => conditionStatus(o, 'Ready') },
  ],
};

export const VIRTUAL_MACHINE_INSTANCES: ResourceType = {
  group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances', singular: 'virtualmachineinstance', kind: 'VirtualMachineInstance', listKind: 'VirtualMachineInstanceList',
  namespaced: true, shortNames: ['vmi', 'vmis'], categories: ['all'], verbs: ALL_VERBS, subresources: ['status'],
  fieldLabels: metadataFieldLabels,
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name ?? '' },
    ageColumn(),
    { name: 'Phase', type: 'string', description: '', priority: 0, cell: (o) => o.status?.phase ?? '' },
    { name: 'IP', type: 'string', description: '', priority: 0, cell: (o) => o.status?.interfaces?.[0]?.ipAddress ?? '' },
    { name: 'NodeName', type: 'string', description: '', priority: 0, cell: (o) => o.status?.nodeName ?? '' },
    { name: 'Ready', type: 'string', description: '', priority: 0, cell: (o) => conditionStatus(o, 'Ready') },
    { name: 'Live-Migratable', type: 'string', description: '', priority: 1, cell: (o) => conditionStatus(o, 'LiveMigratable') },
    { name: 'Paused', type: 'string', description: '', priority: 1, cell: (o) => conditionStatus(o, 'Paused') },
  ],
};

export const MIGRATIONS: ResourceType = {
  group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstancemigrations', singular: 'virtualmachineinstancemigration', kind: 'VirtualMachineInstanceMigration', listKind: 'VirtualMachineInstanceMigrationList',
  namespaced: true, shortNames: ['vmim', 'vmims'], categories: ['all'], verbs: ALL_VERBS, subresources: ['status'],
  fieldLabels: metadataFieldLabels,
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name ?? '' },
    { name: 'Phase', type: 'string', description: 'The current phase of VM instance migration', priority: 0, cell: (o) => o.status?.phase ?? '' },
    { name: 'VMI', type: 'string', description: 'The name of the VMI to perform the migration on', priority: 0, cell: (o) => o.spec?.vmiName ?? '' },
    ageColumn(),
  ],
};

export const ALL_RESOURCE_TYPES: ResourceType[] = [NODES, NAMESPACES, EVENTS, VIRTUAL_MACHINES, VIRTUAL_MACHINE_INSTANCES, MIGRATIONS];

export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return ALL_RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** The aggregated API virt-api serves for VM actions (start/stop/restart/migrate …). */
export const SUBRESOURCES_GROUP = 'subresources.kubevirt.io';
