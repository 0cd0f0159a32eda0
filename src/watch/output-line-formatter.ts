// The lines that both the extension's "Blixard Migrations" output channel and the CLI's `watch`
// print: one per phase transition, one per end that came without one, one when a cluster's
// migration stream goes down, changes reason or comes back. Pure: same event (and clock) in,
// same line out. Short enough for 100 columns; a long failure reason goes last.
//
//   prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  Scheduled → PreparingTarget  node-a → node-b  +3.4s
//   local-dev  vm-3  3f2a9c1e  Transferring → Failed  node-1 → node-2  +41s  target unreachable
//   local-dev  vm-5  0b1c2d3e  Preparing → Cancelled  node-2 → node-3  +1m 01s  Deleted before it finished
//   prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  → Running  node-a → node-b  +12s  (at 10:15:02 on the cluster)
//   local-dev  migration stream down  Cannot reach Blixard cluster "local-dev" at 127.0.0.1:7001: connection refused.
//   local-dev  migration stream back after 42s (failed 12 more times)
//
// One timestamp per line: the output channel stamps each line itself, so these carry none; the
// CLI has no such channel and asks for `stamp` (ISO-8601 UTC of when the line was printed, so
// lines from servers in different zones sort together). The cluster's own time of a phase is
// added only where it lies more than a few seconds from now — a phase replayed after a reconnect
// or a restart — and then says so.

import { isFinal, type Migration } from '../model/migration';
import { downtimeText, formatClockTime, formatDuration, phaseWord, stateTitle, stateWord } from '../model/vocabulary';
// Names come from clusters: a newline or escape sequence in one must not forge or break a line.
import { flattenControlCharacters } from '../base/text';
import type { MigrationEndEvent, MigrationTransitionEvent } from './migration-watcher';
import type { StreamOutageEvent } from './stream-outages';

export interface OutputLineOptions {
  /** Turns a cluster id into the name a person knows it by (default: the id itself). */
  clusterLabel?: (clusterId: string) => string | undefined;
  /** Start each line with the ISO-8601 UTC time it is printed at (the CLI; the output channel stamps lines itself). */
  stamp?: boolean;
  /** The clock (tests). */
  now?: () => number;
  /** A phase time further than this from now is printed as the cluster's time. Default 5 s. */
  clusterTimeToleranceMs?: number;
}

const SEPARATOR = '  ';
const DEFAULT_CLUSTER_TIME_TOLERANCE_MS = 5_000;

export class OutputLineFormatter {
  constructor(private readonly options: OutputLineOptions = {}) {}

  /** The line for one transition. */
  formatTransition(event: MigrationTransitionEvent): string {
    const { migration: m, transition, previousPhase } = event;
    const final = transition.phase === m.phase && isFinal(m.state);
    // The final phase reads as the outcome (a cancelled KubeVirt migration ends in phase "Failed").
    const shown = phaseWord(transition.phase, m.state, final);
    const phases = previousPhase ? `${flattenControlCharacters(previousPhase)} → ${flattenControlCharacters(shown)}` : `→ ${flattenControlCharacters(shown)}`;
    const parts = [...this.who(m), phases, nodes(m), `+${formatDuration(transition.at - m.createdAt)}`, ...this.clusterTime(transition.at)];
    // The final transition carries the outcome, so a failure is read on the line that reports it.
    if (final) parts.push(...outcome(m, shown));
    return this.line(parts);
  }

  /**
   * The line for an end that came without a final transition: a delete before the migration
   * finished, or a migration missing after a reconnect. Undefined when the transition's line
   * already said it.
   */
  formatEnd(event: MigrationEndEvent): string | undefined {
    if (event.viaTransition) return undefined;
    const m = event.migration;
    const at = m.endedAt ?? this.now();
    const parts = [...this.who(m), `${flattenControlCharacters(m.phase)} → ${stateTitle(m.state)}`, nodes(m), `+${formatDuration(at - m.createdAt)}`, ...this.clusterTime(at)];
    if (m.failureReason) parts.push(flattenControlCharacters(m.failureReason));
    return this.line(parts);
  }

