// How clusters, nodes and VMs look in the tree — label, description, icon, colour, context
// value, tooltip — as plain data. Kept free of `vscode` so the wording is unit-tested; the
// tree provider turns it into TreeItems.

import type { ClusterNode, Resources, Vm, VmState } from '../../../model/cluster';
import type { ClusterKindTraits } from '../../../model/cluster-kind';
import type { ClusterLoadState } from './cluster-view-model';
import { formatClockTime, formatMemoryMb, vmStateText } from '../../../model/vocabulary';
import { scrubSecrets } from '../../../base/secret-registry';
import { flattenControlCharacters } from '../../../base/text';

export interface ItemLook {
  label: string;
  description?: string;
  /** Codicon id. */
  icon: string;
  /** Theme colour id for the icon. */
  color?: string;
  contextValue: string;
}

/** Memory as everywhere else (src/model/vocabulary.ts): "2 GiB", "512 MiB". */
export const formatMemory = formatMemoryMb;

function trimNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, '');
}

/** "6/16 vCPU · 12/32 GiB", or the capacity alone when usage is unknown. */
export function formatResources(used: Resources | undefined, capacity: Resources | undefined): string | undefined {
  if (!capacity) return undefined;
  const cpu = used ? `${used.vcpus}/${capacity.vcpus} vCPU` : `${capacity.vcpus} vCPU`;
  const usedGiB = used ? trimNumber(used.memoryMb / 1024) : undefined;
  const mem = usedGiB !== undefined ? `${usedGiB}/${formatMemory(capacity.memoryMb)}` : formatMemory(capacity.memoryMb);
  return `${cpu} · ${mem}`;
}

export interface ClusterFacts {
  label: string;
  /** The cluster's kind: its word and icon in the row, its name in the context value the menus key on. */
  traits: Pick<ClusterKindTraits, 'kind' | 'label' | 'icon'>;
  /** Started by this window (a local dev cluster). */
  local: boolean;
  state: ClusterLoadState;
  nodeCount?: number;
  warnings: readonly string[];
  /** Labels of the other configured clusters that reach this same cluster (another context of one API server). */
  sameClusterAs?: readonly string[];
}

/** "same cluster as a, b": said on each of several contexts of one cluster, whose migrations count once. */
export function sameClusterNote(labels: readonly string[] | undefined): string | undefined {
  return labels && labels.length > 0 ? `same cluster as ${labels.join(', ')}` : undefined;
}

export function clusterLook(c: ClusterFacts): ItemLook {
  const same = sameClusterNote(c.sameClusterAs);
  const kindWord = `${c.traits.label}${c.local ? ' · local' : ''}${same ? ` · ${same}` : ''}`;
  const icon = c.traits.icon;
  switch (c.state.state) {
    case 'error':
      return { label: c.label, description: `unreachable · ${firstLine(c.state.reason)}`, icon: 'error', color: 'errorForeground', contextValue: 'cluster.error' };
    case 'loading':
      return { label: c.label, description: `${kindWord} · loading…`, icon, contextValue: clusterContext(c) };
    case 'ready':
      return {
        label: c.label,
        description: `${kindWord} · ${c.nodeCount ?? 0} node${c.nodeCount === 1 ? '' : 's'}${c.warnings.length ? ' · insecure' : ''}`,
        icon: c.warnings.length ? 'unlock' : icon,
        color: c.warnings.length ? 'list.warningForeground' : undefined,
        contextValue: clusterContext(c),
      };
    default:
      return { label: c.label, description: kindWord, icon, contextValue: clusterContext(c) };
  }
}

/** `cluster.<kind>`, and `cluster.<kind>.dev` for a local dev cluster (package.json's menus key on these). */
function clusterContext(c: ClusterFacts): string {
  return `cluster.${c.traits.kind}${c.local ? '.dev' : ''}`;
}

/**
 * Context values of node rows, which the menus key on: `node` where the kind cannot put nodes into
 * maintenance, else `node.schedulable` (Enter Maintenance Mode) or `node.maintenance` (Exit).
 */
export function nodeContextValue(node: Pick<ClusterNode, 'schedulable'>, traits?: Pick<ClusterKindTraits, 'maintenance'>): string {
  if (!traits?.maintenance) return 'node';
  return node.schedulable ? 'node.schedulable' : 'node.maintenance';
}

