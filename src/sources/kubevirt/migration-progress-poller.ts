// KubeVirt's API has no byte progress; virt-handler exports it to Prometheus. While migrations
// of this cluster transfer (phase Running), one instant query every interval reads their
// kubevirt_vmi_migration_* series and turns them into the kind-neutral MigrationProgress the
// Blixard source also fills, so the dialog, views and history show percent, rate and ETA alike.
// Prometheus down, refusing the token, or without the series: phases only, and one log line
// saying why (again only once it had recovered). Nothing is queried while nothing transfers.

import type { MigrationProgress } from '../../model/migration';
import type { Logger } from '../../base/logger';
import { Disposable, toDisposable } from '../../base/lifecycle';
import { PrometheusError, type InstantSample } from './prometheus-client';

/** A migration that transfers now: its VMIM key (namespace/name), its VMI and when it started. */
export interface TransferringMigration {
  key: string;
  namespace: string;
  vmi: string;
  startedAt?: number;
}

export interface InstantQuery {
  readonly address: string;
  query(promql: string): Promise<InstantSample[]>;
}

export interface ProgressPollerOptions {
  label: string;
  logger: Logger;
  /** Between the end of one query and the next. Default 2 s. */
  intervalMs?: number;
  /** The migrations transferring now (asked before every query). */
  transferring: () => TransferringMigration[];
  /** New figures for these VMIM keys. */
  changed: (keys: string[]) => void;
  /** Series missing this long after a migration started are said to be missing. Default 10 s (a few scrapes). */
  missingAfterMs?: number;
}

/** What each figure is called; a KubeVirt release may use either of a pair (the first wins). */
const NAMES = {
  total: ['kubevirt_vmi_migration_data_total_bytes', 'kubevirt_vmi_migration_data_bytes_total'],
  remaining: ['kubevirt_vmi_migration_data_remaining_bytes'],
  processed: ['kubevirt_vmi_migration_data_processed_bytes'],
  dirtyRate: ['kubevirt_vmi_migration_dirty_memory_rate_bytes'],
  // Before KubeVirt 1.6 the memory rate was exported as …_disk_transfer_rate_bytes (PR #13500).
  transferRate: ['kubevirt_vmi_migration_memory_transfer_rate_bytes', 'kubevirt_vmi_migration_disk_transfer_rate_bytes'],
} as const;
type Figure = keyof typeof NAMES;
const ALL_NAMES = Object.values(NAMES).flat();

/**
 * PromQL for the series of `migrations`' VMIs (one query for all of them), one series per figure
 * and VMI: the aggregation drops the labels a scrape adds (job, instance, pod, node), a third of
 * the answer, and folds a VMI scraped twice (two jobs) into one.
 */
export function progressQuery(migrations: readonly TransferringMigration[]): string {
  const namespaces = [...new Set(migrations.map((m) => m.namespace))].map(regexEscape).join('|');
  const vmis = [...new Set(migrations.map((m) => m.vmi))].map(regexEscape).join('|');
  return `max by (__name__, namespace, name) ({__name__=~"${ALL_NAMES.join('|')}",namespace=~"${namespaces}",name=~"${vmis}"})`;
}

/**
 * The progress of one migration from its series, or undefined when the remaining bytes are not
 * there. Of several series of one figure the newest sample counts, and one stamped before the
 * migration started is an earlier migration's (what an answer with sample times says; an instant
 * query's samples carry its evaluation time, and Prometheus' staleness markers already drop the
 * series virt-handler stopped exporting).
 */
export function progressFromSamples(samples: readonly InstantSample[], m: TransferringMigration): Omit<MigrationProgress, 'precopyRound'> | undefined {
  const newest = new Map<string, InstantSample>();
  const notBefore = (m.startedAt ?? 0) - 2000;
  for (const s of samples) {
    if (s.labels.namespace !== m.namespace || s.labels.name !== m.vmi || s.atMs < notBefore) continue;
    const name = s.labels.__name__ ?? '';
    const held = newest.get(name);
    if (!held || s.atMs > held.atMs) newest.set(name, s);
  }
  const figure = (f: Figure): number | undefined => {
    for (const name of NAMES[f]) {
      const s = newest.get(name);
      if (s && s.value >= 0) return s.value;
    }
    return undefined;
  };
  const remaining = figure('remaining');
  if (remaining === undefined) return undefined;
  const processed = figure('processed') ?? 0;
  const progress: Omit<MigrationProgress, 'precopyRound'> = {
    totalBytes: figure('total') ?? processed + remaining,
    transferredBytes: processed,
    remainingBytes: remaining,
    dirtyRateBytesPerSec: figure('dirtyRate') ?? 0,
  };
  const rate = figure('transferRate');
  if (rate !== undefined && rate > 0) progress.bandwidthBytesPerSec = rate;
  return progress;
}

