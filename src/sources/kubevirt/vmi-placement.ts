// What a VMI tells a migration plan about how it may move: the planner's hints from its labels and
// annotations (placement-hints.ts' keys; KubeVirt copies a VirtualMachine's spec.template.metadata
// onto its VMIs, so hints set there arrive here), pinning by a required hostname selector, and
// whether it may be shut down and started on another node instead of moving live — which is what
// its eviction strategy says a node drain may do to it (KubeVirt's docs/handling-eviction-requests.md).

import type { Vm } from '../../model/cluster';
import { PLACEMENT_KEYS, placementHintsFrom, type VmPlacementHints } from '../../model/placement-hints';
import type { KubeNodeSelectorTerm, KubeVmi } from './kube-objects';
import { HOSTNAME_LABEL } from './vmim-parsing';

const HINT_KEYS: readonly string[] = Object.values(PLACEMENT_KEYS);

/** The planner's hints of a VMI, or undefined when it declares none. Annotations win over labels of the same key. */
export function vmiPlacementHints(vmi: KubeVmi): VmPlacementHints | undefined {
  const metadata: Record<string, string> = {};
  for (const source of [vmi.metadata?.labels, vmi.metadata?.annotations]) {
    if (!source || typeof source !== 'object') continue;
    for (const key of HINT_KEYS) {
      const value = (source as Record<string, unknown>)[key];
      if (typeof value === 'string') metadata[key] = value;
    }
  }
  const { hints } = Object.keys(metadata).length > 0 ? placementHintsFrom(metadata) : { hints: {} as VmPlacementHints };
  const pinnedTo = requiredHostname(vmi);
  if (pinnedTo && hints.pinned === undefined) hints.pinned = `scheduled only on ${pinnedTo} (${pinnedTo === vmi.spec?.nodeSelector?.[HOSTNAME_LABEL] ? 'nodeSelector' : 'required node affinity'} ${HOSTNAME_LABEL})`;
  return Object.keys(hints).length > 0 ? hints : undefined;
}

/**
 * The one node a VMI may run on, when its spec says so: a nodeSelector on kubernetes.io/hostname,
 * or a required node affinity whose every term allows one hostname only (terms are ORed, a term's
 * expressions ANDed). A selector that allows several nodes constrains, it does not pin.
 */
function requiredHostname(vmi: KubeVmi): string | undefined {
  const selected = vmi.spec?.nodeSelector?.[HOSTNAME_LABEL];
  if (typeof selected === 'string' && selected !== '') return selected;
  const terms = vmi.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) return undefined;
  const hosts = new Set<string>();
  for (const term of terms) {
    const host = termHostname(term);
    if (!host) return undefined;
    hosts.add(host);
  }
  return hosts.size === 1 ? [...hosts][0] : undefined;
}

function termHostname(term: KubeNodeSelectorTerm | undefined): string | undefined {
  const single = (key: string, list: KubeNodeSelectorTerm['matchExpressions']) =>
    (Array.isArray(list) ? list : []).find((e) => e?.key === key && e.operator === 'In' && Array.isArray(e.values) && e.values.length === 1)?.values?.[0];
  return single(HOSTNAME_LABEL, term?.matchExpressions) ?? single('metadata.name', term?.matchFields);
}

/**
 * Whether the VM may be stopped and started again elsewhere (a cold move: stop the VirtualMachine,
 * start it once its node is cordoned), by the VMI's eviction strategy — what a drain of its node
 * may do to it. No strategy on the VMI means the KubeVirt CR's cluster-wide default, which this
 * source does not read (vanilla KubeVirt: None; OpenShift Virtualization: LiveMigrate), so it is
 * not assumed.
 */
export function vmiColdMove(vmi: KubeVmi, hasController: boolean, liveMigratable: boolean | undefined): NonNullable<Vm['coldMove']> {
  if (!hasController) return { ok: false, reason: 'no VirtualMachine owns this instance: stopped, it would be gone, not started elsewhere' };
  const strategy = vmi.spec?.evictionStrategy;
  switch (strategy) {
    case 'None':
      return { ok: true, reason: 'evictionStrategy None: the VM may be shut down and started on another node' };
    case 'LiveMigrateIfPossible':
      return liveMigratable === false
        ? { ok: true, reason: 'evictionStrategy LiveMigrateIfPossible, and the VM cannot move live: it may be shut down and started on another node' }
        : { ok: true, reason: 'evictionStrategy LiveMigrateIfPossible: live preferred, a restart on another node allowed' };
    case 'LiveMigrate':
      return { ok: false, reason: 'evictionStrategy LiveMigrate: the VM must move live and is never shut down to move' };
    case 'External':
      return { ok: false, reason: 'evictionStrategy External: an external controller (such as cluster-api-provider-kubevirt) takes the VM down itself' };
    case undefined:
    case '':
      return {
        ok: false,
        reason: 'no evictionStrategy on the VM: the cluster-wide default applies and is not known here; set spec.template.spec.evictionStrategy to None or LiveMigrateIfPossible to allow a restart on another node',
      };
    default:
      return { ok: false, reason: `evictionStrategy ${JSON.stringify(String(strategy)).slice(0, 60)} is not one KubeVirt documents` };
  }
}
