// The apiserver's object semantics on top of the store: create (generateName, namespace
// checks, admission), update with resourceVersion preconditions, the status subresource,
// patches, and deletion with finalizers (deletionTimestamp first, DELETED when the last
// finalizer goes). Both the HTTP layer and the built-in controllers change objects here.
import { deepCopy, type KubeObject } from './kube-object';
import { ObjectStore, type StoredObject } from './object-store';
import { apiVersionOf, NAMESPACES, VIRTUAL_MACHINES, MIGRATIONS, VIRTUAL_MACHINE_INSTANCES, type ResourceType } from './resource-types';
import { formatKubeTime, type TimestampPrecision } from './kube-time';
import { isDns1123Subdomain, randomNameSuffix } from './generated-names';
import { labelProblems } from './label-validation';
import { alreadyExists, badRequest, conflict, failure, invalid, notFound, successStatus, unsupportedMediaType, type KubeStatus } from './status-errors';
import { applyJsonPatch, applyMergePatch } from './json-patch';
import { FaultState } from './fault-state';
import { GroundTruth, type DeletionCause } from './ground-truth';

export type Admission = (type: ResourceType, object: KubeObject) => void;

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Recorded in the ground truth when a migration goes. */
  cause?: DeletionCause;
}

/** Types whose status can only be written through the /status subresource. */
const STATUS_SUBRESOURCE = new Set<ResourceType>([MIGRATIONS, VIRTUAL_MACHINES]);

export class KubeCluster {
  readonly store: ObjectStore;
  readonly faults = new FaultState();
  readonly truth: GroundTruth;
  private readonly admissions: Admission[] = [];

  constructor(eventWindow: number, readonly timestampPrecision: TimestampPrecision) {
    this.store = new ObjectStore({ eventWindow, initialResourceVersion: 1000 });
    this.truth = new GroundTruth(this.store);
  }

  /** A timestamp as the controllers write them (metav1.Time precision by default). */
  now(): string { return formatKubeTime(Date.now(), this.timestampPrecision); }

  addAdmission(admission: Admission): void { this.admissions.push(admission); }

  ensureNamespace(name: string): void {
    if (this.store.get(NAMESPACES, undefined, name)) return;
    this.store.create(NAMESPACES, {
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
    });
  }

