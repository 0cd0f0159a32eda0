// A gRPC proxy in front of a real Blixard node daemon that counts the calls going through it,
// by method. Messages pass as raw bytes (nothing is decoded or re-encoded), unary and
// server-streaming calls alike, deadlines, metadata and cancellation included — so what the
// extension's client does is exactly what the daemon sees, and the test counts it on its side.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { findBlixardProto } from '../../../../../src/sources/blixard/grpc-runtime';
import { BLIXARD_PROTO_LOADER_OPTIONS } from '../../../../../proto/wire-options';

const passBytes = (value: Buffer): Buffer => value;

export class CountingGrpcProxy {
  private readonly counts = new Map<string, number>();

  private constructor(
    private readonly server: grpc.Server,
    private readonly upstream: grpc.Client,
    /** HOST:PORT to point a client at. */
    readonly address: string,
  ) {}

  /** Listens on a free loopback port and forwards everything to `target` (plaintext). */
  static async start(target: string): Promise<CountingGrpcProxy> {
    const definition = protoLoader.loadSync(findBlixardProto(), BLIXARD_PROTO_LOADER_OPTIONS);
    const upstream = new grpc.Client(target, grpc.credentials.createInsecure());
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    const proxy = new CountingGrpcProxy(server, upstream, `127.0.0.1:${port}`);
    for (const service of Object.values(definition)) {
      if (!isService(service)) continue;
      const passThrough: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
      const handlers: grpc.UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(service)) {
        passThrough[name] = {
          path: method.path,
          requestStream: method.requestStream,
          responseStream: method.responseStream,
          requestSerialize: passBytes,
          requestDeserialize: passBytes,
          responseSerialize: passBytes,
          responseDeserialize: passBytes,
        };
        handlers[name] = method.responseStream ? proxy.forwardStream(name, method.path) : proxy.forwardUnary(name, method.path);
      }
      server.addService(passThrough, handlers);
    }
    return proxy;
  }

  /** Calls of one method (e.g. 'ListVms') since the start or the last reset. */
  count(method: string): number {
    return this.counts.get(method) ?? 0;
  }

  /** Every method called, with its count. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }

  async stop(): Promise<void> {
    this.upstream.close();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private note(method: string): void {
    this.counts.set(method, this.count(method) + 1);
  }

  private forwardUnary(method: string, path: string): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      this.note(method);
      const upstreamCall = this.upstream.makeUnaryRequest(path, passBytes, passBytes, call.request, call.metadata, { deadline: call.getDeadline() }, (err, response) =>
        err ? callback(err) : callback(null, response),
      );
      call.on('cancelled', () => upstreamCall.cancel());
    };
  }

  private forwardStream(method: string, path: string): grpc.handleServerStreamingCall<Buffer, Buffer> {
    return (call) => {
      this.note(method);
      const upstreamCall = this.upstream.makeServerStreamRequest(path, passBytes, passBytes, call.request, call.metadata, { deadline: call.getDeadline() });
      upstreamCall.on('data', (chunk: Buffer) => call.write(chunk));
      upstreamCall.on('error', (err: grpc.ServiceError) => call.emit('error', err));
      upstreamCall.on('end', () => call.end());
      call.on('cancelled', () => upstreamCall.cancel());
    };
  }
}

function isService(value: unknown): value is Record<string, protoLoader.MethodDefinition<object, object>> {
  if (!value || typeof value !== 'object' || 'format' in value) return false; // message and enum definitions carry a format
  return Object.values(value).every((m) => m && typeof m === 'object' && 'path' in m);
}
