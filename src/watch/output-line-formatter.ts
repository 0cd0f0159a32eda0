// The one line per transition that both the extension's "Blixard Migrations" output channel and
// the CLI print. Pure: same event in, same line out.
//
//   2025-03-01T10:15:02.120Z  prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  Scheduled → PreparingTarget  node-a → node-b  +3.4s
//   2025-03-01T10:15:40.010Z  prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  Running → Failed  node-a → node-b  +41.3s  failed: target unreachable

import { isFinal, type Migration } from '../model/migration';
import type { MigrationEndEvent, MigrationTransitionEvent } from './migration-watcher';

export interface OutputLineOptions {
  /** Turns a cluster id into the name a person knows it by (default: the id itself). */
  clusterLabel?: (clusterId: string) => string | undefined;
  /** 'utc' (default): ISO-8601 with milliseconds; 'local': local wall-clock time with milliseconds. */
  timeZone?: 'utc' | 'local';
}

const SEPARATOR = '  ';

export class OutputLineFormatter {
  constructor(private readonly options: OutputLineOptions = {}) {}

  /** The line for one transition. */
  formatTransition(event: MigrationTransitionEvent): string {
    const { migration: m, transition, previousPhase } = event;
    const phases = previousPhase ? `${clean(previousPhase)} → ${clean(transition.phase)}` : `→ ${clean(transition.phase)}`;
    const parts = [this.time(transition.at), ...this.who(m), phases, nodes(m), `+${formatElapsed(transition.at - startOf(m))}`];
    // The final transition carries the outcome, so a failure is read on the line that reports it.
    if (transition.phase === m.phase && isFinal(m.state)) parts.push(outcome(m));
    return parts.join(SEPARATOR);
  }

  /**
   * The line for an end that came without a final transition: a delete before the migration
   * finished, or a migration missing after a reconnect. Undefined when the transition's line
   * already said it.
   */
  formatEnd(event: MigrationEndEvent): string | undefined {
    if (event.viaTransition) return undefined;
    const m = event.migration;
    const at = m.endedAt ?? Date.now();
    return [this.time(at), ...this.who(m), `${clean(m.phase)} → (${m.state})`, nodes(m), `+${formatElapsed(at - startOf(m))}`, outcome(m)].join(SEPARATOR);
  }

  private who(m: Migration): string[] {
    const cluster = this.options.clusterLabel?.(m.cluster) ?? m.cluster;
    const vm = m.namespace ? `${m.namespace}/${m.vm}` : m.vm;
    return [clean(cluster), clean(vm), clean(m.name || m.id)];
  }

  private time(at: number): string {
    const d = new Date(at);
    if (Number.isNaN(d.getTime())) return '????-??-??T??:??:??.???Z';
    if (this.options.timeZone !== 'local') return d.toISOString();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
}

/** "4.2s", "2m05s", "1h02m": short enough for a log line, exact enough to compare phases. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function startOf(m: Migration): number {
  return m.createdAt;
}

function nodes(m: Migration): string {
  return `${clean(m.sourceNode ?? '?')} → ${clean(m.targetNode ?? '?')}`;
}

function outcome(m: Migration): string {
  if (m.state === 'succeeded') return 'succeeded';
  return m.failureReason ? `${m.state}: ${clean(m.failureReason)}` : m.state;
}

/** Names come from clusters: a newline or escape sequence in one must not forge or break a line. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}
