// Builds Nodes, VirtualMachines and VirtualMachineInstances shaped like those of a real
// KubeVirt cluster (labels, conditions, capacity, ownerReferences, finalizers), for seeding
// and for the programmatic API. Field names follow kubevirt.io/api core/v1.
import { createHash } from 'node:crypto';
import type { KubeObject } from './kube-object';
import { formatKubeTime } from './kube-time';

export interface NodeInit {
  name: string;
  /** vCPUs (capacity); allocatable is the same minus one for the system. Default 16. */
  cpu?: number;
  /** Memory capacity, a Kubernetes quantity. Default "64Gi". */
  memory?: string;
  ready?: boolean;
  unschedulable?: boolean;
  labels?: Record<string, string>;
  /** A documentation-range address (192.0.2.0/24), never contacted. */
  internalIp?: string;
}

export interface LiveMigratableInit {
  reason: string;
  message?: string;
}

export interface VmiInit {
  name: string;
  namespace?: string;
  /** The node it runs on (status.nodeName). Required for a Running VMI. */
  node?: string;
  phase?: 'Pending' | 'Scheduling' | 'Scheduled' | 'Running' | 'Succeeded' | 'Failed';
  cpu?: number;
  memory?: string;
  /** true (default), or false / a reason when the LiveMigratable condition is False. */
  liveMigratable?: boolean | LiveMigratableInit;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  evictionStrategy?: 'LiveMigrate' | 'LiveMigrateIfPossible' | 'None' | 'External';
  ip?: string;
  /** Set by addVm: the owning VirtualMachine. */
  owner?: { name: string; uid: string };
}

export interface VmInit extends Omit<VmiInit, 'owner' | 'phase'> {
  /** Whether it runs now (runStrategy Always) or is stopped (Halted). Default true. */
  running?: boolean;
  runStrategy?: 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure' | 'Once';
}

export const DEFAULT_NOT_MIGRATABLE: LiveMigratableInit = {
  reason: 'DisksNotLiveMigratable',
  message: 'cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)',
};

function ipFor(name: string, base: number): string {
  const h = createHash('sha1').update(name).digest();
  return `${base === 2 ? '192.0.2' : '198.51.100'}.${(h[0] % 250) + 2}`;
}

function macFor(name: string): string {
  const h = createHash('sha1').update(name).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export function buildNode(init: NodeInit, nowMs = Date.now()): KubeObject {
  const cpu = init.cpu ?? 16;
  const memory = init.memory ?? '64Gi';
  const now = formatKubeTime(nowMs);
  const ready = init.ready ?? true;
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: init.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': init.name,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/worker': '',
        'kubevirt.io/schedulable': 'true',
        ...init.labels,
      },
      annotations: { 'kubevirt.io/heartbeat': now, 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      capacity: { cpu: String(cpu), memory, pods: '110', 'devices.kubevirt.io/kvm': '1k' },
      allocatable: { cpu: String(Math.max(1, cpu - 1)), memory, pods: '110', 'devices.kubevirt.io/kvm': '1k' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: now, lastTransitionTime: now },
        ready
          ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
          : { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      addresses: [
        { type: 'InternalIP', address: init.internalIp ?? ipFor(init.name, 2) },
        { type: 'Hostname', address: init.name },
      ],
      nodeInfo: {
        architecture: 'amd64', operatingSystem: 'linux', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64',
        containerRuntimeVersion: 'containerd://1.7.13', kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0',
        machineID: createHash('md5').update(init.name).digest('hex'), systemUUID: createHash('md5').update(`uuid-${init.name}`).digest('hex'), bootID: '',
      },
    },
  };
  if (init.unschedulable) markUnschedulable(node, true);
  return node;
}

export function markUnschedulable(node: KubeObject, unschedulable: boolean): void {
  node.spec ??= {};
  const taints: Array<{ key: string }> = (node.spec.taints ?? []).filter((t: { key: string }) => t.key !== 'node.kubernetes.io/unschedulable');
  if (unschedulable) {
    node.spec.unschedulable = true;
    taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: formatKubeTime(Date.now()) } as { key: string });
  } else {
    delete node.spec.unschedulable;
  }
  if (taints.length) node.spec.taints = taints; else delete node.spec.taints;
}

export function setNodeReady(node: KubeObject, ready: boolean, nowMs = Date.now()): void {
  const now = formatKubeTime(nowMs);
  node.status.conditions = node.status.conditions.map((c: { type: string }) => c.type !== 'Ready' ? c : ready
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
    : { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: now, lastTransitionTime: now });
}

export function isNodeReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}

export function liveMigratableCondition(value: boolean | LiveMigratableInit | undefined) {
  if (value === undefined || value === true) {
    return { type: 'LiveMigratable', status: 'True', lastProbeTime: null, lastTransitionTime: null };
  }
  const why = value === false ? DEFAULT_NOT_MIGRATABLE : value;
  return { type: 'LiveMigratable', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: why.reason, message: why.message ?? why.reason };
}

