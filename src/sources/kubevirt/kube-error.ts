// Turns what the API server (or the network) answered into a SourceError a person can read:
// RBAC denials say what was not allowed where, admission rejections carry KubeVirt's reason.

import { SourceError, type SourceErrorCode } from '../../model/errors';
import type { KubeStatus } from './kube-objects';
import { scrubSecrets } from '../../base/secret-registry';

/** What a request was trying to do, so messages can say it without echoing URLs. */
export interface RequestIntent {
  verb: 'get' | 'list' | 'watch' | 'create' | 'delete' | 'update' | 'patch';
  /** Plural resource, e.g. "virtualmachineinstancemigrations" or "virtualmachines/start". */
  resource: string;
  namespace?: string;
  name?: string;
}

/** A non-2xx answer from the API server, with its Status object when it sent one. */
export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: KubeStatus | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'KubeHttpError';
  }
}

/** The request got no (complete) answer in time. */
export class KubeTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${formatSeconds(timeoutMs)}`);
    this.name = 'KubeTimeoutError';
  }
}

/** The server answered, but with something we cannot use (not JSON, too large, not the shape asked for). */
export class KubeAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeAnswerError';
  }
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate cannot be verified',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not match its address',
};

/** Maps any failure of a Kubernetes request to a SourceError; `cluster` names the context. */
export function toSourceError(err: unknown, intent: RequestIntent, cluster: string): SourceError {
  if (err instanceof SourceError) return new SourceError(err.code, scrubSecrets(err.message));
  const what = describeIntent(intent);
  if (err instanceof KubeTimeoutError) {
    return new SourceError('timeout', `${cluster}: ${what} got no answer within ${formatSeconds(err.timeoutMs)}`);
  }
  if (err instanceof KubeHttpError) return fromHttpError(err, intent, what, cluster);
  // Reached, so not "cannot reach": say what came back.
  if (err instanceof KubeAnswerError) return new SourceError('unavailable', scrubSecrets(`${cluster}: ${what} failed: ${err.message}`));
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && NETWORK_CODES[code]) {
    return new SourceError('unavailable', `Cannot reach ${cluster}: ${NETWORK_CODES[code]}`);
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new SourceError('unavailable', scrubSecrets(`Cannot reach ${cluster}: ${message || 'unknown error'}`));
}

function fromHttpError(err: KubeHttpError, intent: RequestIntent, what: string, cluster: string): SourceError {
  const serverMessage = scrubSecrets((err.status?.message ?? '').trim());
  const admission = /admission webhook "[^"]*" denied the request:\s*([\s\S]*)/.exec(serverMessage);
  // Webhooks may answer with any code (403 included): a denial is a precondition, not RBAC.
  if (admission) return new SourceError('failed-precondition', capitalize(admission[1].trim() || serverMessage));
  const code = err.statusCode;
  const detail = serverMessage || err.message;
  const make = (c: SourceErrorCode, m: string) => new SourceError(c, scrubSecrets(m));
  switch (code) {
    case 401:
      return make('unauthenticated', `${cluster} did not accept the credentials of this kubeconfig context (401 Unauthorized)`);
    case 403:
      return make('forbidden', forbiddenMessage(serverMessage, intent));
    case 404:
      return make('not-found', `${capitalize(what)}: not found${serverMessage ? ` (${serverMessage})` : ''}`);
    case 409:
    case 422:
      return make('failed-precondition', capitalize(detail));
    case 400:
      return make('invalid-argument', capitalize(detail));
    case 410:
      return make('conflict', capitalize(detail || 'resource version expired'));
    case 408:
    case 504:
      return make('timeout', `${cluster}: ${what} timed out on the server${serverMessage ? `: ${serverMessage}` : ''}`);
    case 429:
      return make('unavailable', `${cluster} is throttling requests (429); try again shortly`);
    default:
      if (code >= 500) return make('unavailable', `${cluster} failed to ${what} (${code})${serverMessage ? `: ${serverMessage}` : ''}`);
      return make('internal', `${cluster}: ${what} failed (${code})${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

/** "Not allowed to create virtualmachineinstancemigrations in namespace ns (user "x")". */
function forbiddenMessage(serverMessage: string, intent: RequestIntent): string {
  const rbac = /User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "[^"]*")?(?: in the namespace "([^"]+)")?/.exec(serverMessage);
  if (rbac) {
    const [, user, verb, resource, namespace] = rbac;
    const where = namespace ? ` in namespace ${namespace}` : ' at cluster scope';
    return `Not allowed to ${verb} ${resource}${where}${user ? ` (user "${user}")` : ''}`;
  }
  const where = intent.namespace ? ` in namespace ${intent.namespace}` : '';
  const base = `Not allowed to ${intent.verb} ${intent.resource}${where}`;
  return serverMessage ? `${base}: ${serverMessage}` : base;
}

function describeIntent(intent: RequestIntent): string {
  const target = intent.name ? `${intent.namespace ? `${intent.namespace}/` : ''}${intent.name}` : '';
  const where = !intent.name && intent.namespace ? ` in namespace ${intent.namespace}` : '';
  return `${intent.verb} ${intent.resource}${target ? ` ${target}` : ''}${where}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