  /** The line for a change in a cluster's stream outage; undefined when there is nothing to say. */
  formatOutage(event: StreamOutageEvent): string | undefined {
    switch (event.type) {
      case 'down':
        return this.line([this.cluster(event.outage.sourceId), 'migration stream down', flattenControlCharacters(event.outage.reason)]);
      case 'reason':
        return this.line([this.cluster(event.outage.sourceId), `migration stream still down${failedMore(event.repeats)}`, `now: ${flattenControlCharacters(event.outage.reason)}`]);
      case 'back':
        return this.line([this.cluster(event.sourceId), `migration stream back after ${formatDuration(event.downForMs)}${failedMore(event.repeats)}`]);
      case 'gone':
        return undefined;
    }
  }

  /** A cluster that answers but cannot stream its migrations (said once per limitation). */
  formatLimitation(clusterId: string, limitation: string): string {
    return this.line([this.cluster(clusterId), `reachable, but ${flattenControlCharacters(limitation)}`]);
  }

  /** A cluster's stream connected (the CLI says so once per cluster, so a script knows it is watching). */
  formatConnected(clusterId: string, endpoint: string | undefined): string {
    return this.line([this.cluster(clusterId), endpoint ? `connected to ${flattenControlCharacters(endpoint)}` : 'connected']);
  }

  private line(parts: string[]): string {
    return (this.options.stamp ? [isoTime(this.now()), ...parts] : parts).join(SEPARATOR);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private cluster(clusterId: string): string {
    return flattenControlCharacters(this.options.clusterLabel?.(clusterId) ?? clusterId);
  }

  private who(m: Migration): string[] {
    const vm = m.namespace ? `${m.namespace}/${m.vm}` : m.vm;
    return [this.cluster(m.cluster), flattenControlCharacters(vm), flattenControlCharacters(migrationReference(m))];
  }

  /** The cluster's time of an event, only where it differs from now enough to matter (a replay). */
  private clusterTime(at: number): string[] {
    const tolerance = this.options.clusterTimeToleranceMs ?? DEFAULT_CLUSTER_TIME_TOLERANCE_MS;
    if (!Number.isFinite(at) || Math.abs(this.now() - at) <= tolerance) return [];
    return [`(at ${formatClockTime(at, Math.abs(this.now() - at) >= 86_400_000)} on the cluster)`];
  }
}

/**
 * How a line names the migration. A Blixard migration's name is its daemon's UUID: its first
 * eight characters identify it as well as the 36 do (`blixard-migrations history --id` takes
 * the full id, which the history shows). A KubeVirt VMIM's name is what kubectl knows it by: kept.
 */
export function migrationReference(m: Pick<Migration, 'id' | 'name'>): string {
  const name = m.name || m.id.split('/').pop() || m.id;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name) ? name.slice(0, 8) : name;
}

function failedMore(repeats: number): string {
  return repeats > 0 ? ` (failed ${repeats} more time${repeats === 1 ? '' : 's'})` : '';
}

function nodes(m: Migration): string {
  return `${flattenControlCharacters(m.sourceNode ?? '?')} → ${flattenControlCharacters(m.targetNode ?? '?')}`;
}

/** The outcome word (left out where the final phase already says it: "→ Failed") and the reason. */
function outcome(m: Migration, finalPhase: string): string[] {
  const word = stateWord(m.state);
  const said = finalPhase.toLowerCase() === word || (m.state === 'succeeded' && /^(succeeded|completed)$/i.test(finalPhase));
  const reason = m.state !== 'succeeded' && m.failureReason ? flattenControlCharacters(m.failureReason) : undefined;
  const downtime = downtimeText(m.downtimeMs);
  if (said) return reason ? [reason] : downtime ? [downtime] : [];
  return [reason ? `${word}: ${reason}` : word, ...(downtime ? [downtime] : [])];
}

function isoTime(at: number): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '????-??-??T??:??:??.???Z' : d.toISOString();
}

/**
 * "4.2s", "2m05s", "1h02m": the history table's duration format.
 * @deprecated use formatDuration from model/vocabulary (kept until the last caller moves).
 */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

