// The gRPC connection to one Blixard cluster: a channel per endpoint (created on first use),
// TLS or plain text, a deadline on every call, and failover to the next endpoint when one is
// down — remembering the endpoint that answered last so the next call goes there first.

import { readFileSync } from 'node:fs';
import type * as GrpcModule from '@grpc/grpc-js';
import type { DecodedResponseOf, MethodName, RequestOf } from '../../../proto/blixard-services';
import type { ConsoleInput } from '../../../proto/gen/blixard/ConsoleInput';
import type { ConsoleOutput__Output } from '../../../proto/gen/blixard/ConsoleOutput';
import { SourceError } from '../../model/errors';
import { clusterDisplayName, parseEndpoint, type BlixardClusterConfig, type BlixardEndpoint } from './blixard-cluster-config';
import { GrpcStatus, isEndpointFailure, isGrpcFailure, toSourceError, type GrpcFailure } from './grpc-error';
import { loadBlixardGrpc, type BlixardGrpcRuntime } from './grpc-runtime';
import { Disposable } from '../../base/lifecycle';
import { secretRegistry } from '../../base/secret-registry';

export type BlixardService = 'cluster' | 'migration';

/** The proto service each of ours names. */
interface ProtoServiceOf {
  cluster: 'ClusterService';
  migration: 'MigrationService';
}

/** A method of the service, as the proto names it (a renamed one breaks the build). */
export type BlixardMethod<S extends BlixardService> = MethodName<ProtoServiceOf[S]>;
/** The request of a method as the caller builds it (typed by the generated proto types). */
export type BlixardRequest<S extends BlixardService, M extends BlixardMethod<S>> = RequestOf<ProtoServiceOf[S], M>;
/** The response of a method as it arrives (with the loader options of proto/wire-options.ts). */
export type BlixardResponse<S extends BlixardService, M extends BlixardMethod<S>> = DecodedResponseOf<ProtoServiceOf[S], M>;

export interface BlixardClientOptions {
  /** Deadline of each unary call attempt on one endpoint. */
  callDeadlineMs: number;
  /** HTTP/2 keepalive ping interval on open streams, so a silently dead peer is noticed. */
  keepaliveMs: number;
  /** Override the proto location (tests, unusual layouts). */
  protoPath?: string;
}

export interface CallOptions {
  /** "list VMs": completes the sentence of an error message. */
  action: string;
  /**
   * Safe to send again to another endpoint after a deadline. A request that is not may have
   * been carried out by a slow endpoint, so it fails over only when the endpoint never connected.
   */
  idempotent: boolean;
  deadlineMs?: number;
  signal?: AbortSignal;
}

/** Reported after every call, so the source can keep its connection state current. */
export type CallOutcome = { ok: true; endpoint: string } | { ok: false; reachable: boolean; error: SourceError };

interface EndpointChannel {
  endpoint: BlixardEndpoint;
  cluster: GrpcModule.Client;
  migration: GrpcModule.Client;
}

type UnaryMethod = (request: unknown, options: GrpcModule.CallOptions, callback: (err: GrpcModule.ServiceError | null, res?: unknown) => void) => GrpcModule.ClientUnaryCall;
type StreamMethod = (request: unknown, options?: GrpcModule.CallOptions) => GrpcModule.ClientReadableStream<unknown>;

/** One ConsoleService.AttachConsole call; `release()` once it has ended frees what it alone used. */
export interface ConsoleCall {
  call: GrpcModule.ClientDuplexStream<ConsoleInput, ConsoleOutput__Output>;
  release(): void;
}

export class BlixardClient extends Disposable {
  readonly endpoints: BlixardEndpoint[];
  private runtime?: BlixardGrpcRuntime;
  private channels?: EndpointChannel[];
  private preferred = 0;
  private readonly outcomeListeners = new Set<(outcome: CallOutcome) => void>();

  constructor(
    private readonly config: BlixardClusterConfig,
    private readonly options: BlixardClientOptions,
  ) {
    super();
    this.endpoints = (Array.isArray(config.endpoints) ? config.endpoints : []).map((e) => (typeof e === 'string' ? parseEndpoint(e) : undefined)).filter((e): e is BlixardEndpoint => e !== undefined);
  }

  get clusterName(): string {
    return clusterDisplayName(this.config);
  }

  /** The endpoint calls go to first. */
  get preferredEndpoint(): string {
    return this.endpoints[this.preferred]?.address ?? '';
  }

  onOutcome(listener: (outcome: CallOutcome) => void): { dispose(): void } {
    this.outcomeListeners.add(listener);
    return { dispose: () => this.outcomeListeners.delete(listener) };
  }

