// One WatchMigrations stream per source, shared by every listener: snapshot, then changes.
// Reconnects with backoff (trying each endpoint), and after a reconnect reconciles with
// ListMigrations so a migration that ended while the stream was down still reports its end.

import type { ClientReadableStream } from '@grpc/grpc-js';
import type { ConnectionState } from '../../model/cluster';
import { SourceError, describeError } from '../../model/errors';
import { Emitter } from '../../base/event';
import { type IDisposable } from '../../base/lifecycle';
import type { MigrationStreamEvent } from '../../model/migration';
import type { BlixardClient } from './blixard-client';
import { wireNumber, type WireMigrationEvent, type WireMigrationInfo } from './blixard-wire';
import { GrpcStatus, isGrpcFailure, toSourceError } from './grpc-error';
import type { MigrationLedger } from './migration-ledger';
import { blixardMigrationId, toMigrationObservation, type MigrationMappingContext } from './migration-mapping';
import { Backoff, backoffDelay, type BackoffOptions } from '../../base/backoff';

export interface MigrationStreamOptions {
  /** Deadline for the reconcile call and for the first message of a new stream. */
  callDeadlineMs: number;
  /** A new stream must deliver its whole snapshot within this time, or the next endpoint is tried. */
  snapshotDeadlineMs: number;
  backoff: BackoffOptions;
  /** How often to ask again a cluster whose daemons have no MigrationService (they may be upgraded). */
  unsupportedRetryMs: number;
  /** A session that stayed up this long resets the backoff when it ends. */
  stableAfterMs: number;
  /**
   * On reconnect, also re-read migrations updated up to this long before the newest update seen:
   * covers clock differences between the daemons behind different endpoints.
   */
  reconcileWindowMs: number;
  log?: (message: string) => void;
}

/** An accepted change of one migration, for the source's own bookkeeping. */
export interface MigrationChange {
  info: WireMigrationInfo;
  previous?: WireMigrationInfo;
}

/** One endpoint that failed in a round of attempts, and how. */
interface EndpointFailure {
  endpoint: string;
  error: SourceError;
}

interface Session {
  call: ClientReadableStream<WireMigrationEvent>;
  endpoint: string;
  index: number;
  established: boolean;
  synced: boolean;
  syncedAt?: number;
  done: boolean;
  snapshotIds: string[];
  /** Updates that arrived while the reconcile call ran, applied after it. */
  held?: WireMigrationInfo[];
  timer?: NodeJS.Timeout;
}

export class MigrationStream implements IDisposable {
  private readonly events = new Emitter<MigrationStreamEvent>();
  private readonly changes = new Emitter<MigrationChange>();
  private readonly states = new Emitter<ConnectionState>();
  private readonly backoff: Backoff;
  private running = false;
  private session?: Session;
  private retryTimer?: NodeJS.Timeout;
  private reconcileTimer?: NodeJS.Timeout;
  private everSynced = false;
  /** Local time the last synced stream ended: what changed after it must be re-read. */
  private lostAt = 0;
  private currentState: ConnectionState = { state: 'connecting' };

  /** Accepted migration changes, in order, whether or not anyone listens to events. */
  readonly onChange = this.changes.event;
  readonly onState = this.states.event;

