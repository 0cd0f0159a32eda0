// gRPC failures → SourceError with a sentence a person can act on. The daemon's own words
// (details) are kept for the errors it raises on purpose; transport noise is summarised.

import { SourceError, type SourceErrorCode } from '../../model/errors';

/** gRPC status codes (grpc-js `status`), copied so this file costs nothing to import. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const CODES: Record<number, SourceErrorCode> = {
  [GrpcStatus.CANCELLED]: 'unavailable',
  [GrpcStatus.UNKNOWN]: 'internal',
  [GrpcStatus.INVALID_ARGUMENT]: 'invalid-argument',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'timeout',
  [GrpcStatus.NOT_FOUND]: 'not-found',
  [GrpcStatus.ALREADY_EXISTS]: 'conflict',
  [GrpcStatus.PERMISSION_DENIED]: 'forbidden',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'failed-precondition',
  [GrpcStatus.FAILED_PRECONDITION]: 'failed-precondition',
  [GrpcStatus.ABORTED]: 'conflict',
  [GrpcStatus.OUT_OF_RANGE]: 'invalid-argument',
  [GrpcStatus.UNIMPLEMENTED]: 'failed-precondition',
  [GrpcStatus.INTERNAL]: 'internal',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.DATA_LOSS]: 'internal',
  [GrpcStatus.UNAUTHENTICATED]: 'unauthenticated',
};

/** The shape of a grpc-js ServiceError that matters here. */
export interface GrpcFailure {
  code: number;
  details?: string;
  message?: string;
}

export function isGrpcFailure(err: unknown): err is GrpcFailure {
  return typeof err === 'object' && err !== null && typeof (err as GrpcFailure).code === 'number';
}

/** Failures after which another endpoint of the cluster may well answer. */
export function isEndpointFailure(code: number): boolean {
  return code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED;
}

export interface ErrorContext {
  /** Cluster name as the user knows it. */
  cluster: string;
  endpoint: string;
  /** What we were doing, e.g. "list VMs". */
  action: string;
  deadlineMs: number;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
};

/** What TLS failures mean for the person who configured the cluster. */
const TLS_HINTS: [RegExp, string][] = [
  [/certificate required/i, 'the daemon requires a client certificate (set tls.certFile and tls.keyFile)'],
  [/self[- ]signed certificate|unable to (get local issuer|verify the first) certificate/i, "the daemon's certificate is not signed by the CA in tls.caFile"],
  [/certificate has expired/i, "the daemon's certificate has expired"],
  [/altnames|hostname\/ip does not match/i, "the daemon's certificate is not issued for this host name or address"],
  [/unknown ca|bad certificate|certificate unknown/i, 'the daemon did not accept the client certificate'],
  [/wrong version number|packet length too long|http\/1\.x|unexpected eof|EPROTO/i, 'the daemon does not speak TLS on this port'],
];

/**
 * gRPC transport details read like "No connection established. Last error: Error: connect
 * ECONNREFUSED 127.0.0.1:1 (2025-…). Resolution note: …": keep the part a person can use.
 */
function transportReason(details: string): string {
  const socket = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b/.exec(details);
  if (socket) return SOCKET_ERRORS[socket[1]];
  for (const [pattern, hint] of TLS_HINTS) if (pattern.test(details)) return `TLS handshake failed: ${hint}`;
  const last = /Last error: (?:Error: )?(.*?)(?: \(\d{4}-\d\d-\d\dT[^)]*\))?\.?(?: Resolution note:.*)?$/.exec(firstLine(details));
  const core = (last ? last[1] : firstLine(details)).trim();
  if (/SSL routines|certificate|TLS/i.test(core)) return `TLS handshake failed (${opensslReason(core)})`;
  if (/^failed to connect$/i.test(core)) return 'the connection failed';
  return core || 'no connection';
}

/** "806C…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert …:../deps/…" → "tlsv13 alert …". */
function opensslReason(text: string): string {
  const m = /routines:[^:]*:([^:]+)/.exec(text);
  return (m ? m[1] : text).trim();
}

export function toSourceError(err: unknown, context: ErrorContext): SourceError {
  if (err instanceof SourceError) return err;
  if (!isGrpcFailure(err)) {
    const text = err instanceof Error ? firstLine(err.message) : String(err);
    return new SourceError('internal', `Could not ${context.action} on Blixard cluster "${context.cluster}": ${text}`);
  }
  const code = CODES[err.code] ?? 'internal';
  const details = firstLine(err.details ?? err.message ?? '');
  switch (err.code) {
    case GrpcStatus.UNAVAILABLE:
      return new SourceError(code, `Cannot reach Blixard cluster "${context.cluster}" at ${context.endpoint}: ${transportReason(err.details ?? '')}.`);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new SourceError(
        code,
        `Blixard cluster "${context.cluster}" did not answer within ${formatSeconds(context.deadlineMs)} at ${context.endpoint} (${context.action}).`,
      );
    case GrpcStatus.CANCELLED:
      return new SourceError(code, `The request to ${context.action} on Blixard cluster "${context.cluster}" was cancelled.`);
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
      return new SourceError(code, `Blixard cluster "${context.cluster}" refused to ${context.action}: ${details || 'not allowed'}.`);
    case GrpcStatus.UNIMPLEMENTED:
      return new SourceError(code, `Blixard cluster "${context.cluster}" does not support this (${context.action}); its daemon may be older than this extension.`);
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.NOT_FOUND:
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.ABORTED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.OUT_OF_RANGE:
      // The daemon's own sentence is the message ("Target node must be different from source node").
      return new SourceError(code, details || `Blixard cluster "${context.cluster}" rejected the request to ${context.action}.`);
    default:
      return new SourceError(code, `Blixard cluster "${context.cluster}" failed to ${context.action}: ${details || 'internal error'}.`);
  }
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
