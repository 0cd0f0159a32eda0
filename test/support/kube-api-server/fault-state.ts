// The switches tests flip to make the server misbehave in the ways real clusters do:
// failing requests, watches that expire or go silent. The server's parts consult this;
// the public `faults` API (kube-api-server.ts) flips it.

export interface RequestFaultRule {
  remaining: number;
  status: number;
  message: string;
  matches(method: string, path: string): boolean;
}

export interface MigrationFailureRule {
  /** Which migrations it hits; undefined fields match anything. */
  namespace?: string;
  name?: string;
  vmiName?: string;
  /** The phase in which it fails (default Running). */
  atPhase: string;
  reason: string;
  remaining: number;
}

export class FaultState {
  requestFaults: RequestFaultRule[] = [];
  /** Watches (with a resourceVersion) still to be answered with 410 Expired. */
  expireNextWatches = 0;
  /** New watches are stalled as soon as they open. */
  stallNewWatches = false;
  migrationFailures: MigrationFailureRule[] = [];

  /** Takes one request fault if one applies to this request. */
  takeRequestFault(method: string, path: string): RequestFaultRule | undefined {
    const rule = this.requestFaults.find((r) => r.remaining > 0 && r.matches(method, path));
    if (!rule) return undefined;
    rule.remaining--;
    this.requestFaults = this.requestFaults.filter((r) => r.remaining > 0);
    return rule;
  }

  /** Takes the failure planned for this migration, if any. */
  takeMigrationFailure(namespace: string, name: string, vmiName: string): MigrationFailureRule | undefined {
    const rule = this.migrationFailures.find((r) => r.remaining > 0
      && (r.namespace === undefined || r.namespace === namespace)
      && (r.name === undefined || r.name === name)
      && (r.vmiName === undefined || r.vmiName === vmiName));
    if (!rule) return undefined;
    rule.remaining--;
    this.migrationFailures = this.migrationFailures.filter((r) => r.remaining > 0);
    return { ...rule };
  }

  reset(): void {
    this.requestFaults = [];
    this.expireNextWatches = 0;
    this.stallNewWatches = false;
    this.migrationFailures = [];
  }
}