export class MigrationProgressPoller extends Disposable {
  private readonly progress = new Map<string, MigrationProgress>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** The problem said last ("down", "unauthorized", "missing"), so it is said once, not per poll. */
  private said: string | undefined;
  private readonly intervalMs: number;
  private readonly missingAfterMs: number;
  queries = 0;

  constructor(private readonly prometheus: InstantQuery, private readonly options: ProgressPollerOptions) {
    super();
    this.intervalMs = options.intervalMs ?? 2000;
    this.missingAfterMs = options.missingAfterMs ?? 10_000;
    this._register(toDisposable(() => clearTimeout(this.timer)));
  }

  /** The last figures of a migration (kept after it ends, until forget()). */
  progressOf(key: string): MigrationProgress | undefined {
    return this.progress.get(key);
  }

  forget(key: string): void {
    this.progress.delete(key);
  }

  /** A migration may have begun transferring: poll soon, unless a poll is already due. */
  wake(): void {
    if (this.isDisposed || this.polling || this.timer) return;
    this.timer = setTimeout(() => void this.poll(), 0);
    this.timer.unref?.();
  }

  private schedule(): void {
    if (this.isDisposed) return;
    this.timer = setTimeout(() => void this.poll(), this.intervalMs);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    const migrations = this.options.transferring();
    if (migrations.length === 0 || this.isDisposed) return; // woken again when one starts
    this.polling = true;
    try {
      this.queries++;
      const samples = await this.prometheus.query(progressQuery(migrations));
      if (this.isDisposed) return;
      this.take(samples, migrations);
    } catch (error) {
      const failure = error instanceof PrometheusError ? error.failure : 'unreachable';
      this.say(failure === 'unauthorized' ? 'unauthorized' : 'down', `${(error as Error).message}`);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private take(samples: InstantSample[], migrations: TransferringMigration[]): void {
    const changed: string[] = [];
    let missing: TransferringMigration | undefined;
    // Grouped once by VMI: a poll of n migrations reads 5n series, not 5n per migration.
    const byVmi = new Map<string, InstantSample[]>();
    for (const s of samples) {
      const key = `${s.labels.namespace}/${s.labels.name}`;
      const group = byVmi.get(key);
      if (group) group.push(s);
      else byVmi.set(key, [s]);
    }
    for (const m of migrations) {
      const figures = progressFromSamples(byVmi.get(`${m.namespace}/${m.vmi}`) ?? [], m);
      if (!figures) {
        if (Date.now() - (m.startedAt ?? Date.now()) >= this.missingAfterMs) missing ??= m;
        continue;
      }
      const last = this.progress.get(m.key);
      // KubeVirt does not export the round: a remaining that grows by more than a sliver is the next pre-copy pass.
      const grew = last && figures.remainingBytes > last.remainingBytes + 0.01 * Math.max(1, figures.totalBytes);
      const next: MigrationProgress = { ...figures, precopyRound: last ? last.precopyRound + (grew ? 1 : 0) : 1 };
      if (last && JSON.stringify(last) === JSON.stringify(next)) continue;
      this.progress.set(m.key, next);
      changed.push(m.key);
    }
    if (missing) this.say('missing', `${this.prometheus.address} has no kubevirt_vmi_migration_* series for ${missing.namespace}/${missing.vmi} (is virt-handler scraped?)`);
    else if (changed.length > 0 || samples.length > 0) this.recovered();
    if (changed.length > 0) this.options.changed(changed);
  }

  private say(problem: string, message: string): void {
    if (this.said === problem) return;
    this.said = problem;
    this.options.logger.warn(`${this.options.label}: migration progress unavailable, phases only: ${message}`);
  }

  private recovered(): void {
    if (this.said === undefined) return;
    this.said = undefined;
    this.options.logger.info(`${this.options.label}: migration progress from ${this.prometheus.address} again`);
  }
}

function regexEscape(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|"]/g, (c) => (c === '"' ? '\\"' : `\\\\${c}`));
}
