// The services of blixard.proto as types, read off the generated definitions in proto/gen/: the
// method names, and for each method the message a sender builds and the one a receiver decodes
// (with the loader options of wire-options.ts). The client and the daemon both type their calls
// and handlers with these, so a renamed method or field breaks the build on both sides.

import type { MethodDefinition } from '@grpc/proto-loader';
import type { ClusterServiceDefinition } from './gen/blixard/ClusterService';
import type { MigrationServiceDefinition } from './gen/blixard/MigrationService';
import type { ConsoleServiceDefinition } from './gen/blixard/ConsoleService';

export interface BlixardServices {
  ClusterService: ClusterServiceDefinition;
  MigrationService: MigrationServiceDefinition;
  ConsoleService: ConsoleServiceDefinition;
}

export type BlixardServiceName = keyof BlixardServices;

/** The service's own methods (a grpc-js ServiceDefinition also carries a string index signature). */
export type MethodName<S extends BlixardServiceName> = keyof {
  [K in keyof BlixardServices[S] as string extends K ? never : number extends K ? never : K]: true;
} &
  string;

type Method<S extends BlixardServiceName, M extends MethodName<S>> = BlixardServices[S][M];

type Parts<S extends BlixardServiceName, M extends MethodName<S>> =
  Method<S, M> extends MethodDefinition<infer Req, infer Res, infer DecodedReq, infer DecodedRes> ? { req: Req; res: Res; decodedReq: DecodedReq; decodedRes: DecodedRes } : never;

/** A request as its sender builds it: every field optional, 64-bit fields as number, string or Long. */
export type RequestOf<S extends BlixardServiceName, M extends MethodName<S>> = Parts<S, M>['req'];
/** A request as the receiver decodes it: every field present, 64-bit fields as decimal strings, enums as names. */
export type DecodedRequestOf<S extends BlixardServiceName, M extends MethodName<S>> = Parts<S, M>['decodedReq'];
/** A response as the server builds it. */
export type ResponseOf<S extends BlixardServiceName, M extends MethodName<S>> = Parts<S, M>['res'];
/** A response as the client decodes it. */
export type DecodedResponseOf<S extends BlixardServiceName, M extends MethodName<S>> = Parts<S, M>['decodedRes'];
