// The gRPC face of a node daemon: loads the wire contract, adapts typed handlers to grpc-js
// (requests checked as untrusted input, every failure mapped by status-table.ts), and serves
// plain or (m)TLS.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../../proto/gen/blixard';
import type { BlixardServiceName, DecodedRequestOf, MethodName, ResponseOf } from '../../../proto/blixard-services';
import { BLIXARD_PROTO_LOADER_OPTIONS } from '../../../proto/wire-options';
import { locateBlixardProto } from '../proto-location';
import { CallerCancelledError } from './call-errors';
import { UNDECODABLE, requireRequest, type Untrusted } from './request-validation';
import { toServiceError } from './status-table';
import type { Complete } from './wire-format';
import type { TlsFiles } from '../listen-address';

export type { TlsFiles } from '../listen-address';

type BlixardPackage = ProtoGrpcType['blixard'];

let cachedPackage: BlixardPackage | undefined;

export function loadBlixardPackage(): BlixardPackage {
  if (!cachedPackage) {
    const definition = protoLoader.loadSync(locateBlixardProto(), BLIXARD_PROTO_LOADER_OPTIONS);
    cachedPackage = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).blixard;
  }
  return cachedPackage;
}

/**
 * The service definition, with request decoding that never throws: grpc-js would answer a
 * decoding failure with INTERNAL; the handlers answer INVALID_ARGUMENT instead.
 */
export function serviceDefinition(name: BlixardServiceName): grpc.ServiceDefinition {
  const service: grpc.ServiceDefinition = loadBlixardPackage()[name].service;
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

/** A response with every field given, or the bytes of one a handler serialized (and cached) itself. */
export type Reply<S extends BlixardServiceName, M extends MethodName<S>> = Complete<ResponseOf<S, M>> | Buffer;

/** Serializes a response the way the service would, for handlers that cache their answer. */
export function serializeResponse<S extends BlixardServiceName, M extends MethodName<S>>(service: S, method: M, value: Complete<ResponseOf<S, M>>): Buffer {
  const definition: grpc.ServiceDefinition = loadBlixardPackage()[service].service;
  return definition[method].responseSerialize(value);
}

/** One handler per method of the service, no more, no less. */
export type ServiceHandlers<S extends BlixardServiceName> = { [M in MethodName<S>]: grpc.UntypedHandleCall };

export function serverCredentials(tls?: TlsFiles): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}

type Log = (line: string) => void;

/**
 * Unary handlers of one service: `unary(method, handler)` adapts `handler(request, signal)` to
 * grpc-js. The request is checked to be a decoded message and handed over with its fields typed
 * `unknown` (the caller is untrusted); the signal aborts when the caller goes away.
 */
export function unaryHandlers<S extends BlixardServiceName>(_service: S, log: Log) {
  return <M extends MethodName<S>>(
    method: M,
    handler: (request: Untrusted<DecodedRequestOf<S, M>>, signal: AbortSignal) => Promise<Reply<S, M>> | Reply<S, M>,
  ): grpc.handleUnaryCall<unknown, unknown> =>
    (call, callback) => {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort(new CallerCancelledError()));
      Promise.resolve()
        .then(() => handler(requireRequest<DecodedRequestOf<S, M>>(call.request), controller.signal))
        .then(
          (response) => callback(null, response),
          (err) => callback(toServiceError(err, log, method) as grpc.ServiceError),
        );
    };
}
