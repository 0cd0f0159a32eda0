// `blixard-migrations watch`: the same watcher, history recorder and output lines as the
// extension, with stdout in place of the output channel: transition lines on stdout, stream
// outages (and each cluster's first connect) on stderr. With no LogOutputChannel to stamp them,
// those lines start with the ISO-8601 UTC time they are printed at. Runs until `stop` is aborted
// (SIGINT/SIGTERM in main.ts), then writes everything pending and returns the exit code.

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
  try {
    const built = await deps.buildSources(args, io);
    sources = built.sources;
    for (const problem of built.problems) io.err(`warning: ${problem}`);
    if (sources.length === 0) {
      io.err('error: nothing to watch: give --blixard NAME=HOST:PORT or a --kubeconfig with at least one context');
      code = 2;
    } else if (!stop.aborted) {
      for (const s of sources) labels.set(s.id, s.label);
      io.err(`watching ${sources.map((s) => s.label).join(', ')}; recording to ${args.db} (Ctrl-C to stop)`);
      for (const s of sources) watcher.addSource(s);
      options.onStarted?.(watcher, recorder);
      await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
    }
  } catch (err) {
    io.err(`error: ${describeError(err)}`);
    code = 1;
  }

  // Stop the streams first so nothing new arrives, then make everything recorded durable.
  watcher.dispose();
  for (const s of sources) {
    try {
      s.dispose();
    } catch {
      // a source that fails to close must not keep the rest from being flushed
    }
  }
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