/** "maintenance · since 10:02:15" (the date too when not today), "cordoned"; the kind's word, or "unschedulable". */
export function maintenanceText(node: Pick<ClusterNode, 'schedulable' | 'maintenance'>, traits?: Pick<ClusterKindTraits, 'maintenance'>, now = Date.now()): string | undefined {
  if (node.schedulable) return undefined;
  const word = traits?.maintenance?.state ?? 'unschedulable';
  const since = node.maintenance?.since ? Date.parse(node.maintenance.since) : NaN;
  if (!Number.isFinite(since)) return word;
  return `${word} · since ${formatClockTime(since, new Date(since).toDateString() !== new Date(now).toDateString())}`;
}

/** `traits`: the node's cluster's, for what the kind calls an unschedulable node and whether it can change that. */
export function nodeLook(node: ClusterNode, traits?: Pick<ClusterKindTraits, 'maintenance'>, now = Date.now()): ItemLook {
  const parts: string[] = [];
  let color: string | undefined = 'charts.green';
  switch (node.status) {
    case 'leader':
      parts.push('★ leader');
      break;
    case 'follower':
      break;
    case 'candidate':
      parts.push('candidate');
      color = 'charts.yellow';
      break;
    case 'ready':
      parts.push('Ready');
      break;
    case 'not-ready':
      parts.push('NotReady');
      color = 'errorForeground';
      break;
    default:
      parts.push('unknown');
      color = 'disabledForeground';
  }
  const maintenance = maintenanceText(node, traits, now);
  if (maintenance) {
    parts.push(maintenance);
    if (color === 'charts.green') color = 'list.warningForeground';
  }
  const resources = formatResources(node.used, node.capacity);
  if (resources) parts.push(resources);
  // A wrench where the node takes no new VMs: told apart from a healthy one without reading.
  return { label: node.name, description: parts.join(' · ') || undefined, icon: maintenance ? 'tools' : 'server', color, contextValue: nodeContextValue(node, traits) };
}

/** Markdown for a node's hover: its state, whether it takes VMs (since when, why), its address and load. */
export function nodeTooltip(node: ClusterNode, traits?: Pick<ClusterKindTraits, 'maintenance'>, now = Date.now()): string {
  const rows: [string, string][] = [['Status', node.status]];
  if (node.schedulable) {
    rows.push(['New VMs', 'accepted']);
  } else {
    const word = traits?.maintenance?.state ?? 'unschedulable';
    const since = node.maintenance?.since ? Date.parse(node.maintenance.since) : NaN;
    rows.push(['New VMs', `not accepted (${word})`]);
    if (Number.isFinite(since)) rows.push(['Since', formatClockTime(since, new Date(since).toDateString() !== new Date(now).toDateString())]);
    if (node.maintenance?.reason) rows.push(['Reason', flattenControlCharacters(scrubSecrets(node.maintenance.reason))]);
  }
  if (node.address) rows.push(['Address', node.address]);
  if (node.runningVms !== undefined) rows.push(['Running VMs', String(node.runningVms)]);
  const resources = formatResources(node.used, node.capacity);
  if (resources) rows.push(['Resources', resources]);
  return [`**${escapeMarkdown(node.name)}**`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${escapeMarkdown(v)} |`)].join('\n');
}

const STATE_ICONS: Record<VmState, { icon: string; color?: string }> = {
  running: { icon: 'vm-running', color: 'charts.green' },
  stopped: { icon: 'vm-outline', color: 'disabledForeground' },
  created: { icon: 'vm-outline' },
  starting: { icon: 'loading~spin', color: 'charts.yellow' },
  stopping: { icon: 'loading~spin', color: 'charts.yellow' },
  pending: { icon: 'clock', color: 'charts.yellow' },
  failed: { icon: 'error', color: 'errorForeground' },
  unknown: { icon: 'question', color: 'disabledForeground' },
};

/**
 * Context values the menus key on: `vm.running`, `vm.stopped`, `vm.migrating`, else `vm.busy`;
 * a running or migrating VM of a kind with consoles (`traits.console`) adds `.console`.
 */
export function vmContextValue(vm: Vm, withConsole = false): string {
  const console = withConsole ? '.console' : '';
  if (vm.migration) return `vm.migrating${console}`;
  switch (vm.state) {
    case 'running':
      return `vm.running${console}`;
    case 'stopped':
    case 'created':
    case 'failed':
      return 'vm.stopped';
    default:
      return 'vm.busy';
  }
}

/** @param targetName the migration target's display name, when one is known */
/** @param withConsole the VM's kind has consoles (traits.console) */
export function vmLook(vm: Vm, targetName?: string, withConsole = false): ItemLook {
  const parts: string[] = [];
  if (vm.migration) {
    parts.push(`→ ${targetName ?? vm.migration.targetNodeId ?? 'any node'}`);
    parts.push(vm.migration.phase);
  } else {
    parts.push(vmStateText(vm));
    // Why it failed, where the operator looks first; the tooltip has all of it.
    const reason = vmStateReason(vm);
    if (reason) parts.push(firstLine(reason));
  }
  if (vm.namespace) parts.push(vm.namespace);
  if (vm.liveMigratable && !vm.liveMigratable.ok) parts.push(`not live-migratable: ${vm.liveMigratable.reason ?? 'unknown reason'}`);
  const look = vm.migration ? { icon: 'sync~spin', color: 'charts.blue' } : STATE_ICONS[vm.state] ?? STATE_ICONS.unknown;
  return { label: vm.name, description: parts.join(' · '), icon: look.icon, color: look.color, contextValue: vmContextValue(vm, withConsole) };
}

/** Markdown for a VM's hover: what an operator checks before moving it. `traits`: the VM's cluster's. */
export function vmTooltip(traits: Pick<ClusterKindTraits, 'uncontrolledVm'>, vm: Vm, nodeName: string | undefined, targetName?: string): string {
  const rows: [string, string][] = [];
  rows.push(['State', vmStateText(vm)]);
  const reason = vmStateReason(vm);
  if (reason) rows.push([vm.state === 'failed' ? 'Reason' : 'Message', flattenControlCharacters(reason)]);
  if (vm.namespace) rows.push(['Namespace', vm.namespace]);
  if (nodeName) rows.push(['Node', nodeName]);
  if (vm.vcpus !== undefined) rows.push(['vCPU', String(vm.vcpus)]);
  if (vm.memoryMb !== undefined) rows.push(['Memory', formatMemory(vm.memoryMb)]);
  rows.push(['IP', vm.ipAddress || '—']);
  if (vm.liveMigratable) {
    rows.push(['Live-migratable', vm.liveMigratable.ok ? 'yes' : `no — ${vm.liveMigratable.reason ?? 'unknown'}${vm.liveMigratable.message ? `: ${vm.liveMigratable.message}` : ''}`]);
  }
  if (traits.uncontrolledVm && vm.hasController === false) rows.push(['Start/stop', `not available: ${traits.uncontrolledVm}`]);
  // What a migration plan will read from the VM: its hints, and why it may not be stopped to move.
  const hints = placementText(vm.placement);
  if (hints) rows.push(['Plan hints', hints]);
  if (vm.coldMove && !vm.coldMove.ok) rows.push(['Cold move', `not allowed${vm.coldMove.reason ? ` — ${vm.coldMove.reason}` : ''}`]);
  if (vm.migration) rows.push(['Migrating', `to ${targetName ?? vm.migration.targetNodeId ?? 'a node the scheduler picks'} (${vm.migration.phase})`]);
  const lines = [`**${escapeMarkdown(vm.name)}**`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${escapeMarkdown(v)} |`)];
  return lines.join('\n');
}

