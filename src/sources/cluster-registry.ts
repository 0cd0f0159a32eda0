// The clusters the user has right now, kept in step with settings (and with local dev
// clusters started in this window). Views, the watcher and the dialog ask it for sources; it
// builds each source on first use and keeps it for as long as its settings do not change,
// so a settings edit elsewhere does not reconnect every cluster. The files the settings point
// at (kubeconfigs and what they name) are read again on reread() and, when asked, whenever they
// change on disk: a rotated token or certificate changes a spec's key and rebuilds that source.

import type { ClusterSource } from './cluster-source';
import { specKey, type ClusterSpecBase } from './cluster-spec';
import { ConfigFileWatcher, type ConfigFileWatcherOptions } from './config-file-watcher';
import { createSource as defaultFactory, planClusterSpecs, type KubeconfigReader, type SourceDependencies, type SourceFactory } from './create-sources';
import type { SettingsProblem, SourceSettings } from './source-settings';
import { Emitter, type Event } from '../base/event';
import { Disposable, type IDisposable } from '../base/lifecycle';
import { describeError } from '../model/errors';

export class ClusterEntry extends Disposable {
  private built?: ClusterSource;
  private buildError?: string;

  constructor(
    readonly spec: ClusterSpecBase,
    private readonly factory: SourceFactory,
    private readonly deps: SourceDependencies,
  ) {
    super();
  }

  get id(): string {
    return this.spec.id;
  }

  /** The source, built now if it was not yet. Throws (with a readable message) when it cannot be built. */
  acquire(): ClusterSource {
    if (this.isDisposed) throw new Error(`Cluster "${this.spec.label}" was removed`);
    if (this.built) return this.built;
    if (this.buildError) throw new Error(this.buildError);
    try {
      this.built = this.factory(this.spec, this.deps);
      return this.built;
    } catch (err) {
      this.buildError = describeError(err);
      throw new Error(this.buildError);
    }
  }

  /** The source if something already asked for it; never builds one. */
  get source(): ClusterSource | undefined {
    return this.built;
  }

  /** Once removed, the entry builds nothing more: acquire() says so. */
  override dispose(): void {
    super.dispose();
    const source = this.built;
    this.built = undefined;
    source?.dispose();
  }
}

export interface ClusterRegistryChange {
  added: readonly ClusterEntry[];
  removed: readonly ClusterEntry[];
}

export interface ClusterRegistryOptions {
  /** Follow the files the settings point at and re-plan when one changes (the extension and the CLI do; most tests do not). */
  watchFiles?: boolean | ConfigFileWatcherOptions;
}

interface AppliedSettings {
  settings: SourceSettings;
  problems: readonly SettingsProblem[];
  readKubeconfig?: KubeconfigReader;
}

export class ClusterRegistry implements IDisposable {
  private configured: ClusterEntry[] = [];
  private applied: AppliedSettings | undefined;
  private readonly fileWatcher: ConfigFileWatcher | undefined;
  private local: ClusterEntry[] = [];
  private settingsProblems: SettingsProblem[] = [];
  private generation = 0;
  private latest: Promise<void> = Promise.resolve();
  private readonly changed = new Emitter<ClusterRegistryChange>();
  /** Clusters were added or removed (a changed cluster is removed and added again). */
  readonly onDidChange: Event<ClusterRegistryChange> = this.changed.event;

  constructor(
    private readonly deps: SourceDependencies,
    private readonly factory: SourceFactory = defaultFactory,
    options: ClusterRegistryOptions = {},
  ) {
    if (options.watchFiles) {
      this.fileWatcher = new ConfigFileWatcher(() => void this.reread(), options.watchFiles === true ? {} : options.watchFiles);
    }
  }

  /** Configured clusters in settings order, then local dev clusters. */
  get clusters(): readonly ClusterEntry[] {
    return [...this.configured, ...this.local];
  }

  /** Settles when the most recent applySettings() call has been applied (or superseded). */
  async whenSettled(): Promise<void> {
    let awaited: Promise<void>;
    do {
      awaited = this.latest;
      await awaited;
    } while (awaited !== this.latest);
  }

  get problems(): readonly SettingsProblem[] {
    return this.settingsProblems;
  }

  get(id: string): ClusterEntry | undefined {
    return this.clusters.find((c) => c.id === id);
  }

