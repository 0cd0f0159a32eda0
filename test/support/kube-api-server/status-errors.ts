// metav1.Status failures as the apiserver writes them, and the error type that carries one
// through the server's code to the HTTP response (or to a programmatic caller).

export interface StatusCause { reason?: string; message?: string; field?: string }

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, string>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class KubeApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'KubeApiError';
  }
  get code(): number { return this.status.code; }
  get reason(): string | undefined { return this.status.reason; }
}

export function failure(code: number, reason: string | undefined, message: string, details?: StatusDetails): KubeApiError {
  const status: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason) status.reason = reason;
  if (details) status.details = details;
  return new KubeApiError(status);
}

/** "virtualmachineinstancemigrations.kubevirt.io" — how the apiserver names a resource in messages. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(plural: string, group: string, name: string): KubeApiError {
  return failure(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, { name, group: group || undefined, kind: plural });
}

export function alreadyExists(plural: string, group: string, name: string): KubeApiError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, { name, group: group || undefined, kind: plural });
}

export function conflict(plural: string, group: string, name: string, why: string): KubeApiError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`, { name, group: group || undefined, kind: plural });
}

export function invalid(kind: string, group: string, name: string, causes: Array<{ field: string; message: string; reason?: string }>): KubeApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return failure(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
    name, group: group || undefined, kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export function badRequest(message: string): KubeApiError {
  return failure(400, 'BadRequest', message);
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): KubeApiError {
  return failure(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(contentType: string, accepted: string[]): KubeApiError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] });
}

export function unauthorized(): KubeApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function internalError(message: string): KubeApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

export function expired(message: string): KubeApiError {
  return failure(410, 'Expired', message);
}

export function tooLargeResourceVersion(requested: number, current: number): KubeApiError {
  return failure(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1,
  });
}

/** The Status a validating webhook's denial turns into (k8s.io/apiserver webhookerrors.ToStatusErr). */
export function webhookDenied(webhook: string, code: number, message: string, reason?: string, details?: StatusDetails): KubeApiError {
  return failure(code < 400 ? 400 : code, reason, `admission webhook "${webhook}" denied the request: ${message}`, details);
}

/** What a DELETE answers when the object is gone at once (genericregistry.Store without ReturnDeletedObject). */
export function successStatus(details: StatusDetails): Omit<KubeStatus, 'code'> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
