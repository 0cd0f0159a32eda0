// The one set of @grpc/proto-loader options with which both the extension's client and the node
// daemon load blixard.proto, and which the generated types in proto/gen/ describe. Change it and
// run `npm run gen:wire`; test/unit/sources/blixard/wire-types.test.ts fails until then.

import type { Options } from '@grpc/proto-loader';

/**
 * - camelCase field names (`keepCase: false`, proto-loader's default): the names TypeScript reads
 *   naturally. The daemon once kept the proto's snake_case; that was only a spelling, the bytes on
 *   the wire are the same, and its messages still name fields as the proto does ("vm_name must not
 *   be empty").
 * - 64-bit integers as decimal strings: a number would round an id past 2^53 before it could be
 *   checked, and the caller would be told about an id it never sent.
 * - enums as their names; absent fields as their defaults (absent sub-messages as null); a oneof
 *   names its present field.
 */
export const BLIXARD_PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;