/** The VMI spec a VM template carries and a VMI runs with. */
export function vmiSpec(init: Pick<VmiInit, 'name' | 'cpu' | 'memory' | 'nodeSelector' | 'evictionStrategy'>) {
  const spec: Record<string, unknown> = {
    architecture: 'amd64',
    domain: {
      cpu: { cores: init.cpu ?? 2, sockets: 1, threads: 1, model: 'host-model' },
      memory: { guest: init.memory ?? '2Gi' },
      resources: { requests: { memory: init.memory ?? '2Gi' } },
      machine: { type: 'q35' },
      firmware: { uuid: createHash('md5').update(`fw-${init.name}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') },
      features: { acpi: { enabled: true } },
      devices: {
        disks: [{ name: 'rootdisk', disk: { bus: 'virtio' } }, { name: 'cloudinitdisk', disk: { bus: 'virtio' } }],
        interfaces: [{ name: 'default', masquerade: {} }],
      },
    },
    evictionStrategy: init.evictionStrategy ?? 'LiveMigrate',
    networks: [{ name: 'default', pod: {} }],
    terminationGracePeriodSeconds: 180,
    volumes: [
      { name: 'rootdisk', containerDisk: { image: 'quay.io/containerdisks/fedora:40', imagePullPolicy: 'IfNotPresent' } },
      { name: 'cloudinitdisk', cloudInitNoCloud: { userData: '#cloud-config\n' } },
    ],
  };
  if (init.nodeSelector) spec.nodeSelector = init.nodeSelector;
  return spec;
}

export function buildVmi(init: VmiInit, nowMs = Date.now()): KubeObject {
  const phase = init.phase ?? 'Running';
  const now = formatKubeTime(nowMs);
  const labels: Record<string, string> = { ...init.labels };
  if (init.node && phase !== 'Pending' && phase !== 'Scheduling') labels['kubevirt.io/nodeName'] = init.node;
  if (init.owner) labels['kubevirt.io/vm'] = init.owner.name;
  const phases = ['Pending', 'Scheduling', 'Scheduled', 'Running', 'Succeeded', 'Failed'];
  const reached = phases.slice(0, Math.min(phases.indexOf(phase), 3) + 1);
  if (phase === 'Succeeded' || phase === 'Failed') reached.push(phase);
  const vmi: KubeObject = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: {
      name: init.name,
      namespace: init.namespace ?? 'default',
      labels,
      annotations: {
        'kubevirt.io/latest-observed-api-version': 'v1',
        'kubevirt.io/storage-observed-api-version': 'v1',
        'kubevirt.io/vm-generation': '1',
        ...init.annotations,
      },
      finalizers: init.owner ? ['kubevirt.io/virtualMachineControllerFinalize', 'kubevirt.io/foregroundDeleteVirtualMachine'] : ['kubevirt.io/foregroundDeleteVirtualMachine'],
    },
    spec: vmiSpec(init),
    status: {
      phase,
      phaseTransitionTimestamps: reached.map((p) => ({ phase: p, phaseTransitionTimestamp: now })),
      conditions: [],
      guestOSInfo: {},
      migrationMethod: 'BlockMigration',
      migrationTransport: 'Unix',
      qosClass: 'Burstable',
      runtimeUser: 107,
      selinuxContext: 'none',
      launcherContainerImageVersion: 'quay.io/kubevirt/virt-launcher:v1.5.0',
    },
  };
  if (init.owner) {
    vmi.metadata.ownerReferences = [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: init.owner.name, uid: init.owner.uid, controller: true, blockOwnerDeletion: true }];
  }
  if (init.liveMigratable === undefined || init.liveMigratable === true) vmi.status.migrationMethod = 'LiveMigration';
  if (phase === 'Running' || phase === 'Scheduled') {
    vmi.status.nodeName = init.node;
    const ip = init.ip ?? ipFor(`${init.namespace ?? 'default'}/${init.name}`, 3);
    vmi.status.activePods = { [createHash('md5').update(`pod-${init.name}-${init.node}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')]: init.node };
    if (phase === 'Running') {
      vmi.status.interfaces = [{ name: 'default', interfaceName: 'eth0', infoSource: 'domain, guest-agent', ipAddress: ip, ipAddresses: [ip], mac: macFor(init.name), queueCount: 1, linkState: 'up' }];
      vmi.status.conditions = [
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: now },
        liveMigratableCondition(init.liveMigratable),
        { type: 'StorageLiveMigratable', status: 'True', lastProbeTime: null, lastTransitionTime: null },
      ];
      vmi.status.currentCPUTopology = { cores: init.cpu ?? 2, sockets: 1, threads: 1 };
      vmi.status.memory = { guestAtBoot: init.memory ?? '2Gi', guestCurrent: init.memory ?? '2Gi', guestRequested: init.memory ?? '2Gi' };
    }
  }
  return vmi;
}

export function buildVm(init: VmInit, nowMs = Date.now()): KubeObject {
  const runStrategy = init.runStrategy ?? ((init.running ?? true) ? 'Always' : 'Halted');
  void nowMs;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: init.name,
      namespace: init.namespace ?? 'default',
      labels: { ...init.labels },
      annotations: { 'kubevirt.io/latest-observed-api-version': 'v1', 'kubevirt.io/storage-observed-api-version': 'v1', ...init.annotations },
      finalizers: ['kubevirt.io/virtualMachineControllerFinalize'],
    },
    spec: {
      runStrategy,
      template: {
        metadata: { labels: { 'kubevirt.io/vm': init.name, ...init.labels } },
        spec: vmiSpec(init),
      },
    },
    status: { printableStatus: 'Stopped', runStrategy, desiredGeneration: 1, observedGeneration: 1, volumeSnapshotStatuses: [] },
  };
}
