// GET /openapi/v2: older kubectl (such as Debian's 1.20) fetches it — as protobuf — before
// `kubectl create`, and fails on a 404. A schema-less document (no definitions) makes it skip
// client-side validation, which is what a CRD without a published schema gets anyway.
import { SERVER_VERSION } from './discovery';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return out;
}

/** A length-delimited protobuf field (wire type 2). */
function field(number: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(number << 3) | 2, ...varint(payload.length)]), payload]);
}

/** gnostic openapi_v2.Document { swagger = 1; info = 2 { title = 1; version = 2 } }. */
export function openApiV2Protobuf(): Buffer {
  const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from(SERVER_VERSION.gitVersion))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}

export function openApiV2Json(): Record<string, unknown> {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths: {}, definitions: {} };
}
