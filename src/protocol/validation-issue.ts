// One finding of the dialog's validation: which field, how bad, a code to branch on and the
// message the dialog shows. Apart from the rules (migration-validation.ts) so that the dialog
// protocol can carry the host's findings without importing the rules.

export type ValidationField = 'vm' | 'target' | 'live' | 'force';

export interface ValidationIssue {
  field: ValidationField;
  severity: 'error' | 'warning';
  code:
    | 'vm-missing'
    | 'in-flight'
    | 'target-required'
    | 'same-node'
    | 'node-not-found'
    | 'node-not-ready'
    | 'node-unschedulable'
    | 'insufficient-capacity'
    | 'capacity-overridden'
    | 'not-running'
    | 'not-live-migratable'
    | 'always-live'
    | 'force-not-supported';
  message: string;
}
