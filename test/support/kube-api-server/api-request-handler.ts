// The HTTP face of the server: authentication, routing of /api and /apis paths to the
// resource verbs (get, list, watch, create, update, patch, delete, deletecollection), the
// subresources.kubevirt.io VM actions, discovery, and Status bodies for every failure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeCluster } from './cluster';
import type { KubeObject } from './kube-object';
import type { AccessControl, UserSpec } from './access-control';
import type { WatchHub } from './watch-hub';
import type { VmController } from './vm-controller';
import { ALL_RESOURCE_TYPES, apiVersionOf, NAMESPACES, SUBRESOURCES_GROUP, type ResourceType } from './resource-types';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, openApiV3Document, openApiV3Root, SERVER_VERSION } from './discovery';
import { parseLabelSelector } from './label-selector';
import { parseFieldSelector, type FieldSelector } from './field-selector';
import { negotiate, type Representation } from './content-negotiation';
import { openApiV2Json, openApiV2Protobuf } from './openapi-v2';
import { table, type IncludeObject } from './table-printer';
import { badRequest, expired, failure, internalError, KubeApiError, methodNotAllowed, tooLargeResourceVersion } from './status-errors';
import type { StoredObject } from './object-store';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface HandlerSettings {
  /** Watches without timeoutSeconds close after this long (times 1..2, like --min-request-timeout). */
  defaultWatchTimeoutSeconds: number;
  serverAddress(): string;
}