  /** Other clusters that reach the same cluster as this one (ClusterSpec.clusterIdentity), in order. */
  sameClusterAs(id: string): ClusterEntry[] {
    const entry = this.get(id);
    const identity = entry?.spec.clusterIdentity;
    if (!entry || identity === undefined) return [];
    return this.clusters.filter((c) => c !== entry && c.spec.kind === entry.spec.kind && c.spec.clusterIdentity === identity);
  }

  /** Files the current specs were read from, as followed for changes. */
  get watchedFiles(): readonly string[] {
    return this.fileWatcher?.files ?? [];
  }

  /** Every source, building those not built yet; clusters whose source cannot be built are left out. */
  sources(): ClusterSource[] {
    const out: ClusterSource[] = [];
    for (const entry of this.clusters) {
      try {
        out.push(entry.acquire());
      } catch {
        // the tree shows why; the others still work
      }
    }
    return out;
  }

  /**
   * Brings the configured clusters in line with settings. Calls may overlap (settings edited
   * quickly): only the latest one is applied.
   */
  applySettings(settings: SourceSettings, problems: readonly SettingsProblem[] = [], readKubeconfig?: KubeconfigReader): Promise<void> {
    this.applied = { settings, problems, ...(readKubeconfig ? { readKubeconfig } : {}) };
    const applying = this.apply(++this.generation, this.applied);
    this.latest = applying.catch(() => undefined);
    return applying;
  }

  /**
   * Reads the files behind the last settings again (Refresh, Retry, a file changed on disk):
   * clusters whose kubeconfig entries or credentials changed are rebuilt, the others kept.
   */
  reread(): Promise<void> {
    if (!this.applied) return this.whenSettled();
    return this.applySettings(this.applied.settings, this.applied.problems, this.applied.readKubeconfig);
  }

  private async apply(generation: number, request: AppliedSettings): Promise<void> {
    const plan = await planClusterSpecs(request.settings, request.readKubeconfig);
    if (generation !== this.generation) return;
    const problemsBefore = JSON.stringify(this.settingsProblems);
    this.settingsProblems = [...request.problems, ...plan.problems];
    // The root shows the problems (and the Restricted Mode notice): a change in them alone redraws it too.
    const problemsChanged = JSON.stringify(this.settingsProblems) !== problemsBefore;
    this.fileWatcher?.setFiles(plan.watchedFiles);

    const previous = new Map(this.configured.map((e) => [specKey(e.spec), e]));
    const localIds = new Set(this.local.map((e) => e.id));
    const next: ClusterEntry[] = [];
    const added: ClusterEntry[] = [];
    const seenIds = new Set<string>();
    for (const spec of plan.specs) {
      if (seenIds.has(spec.id) || localIds.has(spec.id)) continue;
      seenIds.add(spec.id);
      const key = specKey(spec);
      const kept = previous.get(key);
      if (kept) {
        previous.delete(key);
        next.push(kept);
      } else {
        const entry = new ClusterEntry(spec, this.factory, this.deps);
        next.push(entry);
        added.push(entry);
      }
    }
    const removed = [...previous.values()];
    const orderChanged = next.some((e, i) => this.configured[i] !== e) || next.length !== this.configured.length;
    this.configured = next;
    for (const entry of removed) entry.dispose();
    if (added.length > 0 || removed.length > 0 || orderChanged || problemsChanged) this.changed.fire({ added, removed });
  }

  /** Adds a cluster that lives only in this window (a local dev cluster). */
  addLocal(spec: ClusterSpecBase): ClusterEntry {
    this.removeLocal(spec.id);
    const entry = new ClusterEntry(spec, this.factory, this.deps);
    this.local.push(entry);
    this.changed.fire({ added: [entry], removed: [] });
    return entry;
  }

  removeLocal(id: string): void {
    const entry = this.local.find((e) => e.id === id);
    if (!entry) return;
    this.local = this.local.filter((e) => e !== entry);
    entry.dispose();
    this.changed.fire({ added: [], removed: [entry] });
  }

  dispose(): void {
    this.generation++;
    this.fileWatcher?.dispose();
    for (const entry of this.clusters) entry.dispose();
    this.configured = [];
    this.local = [];
    this.changed.dispose();
  }
}