/** "priority 5 · after default/web · pinned: licence", or undefined when the VM declares none. */
export function placementText(hints: Vm['placement']): string | undefined {
  if (!hints) return undefined;
  const parts: string[] = [];
  if (hints.priority !== undefined) parts.push(`priority ${hints.priority}`);
  if (hints.after?.length) parts.push(`after ${hints.after.join(', ')}`);
  if (hints.before?.length) parts.push(`before ${hints.before.join(', ')}`);
  if (hints.pinned) parts.push(hints.pinned === 'pinned' ? 'pinned' : `pinned: ${flattenControlCharacters(hints.pinned)}`);
  return parts.length ? parts.join(' · ') : undefined;
}

export function clusterTooltip(label: string, details: readonly string[], warnings: readonly string[], state: ClusterLoadState): string {
  const lines = [`**${escapeMarkdown(label)}**`, ''];
  for (const d of details) lines.push(`- ${escapeMarkdown(d)}`);
  if (state.state === 'error') lines.push('', `$(error) ${escapeMarkdown(state.reason)}`);
  for (const w of warnings) lines.push('', `$(warning) ${escapeMarkdown(w)}`);
  return lines.join('\n');
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, (c) => `\\${c}`);
}

/**
 * The cluster's word on the VM's state (Vm.stateMessage), fit to show: credentials scrubbed from
 * the whole text first (so shortening cannot cut a secret out of its shape), line breaks kept for
 * firstLine(); callers flatten what they show. Undefined when the cluster said nothing.
 */
export function vmStateReason(vm: Pick<Vm, 'stateMessage'>): string | undefined {
  const text = vm.stateMessage?.trim();
  return text ? scrubSecrets(text) : undefined;
}

function firstLine(text: string): string {
  // Control characters other than the line break become spaces: a row shows one line.
  const line = flattenControlCharacters(text.split(/\r?\n/)[0]).trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