interface ResourceRoute {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function notFoundPath(): KubeApiError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

function sendJson(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendStatus(res: ServerResponse, error: KubeApiError): void {
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, error.status.code, JSON.stringify(error.status));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) { reject(failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')); req.destroy(); return; }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

function parseResourceVersion(value: string | null, param = 'resourceVersion'): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`invalid ${param}: ${JSON.stringify(value)}`);
  return Number(value);
}

function isDryRun(query: URLSearchParams, body?: { dryRun?: string[] }): boolean {
  return query.getAll('dryRun').includes('All') || (body?.dryRun ?? []).includes('All');
}

interface ContinueToken { rv: number; start: string }

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: `${token.start}\u0000` })).toString('base64');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad token');
    // The token ends with a NUL separator (as kube-apiserver's continue keys do); drop it.
    // eslint-disable-next-line no-control-regex
    return { rv: parsed.rv, start: parsed.start.replace(/\u0000$/, '') };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export class ApiRequestHandler {
  constructor(
    private readonly cluster: KubeCluster,
    private readonly access: AccessControl,
    private readonly watches: WatchHub,
    private readonly vms: VmController,
    private readonly settings: HandlerSettings,
  ) {}

  /** Authorized resource requests by "verb plural" ("list virtualmachineinstancemigrations"). */
  private readonly served = new Map<string, number>();

  /** How many authorized requests of a verb on a resource reached it (for tests that must see a relist). */
  servedCount(verb: string, plural: string): number {
    return this.served.get(`${verb} ${plural}`) ?? 0;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((error: unknown) => {
      if (error instanceof KubeApiError) return sendStatus(res, error);
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`[kube-api-server] internal error on ${req.method} ${req.url?.split('?')[0]}: ${message}\n`);
      sendStatus(res, internalError(message));
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://server');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const fault = this.cluster.faults.takeRequestFault(method, path);
    if (fault) {
      const error = fault.status >= 500 ? internalError(fault.message) : failure(fault.status, undefined, fault.message);
      error.status.code = fault.status;
      throw error;
    }
    const user = this.access.authenticate(req.headers.authorization, path);
    if (path === '/version') return sendJson(res, 200, JSON.stringify(SERVER_VERSION));
    if (user === 'anonymous') throw failure(401, 'Unauthorized', 'Unauthorized');
    if (method !== 'GET' && (path === '/api' || path === '/apis' || path.startsWith('/openapi'))) throw methodNotAllowed();

    if (path === '/api') return sendJson(res, 200, JSON.stringify(apiVersions(this.settings.serverAddress())));
    if (path === '/apis') return sendJson(res, 200, JSON.stringify(apiGroupList()));
    if (path === '/openapi/v2') {
      if ((req.headers.accept ?? '').includes('protobuf')) {
        const body = openApiV2Protobuf();
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
        return;
      }
      return sendJson(res, 200, JSON.stringify(openApiV2Json()));
    }
    if (path === '/openapi/v3') return sendJson(res, 200, JSON.stringify(openApiV3Root()));
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length);
      const group = gv === 'api/v1' ? '' : gv.startsWith('apis/') && gv.endsWith('/v1') ? gv.slice(5, -3) : undefined;
      const doc = group === undefined ? undefined : openApiV3Document(group);
      if (!doc) throw notFoundPath();
      return sendJson(res, 200, JSON.stringify(doc));
    }

    const segments = path.split('/').filter(Boolean);
    let group: string;
    let version: string | undefined;
    let rest: string[];
    if (segments[0] === 'api') {
      group = '';
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === 'apis') {
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
      if (!version) {
        const doc = apiGroup(group);
        if (!doc) throw notFoundPath();
        return sendJson(res, 200, JSON.stringify(doc));
      }
    } else throw notFoundPath();
    if (!version) throw notFoundPath();
    if (rest.length === 0) {
      const doc = apiResourceList(group, version);
      if (!doc) throw notFoundPath();
      return sendJson(res, 200, JSON.stringify(doc));
    }
    if (group === SUBRESOURCES_GROUP) return this.serveVmAction(req, res, user, version, rest);

    const route = this.route(group, version, rest);
    return this.serveResource(req, res, url.searchParams, method, user, route);
  }

  private route(group: string, version: string, rest: string[]): ResourceRoute {
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = ALL_RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === rest[0]);
    if (!type || rest.length > 3) throw notFoundPath();
    if (namespace !== undefined && !type.namespaced) throw notFoundPath();
    const subresource = rest[2];
    if (subresource !== undefined && !type.subresources.includes(subresource)) throw notFoundPath();
    return { type, namespace, name: rest[1], subresource };
  }

  private verbFor(method: string, route: ResourceRoute, watch: boolean): string {
    switch (method) {
      case 'GET': return watch ? 'watch' : route.name ? 'get' : 'list';
      case 'POST': return 'create';
      case 'PUT': return 'update';
      case 'PATCH': return 'patch';
      case 'DELETE': return route.name ? 'delete' : 'deletecollection';
      default: throw methodNotAllowed();
    }
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, method: string, user: UserSpec, route: ResourceRoute): Promise<void> {
    const watch = query.get('watch') === 'true' || query.get('watch') === '1';
    const verb = this.verbFor(method, route, watch);
    const { type, namespace, name, subresource } = route;
    if (!type.verbs.includes(verb) && !(subresource && ['get', 'update', 'patch'].includes(verb))) throw methodNotAllowed();
    if ((verb === 'create' || verb === 'deletecollection') && name) throw methodNotAllowed();
    if (verb === 'create' && type.namespaced && !namespace) throw notFoundPath();
    this.access.authorize(user, { verb, group: type.group, plural: type.plural, subresource, namespace, name });
    const counter = `${verb} ${type.plural}`;
    this.served.set(counter, (this.served.get(counter) ?? 0) + 1);
    const representation = negotiate(req.headers.accept);

    switch (verb) {
      case 'get': {
        const stored = this.cluster.store.get(type, namespace, name ?? '');
        if (!stored) throw failure(404, 'NotFound', `${type.group ? `${type.plural}.${type.group}` : type.plural} "${name}" not found`, { name, group: type.group || undefined, kind: type.plural });
        return this.sendObjects(res, 200, type, [stored], representation, query, undefined);
      }
      case 'list':
        return this.list(res, type, namespace, query, representation);
      case 'watch':
        return this.watch(res, type, namespace, name, query, representation);
      case 'create': {
        const body = parseJson(await readBody(req)) as KubeObject;
        const created = this.cluster.create(type, body, namespace, { dryRun: isDryRun(query) });
        return sendJson(res, 201, JSON.stringify(created));
      }
      case 'update': {
        const body = parseJson(await readBody(req)) as KubeObject;
        const updated = this.cluster.replace(type, namespace, name ?? '', body, subresource as 'status' | undefined, { dryRun: isDryRun(query) });
        return sendJson(res, 200, JSON.stringify(updated));
      }
      case 'patch': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const body = parseJson(await readBody(req));
        const patched = this.cluster.patch(type, namespace, name ?? '', contentType, body, subresource as 'status' | undefined, { dryRun: isDryRun(query) });
        return sendJson(res, 200, JSON.stringify(patched));
      }
      case 'delete': {
        const text = await readBody(req);
        const options = (text.trim() ? parseJson(text) : {}) as { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] };
        const result = this.cluster.delete(type, namespace, name ?? '', { preconditions: options.preconditions, dryRun: isDryRun(query, options), cause: 'user' });
        return sendJson(res, 200, JSON.stringify(result.object));
      }
      case 'deletecollection': {
        await readBody(req);
        const labels = parseLabelSelector(query.get('labelSelector'));
        const fields = parseFieldSelector(query.get('fieldSelector'), type);
        const matched = this.cluster.store.list(type, namespace).filter((s) => labels.matches(s.object.metadata.labels) && fields.matches(s.object));
        const items: KubeObject[] = [];
        for (const s of matched) {
          const r = this.cluster.delete(type, s.object.metadata.namespace, s.object.metadata.name ?? '', { dryRun: isDryRun(query), cause: 'user' });
          items.push(r.removed ? s.object : (r.object as KubeObject));
        }
        return sendJson(res, 200, JSON.stringify({ kind: type.listKind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.cluster.store.currentResourceVersion()) }, items }));
      }
      default:
        throw methodNotAllowed();
    }
  }

  private list(res: ServerResponse, type: ResourceType, namespace: string | undefined, query: URLSearchParams, representation: Representation): void {
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'), type);
    const current = this.cluster.store.currentResourceVersion();
    const requested = parseResourceVersion(query.get('resourceVersion'));
    const match = query.get('resourceVersionMatch');
    if (match && match !== 'Exact' && match !== 'NotOlderThan') throw badRequest(`resourceVersionMatch: Unsupported value: "${match}"`);
    if (match && requested === undefined) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (requested !== undefined && requested > current) throw tooLargeResourceVersion(requested, current);
    if (match === 'Exact' && requested !== undefined && requested !== current) {
      throw expired(`too old resource version: ${requested} (${current})`);
    }
    const limitText = query.get('limit');
    const limit = limitText ? Number(limitText) : 0;
    if (limitText && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`invalid limit: ${limitText}`);
    const continueText = query.get('continue');
    let listRv = current;
    let startAfter: string | undefined;
    if (continueText) {
      if (requested !== undefined) throw badRequest('specifying resource version is not allowed when using continue');
      const token = decodeContinue(continueText);
      if (token.rv < this.cluster.store.oldestResumableResourceVersion()) {
        throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      listRv = token.rv;
      startAfter = token.start;
    }
    let matching = this.cluster.store.list(type, type.namespaced ? namespace : undefined).filter((s) => labels.matches(s.object.metadata.labels) && fields.matches(s.object));
    if (startAfter !== undefined) matching = matching.filter((s) => s.key > startAfter!);
    const listMeta: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (limit > 0 && matching.length > limit) {
      const page = matching.slice(0, limit);
      listMeta.continue = encodeContinue({ rv: listRv, start: page[page.length - 1].key });
      listMeta.remainingItemCount = matching.length - limit;
      matching = page;
    }
    this.sendObjects(res, 200, type, matching, representation, query, listMeta);
  }

  /** One object (listMeta undefined) or a list, in the representation the client asked for. */
  private sendObjects(res: ServerResponse, code: number, type: ResourceType, stored: StoredObject[], representation: Representation, query: URLSearchParams, listMeta: Record<string, unknown> | undefined): void {
    if (representation.kind === 'table') {
      const includeObject = (query.get('includeObject') ?? 'Metadata') as IncludeObject;
      if (!['None', 'Metadata', 'Object'].includes(includeObject)) throw badRequest(`includeObject: Unsupported value: "${includeObject}"`);
      const meta = listMeta ?? { resourceVersion: stored[0]?.object.metadata.resourceVersion };
      return sendJson(res, code, JSON.stringify(table(type, stored.map((s) => s.object), { apiVersion: representation.apiVersion, includeObject }, meta)));
    }
    if (representation.kind === 'partial') {
      const partial = (s: StoredObject) => ({ kind: 'PartialObjectMetadata', apiVersion: representation.apiVersion, metadata: s.object.metadata });
      if (!listMeta) return sendJson(res, code, JSON.stringify(partial(stored[0])));
      return sendJson(res, code, JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: representation.apiVersion, metadata: listMeta, items: stored.map(partial) }));
    }
    if (!listMeta) return sendJson(res, code, stored[0].json);
    const body = `{"apiVersion":"${apiVersionOf(type)}","items":[${stored.map((s) => s.json).join(',')}],"kind":"${type.listKind}","metadata":${JSON.stringify(listMeta)}}`;
    sendJson(res, code, body);
  }

  private watch(res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string | undefined, query: URLSearchParams, representation: Representation): void {
    const labels = parseLabelSelector(query.get('labelSelector'));
    let fields: FieldSelector = parseFieldSelector(query.get('fieldSelector'), type);
    if (name) fields = parseFieldSelector(`metadata.name=${name}${fields.text ? `,${fields.text}` : ''}`, type);
    const since = parseResourceVersion(query.get('resourceVersion'));
    const current = this.cluster.store.currentResourceVersion();
    if (since !== undefined && since > current) throw tooLargeResourceVersion(since, current);
    const sendInitialEvents = query.get('sendInitialEvents') === 'true';
    const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
    if (sendInitialEvents && (query.get('resourceVersionMatch') !== 'NotOlderThan' || !allowBookmarks)) {
      throw failure(422, 'Invalid', 'sendInitialEvents: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan and allowWatchBookmarks to true');
    }
    const timeoutText = query.get('timeoutSeconds');
    const timeoutSeconds = timeoutText ? Number(timeoutText) : this.settings.defaultWatchTimeoutSeconds * (1 + Math.random());
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw badRequest(`invalid timeoutSeconds: ${timeoutText}`);
    const tableRequest = representation.kind === 'table'
      ? { apiVersion: representation.apiVersion, includeObject: (query.get('includeObject') ?? 'Metadata') as IncludeObject }
      : undefined;
    this.watches.open(res, {
      type, namespace: type.namespaced ? namespace : undefined, labels, fields,
      sinceResourceVersion: since, allowBookmarks, sendInitialEvents,
      timeoutMs: timeoutSeconds * 1000, table: tableRequest,
    });
  }

  /** PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/{start,stop,restart}. */
  private async serveVmAction(req: IncomingMessage, res: ServerResponse, user: UserSpec, version: string, rest: string[]): Promise<void> {
    if (version !== 'v1' && version !== 'v1alpha3') throw notFoundPath();
    if (rest.length !== 5 || rest[0] !== 'namespaces' || rest[2] !== 'virtualmachines' || !['start', 'stop', 'restart'].includes(rest[4])) throw notFoundPath();
    if ((req.method ?? '').toUpperCase() !== 'PUT') throw methodNotAllowed();
    const [, namespace, , name, action] = rest;
    this.access.authorize(user, { verb: 'update', group: SUBRESOURCES_GROUP, plural: 'virtualmachines', subresource: action, namespace, name });
    await readBody(req);
    if (!this.cluster.store.get(NAMESPACES, undefined, namespace)) throw failure(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    if (action === 'start') this.vms.startVm(namespace, name);
    else if (action === 'stop') this.vms.stopVm(namespace, name);
    else this.vms.restartVm(namespace, name);
    res.writeHead(202, { 'Content-Length': 0 });
    res.end();
  }
}
