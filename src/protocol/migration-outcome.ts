// The one sentence the dialog says under a finished migration ("vm-3 now runs on node-1 (id 1).",
// "vm-4 is now on node-2 (id 2), stopped.").
// Pure and free of `vscode`: the webview renders it, tests pin its wording. Words come from the
// one vocabulary (src/model/vocabulary.ts).

import type { VmState } from '../model/cluster';
import type { MigrationMode, MigrationState } from '../model/migration';
import { stateTitle, vmStateWord } from '../model/vocabulary';

export interface OutcomeFacts {
  vmName: string;
  state: MigrationState;
  mode: MigrationMode;
  failureReason?: string;
  /** The source node as the dialog names it (nodeTitle). */
  from: string;
  /** The target node as the dialog names it, when known. */
  to?: string;
  /** The VM's state as the cluster last listed it: a cold move of a stopped VM leaves it stopped. */
  vmState?: VmState;
}

/** A cluster's reason as a sentence: trimmed ("Live migration aborted " has a trailing space), one full stop. */
function asSentence(reason: string): string {
  const text = reason.trim().replace(/\s+/g, ' ');
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A reason that only says again that it was cancelled ("cancelled by request", KubeVirt's "Live migration aborted"). */
export function reasonRepeatsCancel(reason: string | undefined): boolean {
  if (!reason) return true;
  const text = reason.trim().toLowerCase().replace(/[.!\s]+$/, '');
  return /^(the )?(live )?(migration )?((was|has been) )?(cancell?ed|aborted)( by (the )?(request|user|operator))?$/.test(text);
}

/** What became of the migration, said once, with where the VM is now. Undefined while it runs. */
export function outcomeSentence(facts: OutcomeFacts): string | undefined {
  const { vmName, state, failureReason } = facts;
  switch (state) {
    case 'succeeded': {
      const to = facts.to ?? 'its new node';
      // "Now runs" only of a VM that runs: a cold move of a stopped VM leaves it stopped where it lands.
      if (facts.mode !== 'cold' || facts.vmState === 'running') return `${vmName} now runs on ${to}.`;
      if (facts.vmState === undefined) return `${vmName} is now on ${to}.`;
      return `${vmName} is now on ${to}, ${vmStateWord(facts.vmState)}.`;
    }
    case 'failed':
      return `${stateTitle('failed')}: ${failureReason?.trim() ? asSentence(failureReason) : 'the cluster gave no reason.'}`;
    case 'cancelled':
      return reasonRepeatsCancel(failureReason)
        ? `${stateTitle('cancelled')}. ${vmName} stays on ${facts.from}.`
        : `${stateTitle('cancelled')}: ${asSentence(failureReason!)} ${vmName} stays on ${facts.from}.`;
    default:
      return undefined;
  }
}
