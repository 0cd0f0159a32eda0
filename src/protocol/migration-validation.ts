// The dialog's validation rules, with the Blixard TUI's messages. Pure and free of `vscode`:
// the webview runs them on every change, the host runs them again against fresh cluster data
// before it calls ClusterSource.migrate.

import type { MigrationDialogTraits } from '../model/cluster-kind';
import type { InFlightView, NodeView, VmView } from './migration-dialog';

export type { ValidationField, ValidationIssue } from './validation-issue';
import type { ValidationField, ValidationIssue } from './validation-issue';

export interface MigrationChoice {
  /** null = let the cluster choose ("Any node", where the kind has `anyNode`). */
  targetNodeId: string | null;
  live: boolean;
  force: boolean;
}

export interface ValidationContext {
  /** The kind's rules: may the cluster choose the node, is live a choice, does force exist. */
  traits: Pick<MigrationDialogTraits, 'label' | 'anyNode' | 'live' | 'force'>;
  vm: VmView | undefined;
  nodes: readonly NodeView[];
  /** A migration of this VM already under way, if any. */
  inFlight?: InFlightView;
}

export const MESSAGES = {
  sameNode: 'Target node must be different from source node',
  nodeNotFound: (id: string) => `Node ${id} not found in cluster`,
  notRunning: 'VM must be running for live migration',
  targetRequired: 'Choose a target node',
  vmMissing: 'The VM is no longer in this cluster',
  inFlight: (name: string, phase: string) => `A migration of this VM is already in flight: ${name} (${phase})`,
  notReady: (name: string) => `Node ${name} is not ready`,
  unschedulable: (name: string) => `Node ${name} is unschedulable (cordoned)`,
  alwaysLive: (kindLabel: string) => `${kindLabel} migrations are always live`,
  forceNotSupported: (kindLabel: string) => `Force is not available on ${kindLabel} clusters`,
} as const;

/** What the VM needs on a target, for the capacity check. */
function demand(vm: VmView): { vcpus: number; memoryMb: number } {
  return { vcpus: vm.vcpus ?? 0, memoryMb: vm.memoryMb ?? 0 };
}

/** The shortfall text when `node` cannot hold `vm`, or undefined when it can (or capacity is unknown). */
export function capacityShortfall(vm: VmView, node: NodeView): string | undefined {
  const need = demand(vm);
  const short: string[] = [];
  if (node.freeVcpus !== undefined && need.vcpus > node.freeVcpus) short.push(`${need.vcpus} vCPU needed, ${Math.max(0, node.freeVcpus)} free`);
  if (node.freeMemoryMb !== undefined && need.memoryMb > node.freeMemoryMb) {
    short.push(`${need.memoryMb} MB memory needed, ${Math.max(0, node.freeMemoryMb)} MB free`);
  }
  return short.length ? `Insufficient capacity on ${node.name}: ${short.join('; ')}` : undefined;
}

/**
 * Why a node cannot take the VM (shown next to it in the list and dropdown), or undefined when it can.
 * `force` waives the capacity check only, and only where the kind has force.
 */
export function nodeUnsuitability(ctx: ValidationContext, node: NodeView, force = false): string | undefined {
  if (ctx.vm && node.id === ctx.vm.nodeId) return 'current node';
  if (node.status === 'not-ready') return 'not ready';
  if (!node.schedulable) return 'unschedulable';
  if (ctx.vm) {
    const shortfall = capacityShortfall(ctx.vm, node);
    if (shortfall && !(force && ctx.traits.force)) return 'not enough free capacity';
  }
  return undefined;
}

export function validateMigration(ctx: ValidationContext, choice: MigrationChoice): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const error = (field: ValidationField, code: ValidationIssue['code'], message: string) => issues.push({ field, severity: 'error', code, message });
  const vm = ctx.vm;
  if (!vm) {
    error('vm', 'vm-missing', MESSAGES.vmMissing);
    return issues;
  }
  if (ctx.inFlight) error('vm', 'in-flight', MESSAGES.inFlight(ctx.inFlight.name, ctx.inFlight.phase));

  // Target field.
  if (choice.targetNodeId === null) {
    if (!ctx.traits.anyNode) error('target', 'target-required', MESSAGES.targetRequired);
  } else {
    const node = ctx.nodes.find((n) => n.id === choice.targetNodeId);
    if (!node) {
      error('target', 'node-not-found', MESSAGES.nodeNotFound(choice.targetNodeId));
    } else if (node.id === vm.nodeId) {
      error('target', 'same-node', MESSAGES.sameNode);
    } else if (node.status === 'not-ready') {
      error('target', 'node-not-ready', MESSAGES.notReady(node.name));
    } else if (!node.schedulable) {
      error('target', 'node-unschedulable', MESSAGES.unschedulable(node.name));
    } else {
      const shortfall = capacityShortfall(vm, node);
      if (shortfall && choice.force && ctx.traits.force) {
        issues.push({ field: 'force', severity: 'warning', code: 'capacity-overridden', message: `${shortfall} — overridden by Force` });
      } else if (shortfall) {
        error('target', 'insufficient-capacity', ctx.traits.force ? `${shortfall} (Force overrides this check)` : shortfall);
      }
    }
  }

  // Live toggle.
  const alwaysLive = ctx.traits.live === 'always';
  if (alwaysLive && !choice.live) error('live', 'always-live', MESSAGES.alwaysLive(ctx.traits.label));
  if (choice.live || alwaysLive) {
    if (vm.state !== 'running') {
      error('live', 'not-running', MESSAGES.notRunning);
    } else if (vm.liveMigratable && !vm.liveMigratable.ok) {
      error('live', 'not-live-migratable', liveMigratableMessage(vm.liveMigratable));
    }
  }

  if (choice.force && !ctx.traits.force) error('force', 'force-not-supported', MESSAGES.forceNotSupported(ctx.traits.label));
  return issues;
}

/** "VM is not live-migratable: DisksNotLiveMigratable — cannot migrate VMI: PVC … is not shared". */
export function liveMigratableMessage(condition: { reason?: string; message?: string }): string {
  const detail = [condition.reason, condition.message].filter((s) => s && s.trim()).join(' — ');
  return detail ? `VM is not live-migratable: ${detail}` : 'VM is not live-migratable';
}

/** Why the live toggle is disabled, or undefined when the user may change it. The seed's words. */
export function liveToggleLockReason(traits: Pick<MigrationDialogTraits, 'label' | 'live'>, vm: VmView | undefined): string | undefined {
  if (traits.live === 'always') return MESSAGES.alwaysLive(traits.label);
  if (!vm || vm.state !== 'running') return MESSAGES.notRunning;
  return undefined;
}

/**
 * Whether the form migrates live. A locked toggle holds what its lock says, whatever was chosen
 * before it locked: a disabled control must never keep a value that blocks the form (a VM that
 * stops while "Live" is ticked moves the form to cold; the user cannot untick a disabled box).
 * `wanted` is the user's own choice, undefined until they make one (live by default when possible).
 */
export function liveChoice(traits: Pick<MigrationDialogTraits, 'live'>, vm: VmView | undefined, wanted: boolean | undefined): boolean {
  if (traits.live === 'always') return true;
  if (!vm || vm.state !== 'running') return false;
  return wanted ?? true;
}

export function hasErrors(issues: readonly ValidationIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
