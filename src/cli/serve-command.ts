// `blixard-migrations serve`: the watch of every configured cluster (cluster-watch.ts, the same
// wiring as `watch`: its lines on stdout, its history) with the HTTP API (src/serve/) beside it,
// answering from that history. `--read-only` watches nothing and serves a history another
// process writes (opened read-only in the history's worker thread, following its journal). Runs
// until `stop` is aborted; then the server stops first (so no request meets a closing history),
// then the session shuts down in its one order.

import { existsSync, lstatSync } from 'node:fs';
import { describeError } from '../model/errors';
import type { ConnectionState } from '../model/cluster';
import type { HistoryAccess } from '../history';
import { BearerToken } from '../serve/bearer-token';
import { isLoopback } from '../serve/listen-address';
import { MigrationServer, type MigrationServerOptions, type ServeState } from '../serve/migration-server';
import type { ClusterStreamState } from '../serve/server-metrics';
import { feedFromHistory, feedFromWatcher } from '../serve/transition-sources';
import { TransitionFeed } from '../serve/transition-feed';
import type { ServeArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import { watchClusters, type WatchDependencies } from './cluster-watch';

export interface ServeRunOptions {
  /** Called once the server listens (tests and the benchmark read its URL). */
  onListening?(server: MigrationServer, history: HistoryAccess): void;
}

function streamState(state: ConnectionState | undefined): Pick<ClusterStreamState, 'state' | 'detail'> {
  if (!state) return { state: 'connecting' };
  if (state.state === 'connected') return state.limitation ? { state: 'limited', detail: state.limitation } : { state: 'connected' };
  if (state.state === 'unreachable') return { state: 'unreachable', detail: state.reason };
  return { state: state.state };
}

export async function runServe(args: ServeArguments, io: CliIo, stop: AbortSignal, deps: WatchDependencies, options: ServeRunOptions = {}): Promise<number> {
  let token: BearerToken | undefined;
  try {
    token = args.tokenFile !== undefined ? BearerToken.fromFile(args.tokenFile, (m) => io.err(`warning: --token-file: ${m}`)) : undefined;
  } catch (err) {
    io.err(`error: --token-file: ${describeError(err)}`);
    return 1;
  }
  for (const [flag, file] of [['--tls-cert', args.tls?.certFile], ['--tls-key', args.tls?.keyFile]] as const) {
    if (file !== undefined && !existsSync(file)) {
      io.err(`error: ${flag} ${file} does not exist`);
      return 1;
    }
  }
  if (!token && !isLoopback(args.listen.host)) io.err('warning: serving without a token (--insecure): anyone who reaches the address reads the history');
  const feed = new TransitionFeed();
  const log = { warn: (m: string) => io.err(`warning: ${m}`), error: (m: string) => io.err(`error: ${m}`) };
  let closing = false;
  const start = async (history: HistoryAccess, state: Omit<ServeState, 'history'>): Promise<MigrationServer> => {
    const serverOptions: MigrationServerOptions = {
      history,
      feed,
      token,
      log,
      ...(args.tls ? { tls: args.tls } : {}),
      ...(args.rateLimit !== undefined ? { rateLimit: { perSecond: args.rateLimit, burst: Math.max(1, args.rateLimit * 4) } } : {}),
      state: { ...state, history: () => ({ open: !closing, writable: !closing && history.role !== 'read-only', role: history.role }) },
    };
    let server: MigrationServer;
    try {
      server = await MigrationServer.start(serverOptions, args.listen);
    } catch (err) {
      throw new Error(`cannot serve on ${args.listen.host}:${args.listen.port}: ${describeError(err)}`);
    }
    io.err(`serving ${server.url}/api/v1/migrations (${token ? 'bearer token required' : 'no token'}${args.tls ? ', TLS' : ''}; OpenAPI at /api/v1/openapi.json)`);
    options.onListening?.(server, history);
    return server;
  };

  if (args.readOnly) return serveReadOnly(args, io, stop, start, () => (closing = true), feed);

  return watchClusters(args, io, stop, deps, {
    beside: async ({ session, labelOf }) => {
      const { watcher } = session;
      const feeding = feedFromWatcher(watcher.onTransition, feed);
      const server = await start(session.history!, {
        watching: true,
        clusters: () => watcher.sourceIds().map((id) => ({ id, ...(labelOf(id) ? { label: labelOf(id) } : {}), ...streamState(watcher.status(id)) })),
      });
      return async () => {
        closing = true;
        feeding.dispose();
        await server.close();
      };
    },
  });
}

async function serveReadOnly(
  args: ServeArguments,
  io: CliIo,
  stop: AbortSignal,
  start: (history: HistoryAccess, state: Omit<ServeState, 'history'>) => Promise<MigrationServer>,
  markClosing: () => void,
  feed: TransitionFeed,
): Promise<number> {
  if (![args.db, `${args.db}.journal`, `${args.db}.prev`].some((p) => lstatSync(p, { throwIfNoEntry: false }))) {
    io.err(`error: cannot open the history --db ${args.db}: no such file (--read-only serves an existing history)`);
    return 1;
  }
  // Required, not import()ed: as in watch-session.ts, the bundle then evaluates it only here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HistoryWorkerClient } = require('../history/worker/history-worker-client') as typeof import('../history/worker/history-worker-client');
  let history: HistoryAccess;
  try {
    history = await HistoryWorkerClient.open({ path: args.db, mode: 'read-only', logger: { info: (m) => io.err(m), warn: (m) => io.err(`warning: ${m}`), error: (m) => io.err(`warning: ${m}`) } });
  } catch (err) {
    io.err(`error: cannot open the history --db ${args.db}: ${describeError(err)}`);
    return 1;
  }
  let code = 0;
  let server: MigrationServer | undefined;
  const feeding = await feedFromHistory(history, feed).catch(() => undefined);
  try {
    server = await start(history, { watching: false, clusters: () => [] });
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
    clearInterval(keepAlive);
  } catch (err) {
    io.err(`error: ${describeError(err)}`);
    code = 1;
  }
  markClosing();
  feeding?.dispose();
  await server?.close().catch(() => undefined);
  await history.close().catch(() => undefined);
  return code;
}
