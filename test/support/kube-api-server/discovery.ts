// The discovery documents kubectl reads before anything else (/api, /apis, per group and
// version), /version, and a minimal OpenAPI v3 that tells kubectl the server validates
// fields itself (so `kubectl create -f` needs no client-side schema).
import { ALL_RESOURCE_TYPES, SUBRESOURCES_GROUP, type ResourceType } from './resource-types';
import { createHash } from 'node:crypto';

export const SERVER_VERSION = {
  major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53', gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z', goVersion: 'go1.23.3', compiler: 'gc', platform: 'linux/amd64',
};

function storageHash(type: ResourceType): string {
  return createHash('sha256').update(`${type.group}/${type.version}/${type.kind}`).digest('base64').slice(0, 11);
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(name: string) {
  const gv = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [groupEntry('kubevirt.io'), groupEntry(SUBRESOURCES_GROUP)] };
}

export function apiGroup(name: string) {
  if (name !== 'kubevirt.io' && name !== SUBRESOURCES_GROUP) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name) };
}

export function apiResourceList(group: string, version: string) {
  if (version !== 'v1') return undefined;
  if (group === SUBRESOURCES_GROUP) {
    const action = (name: string) => ({ name: `virtualmachines/${name}`, singularName: '', namespaced: true, kind: '', verbs: ['update'] });
    return {
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${SUBRESOURCES_GROUP}/v1`,
      resources: [action('start'), action('stop'), action('restart')],
    };
  }
  const types = ALL_RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (!types.length) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const t of types) {
    const entry: Record<string, unknown> = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames.length) entry.shortNames = t.shortNames;
    if (t.categories.length) entry.categories = t.categories;
    entry.storageVersionHash = storageHash(t);
    resources.push(entry);
    for (const sub of t.subresources) resources.push({ name: `${t.plural}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function gvPath(group: string): string { return group ? `apis/${group}/v1` : 'api/v1'; }

/** GET /openapi/v3: where each group version's document lives. */
export function openApiV3Root() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const group of ['', 'kubevirt.io']) {
    paths[gvPath(group)] = { serverRelativeURL: `/openapi/v3/${gvPath(group)}?hash=${createHash('sha1').update(group || 'core').digest('hex').toUpperCase()}` };
  }
  return { paths };
}

/**
 * A group version's OpenAPI v3 document, trimmed to what clients look at: the paths with
 * their fieldValidation parameter (kubectl's check for server-side field validation) and
 * loose object schemas for each kind.
 */
export function openApiV3Document(group: string) {
  const types = ALL_RESOURCE_TYPES.filter((t) => t.group === group);
  if (!types.length) return undefined;
  const prefix = group ? `/apis/${group}/v1` : '/api/v1';
  const fieldValidation = { name: 'fieldValidation', in: 'query', description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.', schema: { type: 'string', uniqueItems: true } };
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const t of types) {
    const gvk = { group: t.group, kind: t.kind, version: t.version };
    const schemaName = `${group ? `io.kubevirt` : 'io.k8s.api.core'}.v1.${t.kind}`;
    schemas[schemaName] = { type: 'object', description: t.kind, 'x-kubernetes-group-version-kind': [gvk], 'x-kubernetes-preserve-unknown-fields': true };
    const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
    const op = (verb: string) => ({ operationId: `${verb}${t.kind}`, parameters: [fieldValidation], 'x-kubernetes-action': verb, 'x-kubernetes-group-version-kind': gvk, responses: { '200': { description: 'OK' } } });
    paths[collection] = { post: op('post'), get: op('list') };
    paths[`${collection}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}
