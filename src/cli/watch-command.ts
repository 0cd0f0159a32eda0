// `blixard-migrations watch`: the same watcher, history recorder and output lines as the
// extension, with stdout in place of the output channel: transition lines on stdout, stream
// outages (and each cluster's first connect) on stderr. With no LogOutputChannel to stamp them,
// those lines start with the ISO-8601 UTC time they are printed at. Runs until `stop` is aborted
// (SIGINT/SIGTERM in main.ts), then writes everything pending and returns the exit code. The
// clusters follow the kubeconfig files: one rewritten on disk is read again (cli-sources.ts).

import { describeError } from '../model/errors';
import type { ClusterSource } from '../sources/cluster-source';
import { HistoryRecorder, type MigrationHistoryWriter } from '../watch/history-recorder';
import { followMigrationOutput } from '../watch/migration-output';
import { MigrationWatcher } from '../watch/migration-watcher';
import { OutputLineFormatter } from '../watch/output-line-formatter';
import type { RecordedMigrations } from '../watch/recorded-migrations';
import type { WatchLog } from '../watch/watch-log';
import type { WatchArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import type { CliSources } from './cli-sources';

/** Closes what buildSources gave; a source that fails to close must not keep the rest from being flushed. */
function closeSources(built: CliSources): void {
  for (const s of built.sources) {
    try {
      s.dispose();
    } catch {
      // see above
    }
  }
  try {
    built.dispose?.();
  } catch {
    // see above
  }
}

/** The first few clusters by name, and how many more: a 2,000-context kubeconfig is one line, not 20 KB. */
function describeSources(sources: readonly ClusterSource[]): string {
  const shown = 10;
  const names = sources.slice(0, shown).map((s) => s.label).join(', ');
  return sources.length > shown ? `${sources.length.toLocaleString('en-US')} clusters: ${names} and ${(sources.length - shown).toLocaleString('en-US')} more` : names;
}

/** The history as the watch command uses it: written to, asked what it holds, closed at the end. */
export interface WatchHistory extends MigrationHistoryWriter, RecordedMigrations {
  close(): Promise<void>;
}

export interface WatchDependencies {
  openHistory(dbPath: string, log: WatchLog): Promise<WatchHistory>;
  buildSources(args: WatchArguments, io: CliIo): Promise<CliSources>;
}

export interface WatchRunOptions {
  /** How long shutdown may take to write what is pending. Default 15 s. */
  shutdownTimeoutMs?: number;
  /** Called once the watcher is running (tests and the benchmark use it). */
  onStarted?: (watcher: MigrationWatcher, recorder: HistoryRecorder) => void;
}

export async function runWatch(args: WatchArguments, io: CliIo, stop: AbortSignal, deps: WatchDependencies, options: WatchRunOptions = {}): Promise<number> {
  const log: WatchLog = { info: (m) => io.err(m), warn: (m) => io.err(`warning: ${m}`) };
  let history: WatchHistory;
  try {
    history = await deps.openHistory(args.db, log);
  } catch (err) {
    io.err(`error: cannot open the history --db ${args.db}: ${describeError(err)}`);
    return 1;
  }

  let sources: ClusterSource[] = [];
  const labels = new Map<string, string>();
  const watcher = new MigrationWatcher({ recorded: history, log });
  const recorder = new HistoryRecorder(watcher, history, { log });
  const formatter = new OutputLineFormatter({ clusterLabel: (id) => labels.get(id), stamp: true });
  followMigrationOutput(watcher, formatter, { migration: (line) => io.out(line), stream: (line) => io.err(line) }, { announceConnected: true });

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
      sources = built.sources;
      for (const problem of built.problems) io.err(`warning: ${problem}`);
      if (sources.length === 0) {
        io.err('error: nothing to watch: give --blixard NAME=HOST:PORT or a --kubeconfig with at least one context');
        code = 2;
      } else if (!stop.aborted) {
        const follow = (now: ClusterSource[]) => {
          for (const s of now) labels.set(s.id, s.label);
          io.err(`watching ${describeSources(now)}; recording to ${args.db} (Ctrl-C to stop)`);
          watcher.setSources(now);
          sources = now;
        };
        follow(sources);
        // A kubeconfig (or a file it names) changed and was read again.
        built.onDidChange?.((change) => {
          if (stop.aborted) return;
          for (const problem of change.problems) io.err(`warning: ${problem}`);
          follow(change.sources);
        });
        options.onStarted?.(watcher, recorder);
        await stopped;
      }
    }
  } catch (err) {
    io.err(`error: ${describeError(err)}`);
    code = 1;
  }
  clearInterval(keepAlive);

  // Stop the streams first so nothing new arrives, then make everything recorded durable.
  watcher.dispose();
  closeSources(built ?? { sources, problems: [] });
  const finished = (async () => {
    await recorder.flush();
    recorder.dispose();
    await history.close();
  })();
  const timeoutMs = options.shutdownTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    finished.then(
      () => 'done' as const,
      (err: unknown) => err,
    ),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    io.err(`error: the history could not be written within ${timeoutMs} ms; the journal keeps what was recorded`);
    return 1;
  }
  if (outcome !== 'done') {
    io.err(`error: closing the history: ${describeError(outcome)}`);
    return 1;
  }
  return code;
}
