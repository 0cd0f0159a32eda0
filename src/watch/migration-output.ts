// What the output channel and the CLI's `watch` print, decided once: a line per transition and per
// end that came without one, a line when a cluster's migration stream goes down, changes reason or
// comes back (repeats counted, not repeated), and a cluster that answers but cannot stream said
// once. The two differ only in where lines go (the sink) and whether they carry a time.

import { DisposableStore, type IDisposable } from '../base/lifecycle';
import type { MigrationState } from '../model/migration';
import type { MigrationWatcher } from './migration-watcher';
import type { OutputLineFormatter } from './output-line-formatter';

export interface MigrationOutputSink {
  /** A transition or end line; `outcome` is the migration's final state when the line reports its end. */
  migration(line: string, outcome: MigrationState | undefined): void;
  /** A line about a cluster's stream: 'warn' while it is down, 'info' when it is back. */
  stream(line: string, level: 'info' | 'warn'): void;
}

export interface MigrationOutputOptions {
  /** Say once per cluster when its stream first connects (the CLI: a script knows it is watching). */
  announceConnected?: boolean;
}

export function followMigrationOutput(watcher: MigrationWatcher, formatter: OutputLineFormatter, sink: MigrationOutputSink, options: MigrationOutputOptions = {}): IDisposable {
  const store = new DisposableStore();
  const limitationsSaid = new Map<string, string>();
  const connectedSaid = new Set<string>();

  store.add(
    watcher.onTransition((e) => {
      const final = e.transition.phase === e.migration.phase ? e.migration.state : undefined;
      sink.migration(formatter.formatTransition(e), final === 'pending' || final === 'running' ? undefined : final);
    }),
  );
  store.add(
    watcher.onDidEnd((e) => {
      const line = formatter.formatEnd(e);
      if (line) sink.migration(line, e.migration.state);
    }),
  );
  store.add(
    watcher.outages.onDidChange((e) => {
      const line = formatter.formatOutage(e);
      if (line) sink.stream(line, e.type === 'back' ? 'info' : 'warn');
    }),
  );
  store.add(
    watcher.onDidChangeStatus(({ sourceId, state }) => {
      if (!state) {
        limitationsSaid.delete(sourceId);
        connectedSaid.delete(sourceId);
        return;
      }
      if (state.state !== 'connected') return;
      if (options.announceConnected && !connectedSaid.has(sourceId)) {
        connectedSaid.add(sourceId);
        sink.stream(formatter.formatConnected(sourceId, state.endpoint), 'info');
      }
      if (state.limitation && limitationsSaid.get(sourceId) !== state.limitation) {
        limitationsSaid.set(sourceId, state.limitation);
        sink.stream(formatter.formatLimitation(sourceId, state.limitation), 'warn');
      } else if (!state.limitation) {
        limitationsSaid.delete(sourceId);
      }
    }),
  );
  return store;
}
