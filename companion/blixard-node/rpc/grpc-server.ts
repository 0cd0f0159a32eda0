// The gRPC face of a node daemon: loads the wire contract, maps each RPC to NodeOperations,
// turns every failure into a status a person can read, and serves plain or (m)TLS.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { locateBlixardProto } from '../proto-location';
import { RpcError } from './rpc-error';
import { StoreUnavailableError } from '../store/cluster-store';
import { WaitTimeoutError } from '../state/cluster-view';
import { WriteConflictError } from '../state/state-writer';

export interface TlsFiles {
  /** PEM server certificate chain. */
  cert: Buffer;
  /** PEM private key. */
  key: Buffer;
  /** PEM CA bundle: when given, clients must present a certificate it signed (mTLS). */
  ca?: Buffer;
}

/**
 * Field names as in the proto, enums as names, 64-bit integers as decimal strings (as the
 * extension's client reads them): a number would round an id past 2^53 before it could be
 * checked, and the caller would be told about an id it never sent.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

let cachedPackage: grpc.GrpcObject | undefined;

export function loadBlixardPackage(): grpc.GrpcObject {
  if (!cachedPackage) {
    const definition = protoLoader.loadSync(locateBlixardProto(), PROTO_LOADER_OPTIONS);
    cachedPackage = grpc.loadPackageDefinition(definition).blixard as grpc.GrpcObject;
  }
  return cachedPackage;
}

/** Marks a request whose bytes were not a valid protobuf message. */
export const UNDECODABLE = Symbol('undecodable request');

/**
 * The service definition, with request decoding that never throws: grpc-js would answer a
 * decoding failure with INTERNAL; the handlers answer INVALID_ARGUMENT instead.
 */
export function serviceDefinition(name: 'ClusterService' | 'MigrationService'): grpc.ServiceDefinition {
  const service = (loadBlixardPackage()[name] as grpc.ServiceClientConstructor).service;
  const wrapped: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [method, def] of Object.entries(service)) {
    wrapped[method] = {
      ...def,
      // A handler may answer with bytes it serialized (and cached) itself.
      responseSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : def.responseSerialize(value)),
      requestDeserialize: (bytes: Buffer) => {
        try {
          return def.requestDeserialize(bytes);
        } catch {
          return { [UNDECODABLE]: true };
        }
      },
    };
  }
  return wrapped as grpc.ServiceDefinition;
}

/** Serializes a response the way the service would, for handlers that cache their answer. */
export function serializeResponse(service: 'ClusterService' | 'MigrationService', method: string, value: unknown): Buffer {
  return (loadBlixardPackage()[service] as grpc.ServiceClientConstructor).service[method].responseSerialize(value);
}

export function isUndecodable(request: unknown): boolean {
  return !!request && typeof request === 'object' && UNDECODABLE in request;
}

export function serverCredentials(tls?: TlsFiles): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}

type Log = (line: string) => void;

/** A gRPC status for any error: ours carry their code; the store's mean "try again"; the rest is internal. */
export function toServiceError(err: unknown, log: Log, method: string): Partial<grpc.ServiceError> {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (err instanceof StoreUnavailableError) return { code: grpc.status.UNAVAILABLE, details: `cluster store unreachable: ${err.message}` };
  if (err instanceof WriteConflictError) return { code: grpc.status.ABORTED, details: err.message };
  if (err instanceof WaitTimeoutError) return { code: grpc.status.DEADLINE_EXCEEDED, details: 'the cluster did not apply the change in time; try again' };
  if ((err as Error)?.message === 'daemon stopping') return { code: grpc.status.UNAVAILABLE, details: 'the node daemon is shutting down' };
  log(`${method} failed: ${(err as Error)?.stack ?? String(err)}`);
  return { code: grpc.status.INTERNAL, details: 'internal error in the node daemon (see its log)' };
}

/** Adapts `handler(request, signal)` to a unary gRPC handler; the signal aborts when the caller goes away. */
export function unary<Req, Res>(method: string, log: Log, handler: (request: Req, signal: AbortSignal) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort(new Error('caller cancelled')));
    Promise.resolve()
      .then(() => handler(call.request, controller.signal))
      .then(
        (response) => callback(null, response),
        (err) => callback(toServiceError(err, log, method) as grpc.ServiceError),
      );
  };
}
