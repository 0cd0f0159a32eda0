// What `watch` and `serve` share: the WatchSession a window uses (history first, so a bad --db is
// refused before any cluster is connected), the transition lines on stdout and stream changes on
// stderr, the clusters built from the flags and followed as their kubeconfig files change, and
// on stop the one shutdown order. `serve` adds its HTTP server beside the watch (`beside`), which
// is stopped before the session shuts down. One wiring, whichever command runs it.

import { describeError } from '../model/errors';
import type { ClusterSource } from '../sources/cluster-source';
import type { HistoryRecorder } from '../watch/history-recorder';
import { followMigrationOutput } from '../watch/migration-output';
import type { MigrationWatcher } from '../watch/migration-watcher';
import { OutputLineFormatter } from '../watch/output-line-formatter';
import type { Logger } from '../base/logger';
import { WatchSession } from '../watch/watch-session';
import type { ClusterArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import { closeCliSources as closeSources, type CliSources } from './cli-sources';

/** The first few clusters by name, and how many more: a 2,000-context kubeconfig is one line, not 20 KB. */
function describeSources(sources: readonly ClusterSource[]): string {
  const shown = 10;
  const names = sources.slice(0, shown).map((s) => s.label).join(', ');
  return sources.length > shown ? `${sources.length.toLocaleString('en-US')} clusters: ${names} and ${(sources.length - shown).toLocaleString('en-US')} more` : names;
}

export interface WatchDependencies {
  buildSources(args: ClusterArguments, io: CliIo): Promise<CliSources>;
}

/** What runs beside the watch is given the session and each cluster's label. */
export interface WatchContext {
  session: WatchSession;
  labelOf(clusterId: string): string | undefined;
}

export interface ClusterWatchHooks {
  /**
   * Started once the history is open, before any cluster is connected; what it returns is awaited
   * on stop, before the session shuts down. A throw ends the command with exit code 1.
   */
  beside?(context: WatchContext): Promise<() => Promise<void>>;
  /** Called once the watcher is running (tests and the benchmark use it). */
  onStarted?: (watcher: MigrationWatcher, recorder: HistoryRecorder) => void;
}

export async function watchClusters(args: ClusterArguments & { db: string }, io: CliIo, stop: AbortSignal, deps: WatchDependencies, hooks: ClusterWatchHooks = {}): Promise<number> {
  // The history's own error-level lines (a close that failed) are warnings here: the exit code says whether the watch ended cleanly.
  const log: Pick<Logger, 'info' | 'warn' | 'error'> = { info: (m) => io.err(m), warn: (m) => io.err(`warning: ${m}`), error: (m) => io.err(`warning: ${m}`) };
  let session: WatchSession;
  try {
    // The same session as a window's: history first, so a bad --db is refused before any cluster is connected.
    session = await WatchSession.start({ historyPath: args.db, log, historyRequired: true, historyInWorker: true });
  } catch (err) {
    io.err(`error: cannot open the history --db ${args.db}: ${describeError(err)}`);
    return 1;
  }
  if (session.history && session.history.role !== 'writer') log.info(`another process writes ${args.db}; recording through it`);

  const labels = new Map<string, string>();
  const { watcher } = session;
  const formatter = new OutputLineFormatter({ clusterLabel: (id) => labels.get(id), stamp: true });
  followMigrationOutput(watcher, formatter, { migration: (line) => io.out(line), stream: (line) => io.err(line) }, { announceConnected: true });

  let stopBeside: (() => Promise<void>) | undefined;
  if (hooks.beside) {
    try {
      stopBeside = await hooks.beside({ session, labelOf: (id) => labels.get(id) });
    } catch (err) {
      io.err(`error: ${describeError(err)}`);
      await session.shutdown();
      return 1;
    }
  }

  let code = 0;
  let built: CliSources | undefined;
  const stopped = new Promise<'stopped'>((resolve) => (stop.aborted ? resolve('stopped') : stop.addEventListener('abort', () => resolve('stopped'), { once: true })));
  // Nothing else may hold the process open (a cluster whose kubeconfig is refused has no socket
  // or timer): the watch lasts until it is stopped, and a fixed file is picked up meanwhile.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    // Ctrl-C while the kubeconfig files are still being read stops at once; what they yield later is closed.
    const building = deps.buildSources(args, io);
    const first = await Promise.race([building, stopped]);
    if (first === 'stopped') {
      building.then(closeSources, () => {});
    } else {
      built = first;
      const owned = built;
      // Closed by the session's shutdown, once the watcher has let go of them.
      session.adopt({ dispose: () => closeSources(owned) });
      const sources = built.sources;
      for (const problem of built.problems) io.err(`warning: ${problem}`);
      if (sources.length === 0) {
        io.err('error: nothing to watch: give --blixard NAME=HOST:PORT or a --kubeconfig with at least one context');
        code = 2;
      } else if (!stop.aborted) {
        const follow = (now: ClusterSource[]) => {
          for (const s of now) labels.set(s.id, s.label);
          io.err(`watching ${describeSources(now)}; recording to ${args.db} (Ctrl-C to stop)`);
          session.setSources(now);
        };
        follow(sources);
        // A kubeconfig (or a file it names) changed and was read again.
        built.onDidChange?.((change) => {
          if (stop.aborted) return;
          for (const problem of change.problems) io.err(`warning: ${problem}`);
          follow(change.sources);
        });
        hooks.onStarted?.(watcher, session.recorder!);
        await stopped;
      }
    }
  } catch (err) {
    io.err(`error: ${describeError(err)}`);
    code = 1;
  }
  clearInterval(keepAlive);

  if (stopBeside) {
    try {
      await stopBeside();
    } catch (err) {
      io.err(`warning: ${describeError(err)}`);
    }
  }
  // One shutdown order for the window and the CLI: streams stopped, sources closed, history written and closed (watch-session.ts).
  const clean = await session.shutdown();
  return clean ? code : 1;
}