  /** Endpoint indexes in the order to try them: the last good one first, then the rest in order. */
  endpointOrder(): number[] {
    const order = [this.preferred];
    for (let i = 0; i < this.endpoints.length; i++) if (i !== this.preferred) order.push(i);
    return order;
  }

  markGood(index: number): void {
    this.preferred = index;
    this.report({ ok: true, endpoint: this.endpoints[index].address });
  }

  /** One call with failover across the endpoints; rejects with SourceError. */
  async call<S extends BlixardService, M extends BlixardMethod<S>>(service: S, method: M, request: BlixardRequest<S, M>, options: CallOptions): Promise<BlixardResponse<S, M>> {
    const deadlineMs = options.deadlineMs ?? this.options.callDeadlineMs;
    const failures: { endpoint: string; error: SourceError }[] = [];
    for (const index of this.endpointOrder()) {
      const endpoint = this.endpoints[index].address;
      try {
        const response = await this.callOn(index, service, method, request, deadlineMs, options.signal);
        this.markGood(index);
        return response;
      } catch (err) {
        const error = toSourceError(err, { cluster: this.clusterName, endpoint, action: options.action, deadlineMs });
        if (isGrpcFailure(err) && this.mayFailOver(err, index, options.idempotent) && !options.signal?.aborted && !this.isDisposed) {
          failures.push({ endpoint, error });
          continue;
        }
        // The endpoint answered (with a refusal): it is alive, and the error is the cluster's word.
        if (isGrpcFailure(err) && !isEndpointFailure(err.code) && err.code !== GrpcStatus.CANCELLED) this.markGood(index);
        else this.report({ ok: false, reachable: false, error });
        throw error;
      }
    }
    const error = this.unreachableError(failures);
    this.report({ ok: false, reachable: false, error });
    throw error;
  }

