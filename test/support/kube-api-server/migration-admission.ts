// KubeVirt's admission for new VirtualMachineInstanceMigrations, as virt-api's webhooks do
// it: the mutator adds the kubevirt.io/vmi-name label and the migrationJobFinalize
// finalizer; the validator refuses a missing vmiName, a VMI that does not exist or is
// final, a VMI whose LiveMigratable condition is False, and a second migration while one
// is in flight. Denials read exactly like the apiserver's webhook errors.
import type { KubeObject } from './kube-object';
import type { ObjectStore } from './object-store';
import { MIGRATIONS, VIRTUAL_MACHINE_INSTANCES, type ResourceType } from './resource-types';
import { invalid, webhookDenied } from './status-errors';

function isStringMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** What the CRD's structural schema refuses before any webhook runs. */
function checkSchema(migration: KubeObject): void {
  const name = migration.metadata.name ?? '';
  const spec = migration.spec;
  if (spec !== undefined && (typeof spec !== 'object' || spec === null || Array.isArray(spec))) {
    throw invalid('VirtualMachineInstanceMigration', 'kubevirt.io', name, [{ field: 'spec', reason: 'FieldValueTypeInvalid', message: `Invalid value: "${typeof spec}": spec in body must be of type object: "${typeof spec}"` }]);
  }
  if (spec?.vmiName !== undefined && typeof spec.vmiName !== 'string') {
    throw invalid('VirtualMachineInstanceMigration', 'kubevirt.io', name, [{ field: 'spec.vmiName', reason: 'FieldValueTypeInvalid', message: `Invalid value: "${typeof spec.vmiName}": spec.vmiName in body must be of type string: "${typeof spec.vmiName}"` }]);
  }
  if (spec?.addedNodeSelector !== undefined && !isStringMap(spec.addedNodeSelector)) {
    throw invalid('VirtualMachineInstanceMigration', 'kubevirt.io', name, [{ field: 'spec.addedNodeSelector', reason: 'FieldValueTypeInvalid', message: 'Invalid value: spec.addedNodeSelector in body must be of type object with string values' }]);
  }
}

export const MIGRATION_VALIDATOR = 'migration-create-validator.kubevirt.io';
export const MIGRATION_FINALIZER = 'kubevirt.io/migrationJobFinalize';
export const VMI_NAME_LABEL = 'kubevirt.io/vmi-name';

export function isFinalMigrationPhase(phase: unknown): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

export function migrationAdmission(store: ObjectStore) {
  return (type: ResourceType, migration: KubeObject): void => {
    if (type !== MIGRATIONS) return;
    checkSchema(migration);
    const namespace = migration.metadata.namespace ?? 'default';
    const vmiName: string = typeof migration.spec?.vmiName === 'string' ? migration.spec.vmiName : '';

    // migration-create-mutator
    migration.metadata.labels = { ...migration.metadata.labels, [VMI_NAME_LABEL]: vmiName };
    const finalizers = migration.metadata.finalizers ?? [];
    if (!finalizers.includes(MIGRATION_FINALIZER)) migration.metadata.finalizers = [...finalizers, MIGRATION_FINALIZER];
    migration.status = migration.status ?? {};

    // migration-create-validator
    if (!vmiName) {
      throw webhookDenied(MIGRATION_VALIDATOR, 422, 'vmiName is missing', 'Invalid', {
        causes: [{ reason: 'FieldValueRequired', message: 'vmiName is missing', field: 'spec.vmiName' }],
      });
    }
    const vmi = store.get(VIRTUAL_MACHINE_INSTANCES, namespace, vmiName)?.object;
    if (!vmi) throw webhookDenied(MIGRATION_VALIDATOR, 400, `the VMI "${namespace}/${vmiName}" does not exist`);
    const phase = vmi.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw webhookDenied(MIGRATION_VALIDATOR, 400, 'Cannot migrate VMI in finalized state.');
    const conditions: Array<{ type: string; status: string; reason?: string; message?: string }> = vmi.status?.conditions ?? [];
    const migratable = conditions.find((c) => c.type === 'LiveMigratable');
    if (migratable && migratable.status === 'False') {
      throw webhookDenied(MIGRATION_VALIDATOR, 400, `Cannot migrate VMI, Reason: ${migratable.reason ?? ''}, Message: ${migratable.message ?? ''}`);
    }
    for (const existing of store.list(MIGRATIONS, namespace)) {
      const other = existing.object;
      if (other.metadata.labels?.[VMI_NAME_LABEL] !== vmiName) continue;
      if (isFinalMigrationPhase(other.status?.phase)) continue;
      throw webhookDenied(MIGRATION_VALIDATOR, 400,
        `in-flight migration detected. Active migration job (${other.metadata.uid}) is currently already in progress for VMI ${other.spec?.vmiName}.`);
    }
  };
}