  private checkTypeMeta(type: ResourceType, body: KubeObject): void {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request was not a JSON object');
    if (!body.kind) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    if (!body.apiVersion) throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    if (body.apiVersion !== apiVersionOf(type)) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
    }
    if (body.kind !== type.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`);
    if (!body.metadata || typeof body.metadata !== 'object') body.metadata = {};
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    if (!namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
    if (!this.store.get(NAMESPACES, undefined, namespace)) throw notFound('namespaces', '', namespace);
  }

  private nameError(type: ResourceType, name: string): never {
    throw invalid(type.kind, type.group, name, [{
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    }]);
  }

  /** POST: returns the stored object (or what would be stored, for a dry run). */
  create(type: ResourceType, body: KubeObject, namespace: string | undefined, options: WriteOptions = {}): KubeObject {
    this.checkTypeMeta(type, body);
    const object = deepCopy(body);
    const meta = object.metadata;
    if (type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
      this.requireNamespace(type, meta.namespace);
    } else delete meta.namespace;
    for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink'] as const) delete meta[field];
    if (STATUS_SUBRESOURCE.has(type)) delete object.status;
    if (!meta.name) {
      if (!meta.generateName) {
        throw invalid(type.kind, type.group, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
      }
      for (let attempt = 0; attempt < 8 && !meta.name; attempt++) {
        const candidate = `${meta.generateName}${randomNameSuffix()}`;
        if (!this.store.get(type, meta.namespace, candidate)) meta.name = candidate;
      }
      if (!meta.name) throw failure(409, 'AlreadyExists', `${type.plural} could not generate a unique name`, { kind: type.plural, group: type.group });
    }
    if (!isDns1123Subdomain(meta.name)) this.nameError(type, meta.name);
    const labels = labelProblems(meta.labels);
    if (labels.length > 0) throw invalid(type.kind, type.group, meta.name, labels);
    if (this.store.get(type, meta.namespace, meta.name)) throw alreadyExists(type.plural, type.group, meta.name);
    for (const admit of this.admissions) admit(type, object);
    if (options.dryRun) {
      object.metadata.creationTimestamp = formatKubeTime(Date.now());
      object.metadata.uid = '00000000-0000-0000-0000-000000000000';
      return object;
    }
    return this.store.create(type, object, Date.now(), true).object;
  }

  private current(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const current = this.store.get(type, namespace, name);
    if (!current) throw notFound(type.plural, type.group, name);
    return current;
  }

  /** PUT of the object or of its /status subresource. */
  replace(type: ResourceType, namespace: string | undefined, name: string, body: KubeObject, subresource: 'status' | undefined, options: WriteOptions = {}): KubeObject {
    this.checkTypeMeta(type, body);
    if (body.metadata.name && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (type.namespaced && body.metadata.namespace && body.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const current = this.current(type, namespace, name);
    const rv = body.metadata.resourceVersion;
    if (!rv && type.group) {
      throw invalid(type.kind, type.group, name, [{ field: 'metadata.resourceVersion', reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update' }]);
    }
    if (rv && rv !== current.object.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.commitReplacement(type, current, body, subresource, options);
  }

  /** PATCH: JSON patch or merge patch (strategic merge for core types, treated as a merge patch). */
  patch(type: ResourceType, namespace: string | undefined, name: string, contentType: string, patchBody: unknown, subresource: 'status' | undefined, options: WriteOptions = {}): KubeObject {
    const current = this.current(type, namespace, name);
    const accepted = type.group
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']
      : ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
    let patched: KubeObject;
    if (contentType === 'application/json-patch+json') patched = applyJsonPatch(current.object, patchBody);
    else if (contentType === 'application/merge-patch+json' || (contentType === 'application/strategic-merge-patch+json' && !type.group)) {
      if (!patchBody || typeof patchBody !== 'object' || Array.isArray(patchBody)) throw badRequest('the merge patch must be a JSON object');
      patched = applyMergePatch(current.object, patchBody);
    } else throw unsupportedMediaType(contentType, accepted);
    if (!patched || typeof patched !== 'object' || !patched.metadata) throw badRequest('the patch removed the object metadata');
    const rv = patched.metadata.resourceVersion;
    if (rv && rv !== current.object.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    patched.kind = type.kind;
    patched.apiVersion = apiVersionOf(type);
    return this.commitReplacement(type, current, patched, subresource, options);
  }

  private commitReplacement(type: ResourceType, current: StoredObject, body: KubeObject, subresource: 'status' | undefined, options: WriteOptions): KubeObject {
    const prev = current.object;
    let next: KubeObject;
    if (subresource === 'status') {
      next = deepCopy(prev);
      next.status = deepCopy(body.status);
    } else {
      next = deepCopy(body);
      if (STATUS_SUBRESOURCE.has(type)) next.status = deepCopy(prev.status);
    }
    // Server-owned metadata cannot change through an update.
    for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace', 'name'] as const) {
      if (prev.metadata[field] === undefined) delete next.metadata[field]; else (next.metadata as Record<string, unknown>)[field] = prev.metadata[field];
    }
    next.metadata.resourceVersion = prev.metadata.resourceVersion;
    if (type.group) {
      const specChanged = JSON.stringify(prev.spec) !== JSON.stringify(next.spec);
      next.metadata.generation = (prev.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    }
    if (options.dryRun) return next;
    if (JSON.stringify(next) === current.json) return prev; // no-op updates keep their resourceVersion
    return this.storeWithFinalizers(type, next);
  }

  /** Stores a new version; an object marked for deletion with no finalizers left is removed. */
  private storeWithFinalizers(type: ResourceType, next: KubeObject): KubeObject {
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length) {
      // Removing the last finalizer deletes the object in the same step: one DELETED event.
      const removed = this.store.remove(type, next.metadata.namespace, next.metadata.name ?? '', Date.now(), next);
      if (removed) this.collectDependents(type, removed.object);
      return removed?.object ?? next;
    }
    return this.store.replace(type, next).object;
  }

  /** For controllers: change an object in place of a user; handles finalizer-driven removal. */
  mutate(type: ResourceType, namespace: string | undefined, name: string, change: (draft: KubeObject) => void): KubeObject | undefined {
    const current = this.store.get(type, namespace, name);
    if (!current) return undefined;
    const draft = JSON.parse(current.json) as KubeObject; // a copy, cheaper than structuredClone
    change(draft);
    draft.metadata.resourceVersion = current.object.metadata.resourceVersion;
    if (JSON.stringify(draft) === current.json) return current.object;
    return this.storeWithFinalizers(type, draft);
  }

  /** DELETE: marks the object when finalizers hold it, removes it otherwise. */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): { object: KubeObject | Omit<KubeStatus, 'code'>; removed: boolean } {
    const current = this.current(type, namespace, name);
    const meta = current.object.metadata;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(type.plural, type.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(type.plural, type.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${meta.resourceVersion}`);
    }
    if (options.dryRun) return { object: current.object, removed: false };
    if (type === MIGRATIONS && options.cause) this.truth.noteDeletionCause(meta.uid ?? '', options.cause);
    if (meta.deletionTimestamp) return { object: current.object, removed: false };
    if ((meta.finalizers ?? []).length) {
      const marked = this.mutate(type, namespace, name, (d) => {
        d.metadata.deletionTimestamp = formatKubeTime(Date.now());
        d.metadata.deletionGracePeriodSeconds = 0;
        if (type.group) d.metadata.generation = (d.metadata.generation ?? 1) + 1;
      });
      return { object: marked ?? current.object, removed: false };
    }
    this.store.remove(type, namespace, name);
    this.collectDependents(type, current.object);
    return { object: successStatus({ name, group: type.group || undefined, kind: type.plural, uid: meta.uid }), removed: true };
  }

  /** Removes an object whatever its finalizers say (controllers cleaning up, state resets). */
  forceRemove(type: ResourceType, namespace: string | undefined, name: string, cause?: DeletionCause): void {
    const current = this.store.get(type, namespace, name);
    if (!current) return;
    if (type === MIGRATIONS && cause) this.truth.noteDeletionCause(current.object.metadata.uid ?? '', cause);
    this.store.remove(type, namespace, name);
    this.collectDependents(type, current.object);
  }

  /** The garbage collector's part: VMIs owned by a deleted VM go too. */
  private collectDependents(type: ResourceType, owner: KubeObject): void {
    if (type !== VIRTUAL_MACHINES) return;
    for (const vmi of this.store.list(VIRTUAL_MACHINE_INSTANCES, owner.metadata.namespace)) {
      if ((vmi.object.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid)) {
        this.delete(VIRTUAL_MACHINE_INSTANCES, vmi.object.metadata.namespace, vmi.object.metadata.name ?? '');
      }
    }
  }
}
