// `blixard-migrations watch`: the same watcher, history recorder and output lines as the
// extension, with stdout in place of the output channel: transition lines on stdout, stream
// outages (and each cluster's first connect) on stderr. With no LogOutputChannel to stamp them,
// those lines start with the ISO-8601 UTC time they are printed at. Runs until `stop` is aborted
// (SIGINT/SIGTERM in main.ts), then writes everything pending and returns the exit code. The
// clusters follow the kubeconfig files: one rewritten on disk is read again (cli-sources.ts).
// The wiring itself is cluster-watch.ts, which `serve` runs too.

import type { HistoryRecorder } from '../watch/history-recorder';
import type { MigrationWatcher } from '../watch/migration-watcher';
import type { WatchArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import { watchClusters, type WatchDependencies } from './cluster-watch';

export type { WatchDependencies } from './cluster-watch';

export interface WatchRunOptions {
  /** Called once the watcher is running (tests and the benchmark use it). */
  onStarted?: (watcher: MigrationWatcher, recorder: HistoryRecorder) => void;
}

export function runWatch(args: WatchArguments, io: CliIo, stop: AbortSignal, deps: WatchDependencies, options: WatchRunOptions = {}): Promise<number> {
  return watchClusters(args, io, stop, deps, { onStarted: options.onStarted });
}
