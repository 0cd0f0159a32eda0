// Loads @grpc/grpc-js, @grpc/proto-loader and the Blixard proto on first use, once per
// process: requiring them costs ~115 ms, which activation must not pay (DESIGN.md).

import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as GrpcModule from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../../proto/gen/blixard';
import { BLIXARD_PROTO_LOADER_OPTIONS } from '../../../proto/wire-options';
import { SourceError } from '../../model/errors';
import { decodeListVmsResponse } from './list-vms-decoder';

export type Grpc = typeof GrpcModule;

export interface BlixardGrpcRuntime {
  grpc: Grpc;
  ClusterService: ProtoGrpcType['blixard']['ClusterService'];
  MigrationService: ProtoGrpcType['blixard']['MigrationService'];
  ConsoleService: ProtoGrpcType['blixard']['ConsoleService'];
  protoPath: string;
}

const PROTO_FILE = 'blixard.proto';

/**
 * Where the proto sits next to the running code: the extension bundle (dist/extension.js →
 * dist/proto), the CLI and companion bundles (dist/cli/… → dist/proto), and the TypeScript
 * sources run by tsx (src/sources/blixard → <repo>/proto).
 */
export function protoCandidates(baseDir: string = __dirname): string[] {
  return [
    path.join(baseDir, 'proto', PROTO_FILE),
    path.join(baseDir, '..', 'proto', PROTO_FILE),
    path.join(baseDir, '..', '..', '..', 'proto', PROTO_FILE),
  ];
}

export function findBlixardProto(baseDir: string = __dirname): string {
  const candidates = protoCandidates(baseDir);
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new SourceError('internal', `The Blixard protocol file is missing (looked for ${candidates.join(', ')}); reinstall or rebuild the extension.`);
  }
  return found;
}

const runtimes = new Map<string, BlixardGrpcRuntime>();

export function loadBlixardGrpc(protoPath?: string): BlixardGrpcRuntime {
  const file = protoPath ?? findBlixardProto();
  const cached = runtimes.get(file);
  if (cached) return cached;
  // Required here, not imported at the top, so importing this module stays cheap.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const grpc = require('@grpc/grpc-js') as Grpc;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const protoLoader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  // The options the daemon loads with too, and that the generated wire types describe.
  const definition = protoLoader.loadSync(file, BLIXARD_PROTO_LOADER_OPTIONS);
  // The one answer read by the ten thousand (list-vms-decoder.ts): the same objects, without protobufjs's two copies of each.
  (definition['blixard.ClusterService'] as ServiceDefinition).ListVms.responseDeserialize = decodeListVmsResponse;
  const pkg = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  const runtime: BlixardGrpcRuntime = {
    grpc,
    ClusterService: pkg.blixard.ClusterService,
    MigrationService: pkg.blixard.MigrationService,
    ConsoleService: pkg.blixard.ConsoleService,
    protoPath: file,
  };
  runtimes.set(file, runtime);
  return runtime;
}