  /** One attempt on one endpoint. Rejects with the raw gRPC failure (or SourceError for setup problems). */
  callOn<S extends BlixardService, M extends BlixardMethod<S>>(
    index: number,
    service: S,
    method: M,
    request: BlixardRequest<S, M>,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<BlixardResponse<S, M>> {
    const channel = this.channel(index);
    const client = service === 'cluster' ? channel.cluster : channel.migration;
    const fn = (client as unknown as Record<string, UnaryMethod>)[method];
    return new Promise<BlixardResponse<S, M>>((resolve, reject) => {
      if (signal?.aborted) {
        reject({ code: GrpcStatus.CANCELLED, details: 'cancelled' } satisfies GrpcFailure);
        return;
      }
      const call = fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res as BlixardResponse<S, M>);
      });
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Opens a server stream on one endpoint; the caller watches it for liveness (see MigrationStream). */
  openStream<S extends BlixardService, M extends BlixardMethod<S>>(index: number, service: S, method: M, request: BlixardRequest<S, M>): GrpcModule.ClientReadableStream<BlixardResponse<S, M>> {
    const channel = this.channel(index);
    const client = service === 'cluster' ? channel.cluster : channel.migration;
    const fn = (client as unknown as Record<string, StreamMethod>)[method];
    return fn.call(client, request) as GrpcModule.ClientReadableStream<BlixardResponse<S, M>>;
  }

  /**
   * Opens a VM's console on the daemon at `address`: over a configured endpoint's channel, or —
   * for a node the cluster names that the settings do not list — over a channel of its own
   * with the cluster's credentials, closed by `release()`.
   */
  openConsole(address: string): ConsoleCall {
    const index = this.endpoints.findIndex((e) => e.address === address);
    if (this.isDisposed) throw new SourceError('unavailable', `The connection to Blixard cluster "${this.clusterName}" is closed.`);
    const shared = index >= 0 ? this.channel(index) : undefined;
    this.runtime ??= loadBlixardGrpc(this.options.protoPath);
    const { ConsoleService, grpc } = this.runtime;
    const client = shared
      ? new ConsoleService(address, grpc.credentials.createInsecure(), { channelOverride: shared.cluster.getChannel() })
      : new ConsoleService(address, this.credentials(grpc), this.channelOptions());
    type Duplex = ConsoleCall['call'];
    const call = (client as unknown as { AttachConsole(): Duplex }).AttachConsole();
    // Closing a client that borrowed a channel would close the endpoint's channel with it.
    return { call, release: () => (shared ? undefined : client.close()) };
  }

  override dispose(): void {
    super.dispose();
    for (const channel of this.channels ?? []) {
      channel.migration.close();
      channel.cluster.close();
    }
    this.channels = undefined;
    this.outcomeListeners.clear();
  }

  private report(outcome: CallOutcome): void {
    for (const listener of [...this.outcomeListeners]) listener(outcome);
  }

  private mayFailOver(err: GrpcFailure, index: number, idempotent: boolean): boolean {
    if (err.code === GrpcStatus.UNAVAILABLE) return true;
    if (err.code !== GrpcStatus.DEADLINE_EXCEEDED) return false;
    return idempotent || !this.isConnected(index);
  }

  private isConnected(index: number): boolean {
    const channel = this.channels?.[index];
    if (!channel || !this.runtime) return false;
    return channel.cluster.getChannel().getConnectivityState(false) === this.runtime.grpc.connectivityState.READY;
  }

  /**
   * One error for a round in which every endpoint failed (calls and the migration stream alike).
   * Endpoints that failed the same way share their cause, so three refused ports stay one short line.
   */
  unreachableError(failures: readonly { endpoint: string; error: SourceError }[]): SourceError {
    if (failures.length === 1) return failures[0].error;
    const allTimeouts = failures.every((f) => f.error.code === 'timeout');
    const byCause = new Map<string, string[]>();
    for (const f of failures) {
      const cause = describeShort(f.error);
      byCause.set(cause, [...(byCause.get(cause) ?? []), f.endpoint]);
    }
    const reasons = [...byCause].map(([cause, endpoints]) => `${endpoints.join(', ')}: ${cause}`).join('; ');
    return new SourceError(allTimeouts ? 'timeout' : 'unavailable', `Cannot reach any endpoint of Blixard cluster "${this.clusterName}" (${reasons}).`);
  }

  private channel(index: number): EndpointChannel {
    if (this.isDisposed) throw new SourceError('unavailable', `The connection to Blixard cluster "${this.clusterName}" is closed.`);
    if (!this.channels) this.channels = this.createChannels();
    return this.channels[index];
  }

  private createChannels(): EndpointChannel[] {
    this.runtime ??= loadBlixardGrpc(this.options.protoPath);
    const { grpc, ClusterService, MigrationService } = this.runtime;
    const credentials = this.credentials(grpc);
    const channelOptions = this.channelOptions();
    return this.endpoints.map((endpoint) => {
      const cluster = new ClusterService(endpoint.address, credentials, channelOptions);
      const migration = new MigrationService(endpoint.address, credentials, { channelOverride: cluster.getChannel() });
      return { endpoint, cluster, migration };
    });
  }

  private channelOptions(): GrpcModule.ClientOptions {
    return {
      'grpc.keepalive_time_ms': this.options.keepaliveMs,
      'grpc.keepalive_timeout_ms': Math.min(this.options.keepaliveMs, 10_000),
      // A restarted daemon should be found again within seconds, not grpc's default two minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5_000,
      // Connections of this cluster are ours alone: no sharing of backoff state with other clients in the process.
      'grpc.use_local_subchannel_pool': 1,
    };
  }

  private credentials(grpc: BlixardGrpcRuntime['grpc']): GrpcModule.ChannelCredentials {
    const tls = this.config.tls;
    if (!tls) return grpc.credentials.createInsecure();
    const ca = this.readTlsFile('CA certificate (tls.caFile)', tls.caFile);
    const cert = tls.certFile ? this.readTlsFile('client certificate (tls.certFile)', tls.certFile) : null;
    const key = tls.keyFile ? this.readTlsFile('client key (tls.keyFile)', tls.keyFile) : null;
    // Known by value from now on: an error that echoes the key is scrubbed wherever it goes.
    secretRegistry.addKeyMaterial(key);
    try {
      return grpc.credentials.createSsl(ca, key, cert);
    } catch (err) {
      // OpenSSL's words ("DECODER routines::unsupported") help little: say which files to check.
      const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new SourceError(
        'invalid-argument',
        `The TLS files of Blixard cluster "${this.clusterName}" are not usable: check that tls.caFile, tls.certFile and tls.keyFile hold PEM certificates and a matching PEM key (${detail}).`,
      );
    }
  }

  private readTlsFile(what: string, file: string): Buffer {
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unreadable');
      throw new SourceError('invalid-argument', `Cannot read the ${what} of Blixard cluster "${this.clusterName}" at ${file}: ${reason}.`);
    }
  }
}

function describeShort(error: SourceError): string {
  if (error.code === 'timeout') return 'no answer in time';
  const m = /: ([^:]+)\.$/.exec(error.message);
  return m ? m[1] : error.message;
}