  constructor(
    private readonly client: BlixardClient,
    private readonly context: MigrationMappingContext,
    private readonly ledger: MigrationLedger,
    private readonly options: MigrationStreamOptions,
  ) {
    this.backoff = new Backoff(options.backoff);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** True while a stream is open and its snapshot has been applied: the ledger is current. */
  get isSynced(): boolean {
    return this.session?.synced === true && !this.session.done;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Subscribes to stream events. A listener that joins a running stream first receives what the
   * others already had: the connection state, every active migration and a `synced`.
   */
  subscribe(listener: (e: MigrationStreamEvent) => void): IDisposable {
    const subscription = this.events.event(listener);
    if (this.running) {
      const state = this.currentState;
      const replay: MigrationStreamEvent[] = [{ type: 'connection', state }];
      if (this.isSynced) {
        const active = this.ledger.active();
        for (const info of active) replay.push({ type: 'observation', observation: toMigrationObservation(info, this.context) });
        replay.push({ type: 'synced', migrationIds: active.map((i) => blixardMigrationId(this.context.sourceId, i.id)) });
      }
      queueMicrotask(() => {
        for (const e of replay) listener(e);
      });
    }
    return subscription;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.reconcileTimer);
    if (this.isSynced) this.lostAt = Date.now();
    this.endSession();
    this.setState({ state: 'connecting' }, false);
  }

  dispose(): void {
    this.stop();
    this.events.dispose();
    this.changes.dispose();
    this.states.dispose();
  }

  private connect(): void {
    if (!this.running) return;
    this.setState({ state: 'connecting' });
    this.tryEndpoint(this.client.endpointOrder(), 0, []);
  }

  private tryEndpoint(order: number[], position: number, failures: EndpointFailure[]): void {
    if (!this.running) return;
    if (position >= order.length) {
      this.scheduleReconnect(failures);
      return;
    }
    const index = order[position];
    const endpoint = this.client.endpoints[index].address;
    let call: ClientReadableStream<WireMigrationEvent>;
    try {
      call = this.client.openStream(index, 'migration', 'WatchMigrations', {});
    } catch (err) {
      // Setup problems (unreadable TLS files) are the same for every endpoint.
      this.scheduleReconnect([{ endpoint, error: err instanceof SourceError ? err : new SourceError('internal', describeError(err)) }]);
      return;
    }
    const session: Session = { call, endpoint, index, established: false, synced: false, done: false, snapshotIds: [] };
    this.session = session;
    session.timer = setTimeout(() => {
      const error = new SourceError('timeout', `Blixard cluster "${this.client.clusterName}" sent no migration snapshot within ${this.options.snapshotDeadlineMs / 1000} s at ${endpoint}.`);
      this.onSessionFailure(session, error, order, position, failures);
    }, this.options.snapshotDeadlineMs);

    call.on('data', (event: WireMigrationEvent) => this.onData(session, event));
    call.on('error', (err: unknown) => {
      if (!session.established && isGrpcFailure(err) && err.code === GrpcStatus.UNIMPLEMENTED) {
        this.onStreamingUnsupported(session);
        return;
      }
      const error = toSourceError(err, { cluster: this.client.clusterName, endpoint, action: 'watch migrations', deadlineMs: this.options.snapshotDeadlineMs });
      this.onSessionFailure(session, error, order, position, failures);
    });
    call.on('end', () => {
      const error = new SourceError('unavailable', `Blixard cluster "${this.client.clusterName}" closed the migration stream at ${endpoint}.`);
      this.onSessionFailure(session, error, order, position, failures);
    });
  }

  private onSessionFailure(session: Session, error: SourceError, order: number[], position: number, failures: EndpointFailure[]): void {
    if (session.done) return;
    const wasEstablished = session.established;
    const wasStable = session.syncedAt !== undefined && Date.now() - session.syncedAt >= this.options.stableAfterMs;
    if (session.synced) this.lostAt = Date.now();
    this.endSession();
    if (!this.running) return;
    if (!wasEstablished) {
      this.tryEndpoint(order, position + 1, [...failures, { endpoint: session.endpoint, error }]);
      return;
    }
    // Not logged here: the watcher's stream-outage line says it once, with how long it lasted.
    if (wasStable) this.backoff.reset();
    // A stream that was working is reopened at once (another endpoint may be fine); repeated
    // losses go through the backoff like any failed attempt.
    if (wasStable) this.connect();
    else this.scheduleReconnect([{ endpoint: session.endpoint, error }]);
  }

  /**
   * The endpoint answered, but its daemon has no MigrationService (upstream Blixard): the cluster
   * is reachable and its tree works, so it is reported connected with what the watcher cannot
   * see, not as down. Asked again now and then, quietly, in case the daemons get upgraded.
   */
  private onStreamingUnsupported(session: Session): void {
    if (session.done) return;
    this.endSession();
    if (!this.running) return;
    this.client.markGood(session.index);
    this.backoff.reset();
    this.setState({
      state: 'connected',
      endpoint: session.endpoint,
      limitation: `its daemon at ${session.endpoint} has no MigrationService, so migrations are not streamed (only the tree is shown)`,
    });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.tryEndpoint(this.client.endpointOrder(), 0, []), this.options.unsupportedRetryMs);
  }

  private endSession(): void {
    const session = this.session;
    if (!session) return;
    session.done = true;
    clearTimeout(session.timer);
    clearTimeout(this.reconcileTimer);
    session.call.removeAllListeners('data');
    session.call.removeAllListeners('end');
    // grpc-js emits 'error' (CANCELLED) after cancel(): keep a listener so it is not unhandled.
    session.call.removeAllListeners('error');
    session.call.on('error', () => {});
    session.call.cancel();
    this.session = undefined;
  }

  private scheduleReconnect(failures: EndpointFailure[]): void {
    if (!this.running) return;
    const delay = this.backoff.next();
    const reason = failures.length === 0 ? `Blixard cluster "${this.client.clusterName}" has no endpoint to try.` : this.client.unreachableError(failures).message;
    this.setState({ state: 'unreachable', reason, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private onData(session: Session, event: WireMigrationEvent): void {
    if (session.done) return;
    if (!session.established) {
      session.established = true;
      this.client.markGood(session.index);
      this.setState({ state: 'connected', endpoint: session.endpoint });
    }
    switch (event.type) {
      case 'TYPE_SNAPSHOT':
        if (event.migration) {
          session.snapshotIds.push(blixardMigrationId(this.context.sourceId, event.migration.id));
          this.apply(event.migration);
        }
        break;
      case 'TYPE_SNAPSHOT_END':
        clearTimeout(session.timer);
        this.onSnapshotEnd(session);
        break;
      case 'TYPE_UPDATE':
        if (!event.migration) break;
        if (session.held) session.held.push(event.migration);
        else this.apply(event.migration);
        break;
      default:
        this.options.log?.(`Ignored a migration event of unknown type from "${this.client.clusterName}".`);
    }
  }

  private onSnapshotEnd(session: Session): void {
    const reconnect = this.everSynced;
    const markSynced = () => {
      session.synced = true;
      session.syncedAt = Date.now();
      this.everSynced = true;
      this.events.fire({ type: 'synced', migrationIds: session.snapshotIds });
    };
    if (!reconnect) {
      markSynced();
      return;
    }
    // Migrations we saw running may have ended while we were away, and others may have come
    // and gone: read them before declaring the stream synced.
    const snapshot = new Set(session.snapshotIds);
    const missing = this.ledger.active().filter((i) => !snapshot.has(blixardMigrationId(this.context.sourceId, i.id)));
    const since = Math.max(this.ledger.newestUpdateAt, this.lostAt) - this.options.reconcileWindowMs;
    session.held = [];
    const finish = () => {
      const held = session.held ?? [];
      session.held = undefined;
      markSynced();
      for (const info of held) this.apply(info);
    };
    this.reconcile(session, missing, since, 0, finish);
  }

  private reconcile(session: Session, missing: WireMigrationInfo[], since: number, attempt: number, finish: () => void): void {
    this.client
      .call('migration', 'ListMigrations', {}, { action: 'list migrations', idempotent: true, deadlineMs: this.options.callDeadlineMs })
      .then((response) => {
        if (session.done) return;
        const wanted = new Set(missing.map((i) => i.id));
        const found = (response.migrations ?? []).filter((i) => wanted.has(i.id) || wireNumber(i.updatedAtUnixMs) >= since);
        // Oldest first, so the ledger sees each migration's updates in order.
        found.sort((a, b) => wireNumber(a.updatedAtUnixMs) - wireNumber(b.updatedAtUnixMs));
        for (const info of found) this.apply(info);
        const gone = missing.filter((i) => !found.some((f) => f.id === i.id));
        if (gone.length > 0) {
          this.options.log?.(`Blixard cluster "${this.client.clusterName}" no longer knows migration(s) ${gone.map((g) => g.id).join(', ')}.`);
        }
        if (session.held) finish();
      })
      .catch((err: unknown) => {
        if (session.done) return;
        this.options.log?.(`Could not reconcile migrations of "${this.client.clusterName}" after reconnecting: ${describeError(err)}`);
        // Carry on streaming; try the reconcile again shortly, the missed endings still matter.
        if (session.held) finish();
        // No jitter: one stream's own follow-up call, not many clients returning at once.
        const delay = backoffDelay(attempt, { initialMs: 1_000, maxMs: 30_000, jitter: 0 });
        this.reconcileTimer = setTimeout(() => {
          if (!session.done) this.reconcile(session, missing, since, attempt + 1, () => {});
        }, delay);
      });
  }

  /** Applies one update through the ledger and reports it when it moves the migration on. */
  private apply(info: WireMigrationInfo): void {
    const { verdict, previous } = this.ledger.accept(info);
    if (verdict !== 'new' && verdict !== 'changed') return;
    this.changes.fire({ info, previous });
    this.events.fire({ type: 'observation', observation: toMigrationObservation(info, this.context) });
  }

  private setState(state: ConnectionState, announce = true): void {
    const same = JSON.stringify(state) === JSON.stringify(this.currentState);
    this.currentState = state;
    if (same || !announce) return;
    this.states.fire(state);
    if (this.running) this.events.fire({ type: 'connection', state });
  }
}

