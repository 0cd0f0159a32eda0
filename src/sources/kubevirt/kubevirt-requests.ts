// The calls a KubeVirt source makes besides its watches — create and delete a migration, start
// and stop a VM, cordon and uncordon a node — each with the request deadline, each failure logged and turned into a
// SourceError that says what was refused and why.

import type { Logger } from '../../base/logger';
import { SourceError } from '../../model/errors';
import { PLAN_LABEL } from '../../model/plan-id';
import { KubeHttpError, toSourceError, type RequestIntent } from './kube-error';
import type { KubeVmi, KubeVmim } from './kube-objects';
import { kubevirtPaths, type KubevirtInformers } from './kubevirt-informers';
import { vmiControllerName } from './vmi-parsing';
import { HOSTNAME_LABEL, USER_MIGRATION_PREFIX } from './vmim-parsing';

export class KubevirtRequests {
  constructor(
    private readonly label: string,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Creates a VMIM for VMI `namespace/vmiName` (to `target` when given); returns the name the server gave it. */
  async createMigration(informers: KubevirtInformers, namespace: string, vmiName: string, target: string | undefined, planId?: string): Promise<string> {
    const body = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstanceMigration',
      // The plan's id as a label: it stays with the object, so the watch sees it (and a selector finds a plan's VMIMs).
      metadata: { generateName: USER_MIGRATION_PREFIX, namespace, ...(planId ? { labels: { [PLAN_LABEL]: planId } } : {}) },
      spec: { vmiName, ...(target ? { addedNodeSelector: { [HOSTNAME_LABEL]: target } } : {}) },
    };
    const intent: RequestIntent = { verb: 'create', resource: 'virtualmachineinstancemigrations', namespace };
    const created = await this.call(intent, () =>
      informers.client.request<KubeVmim>('POST', kubevirtPaths.migrations(namespace), { body, timeoutMs: this.requestTimeoutMs }),
    );
    const createdName = created?.metadata?.name;
    if (typeof createdName !== 'string' || createdName === '') {
      throw new SourceError('internal', `${this.label} accepted the migration of ${namespace}/${vmiName} but did not say its name`);
    }
    this.logger.info(`${this.label}: created migration ${namespace}/${createdName} of VMI ${vmiName}${target ? ` to ${target}` : ''}`);
    return createdName;
  }

  /** Deletes the VMIM, which is how KubeVirt cancels a migration; one already gone counts as cancelled. */
  async deleteMigration(informers: KubevirtInformers, namespace: string, name: string): Promise<void> {
    const intent: RequestIntent = { verb: 'delete', resource: 'virtualmachineinstancemigrations', namespace, name };
    try {
      await this.call(intent, () => informers.client.request('DELETE', kubevirtPaths.migration(namespace, name), { timeoutMs: this.requestTimeoutMs }));
      this.logger.info(`${this.label}: cancelled migration ${namespace}/${name}`);
    } catch (err) {
      // Cancelling what is already gone has the outcome the user asked for.
      if (err instanceof SourceError && err.code === 'not-found') {
        this.logger.info(`${this.label}: migration ${namespace}/${name} was already gone when cancelled`);
        return;
      }
      throw err;
    }
  }

  /** Starts or stops the VirtualMachine that owns VMI `namespace/name` (or, to start, the VM of that name). */
  async changeRunState(informers: KubevirtInformers, namespace: string, name: string, action: 'start' | 'stop'): Promise<void> {
    let vmi: KubeVmi | undefined = informers.vmis.hasSynced ? informers.vmis.items.get(`${namespace}/${name}`) : undefined;
    if (!vmi && !informers.vmis.hasSynced) {
      vmi = await this.call({ verb: 'get', resource: 'virtualmachineinstances', namespace, name }, () =>
        informers.client.request<KubeVmi>('GET', kubevirtPaths.vmi(namespace, name), { timeoutMs: this.requestTimeoutMs }),
      ).catch((err: unknown) => {
        if (err instanceof SourceError && err.code === 'not-found') return undefined;
        throw err;
      });
    }
    let vmName = name;
    if (vmi) {
      const owner = vmiControllerName(vmi);
      if (!owner) {
        throw new SourceError(
          'failed-precondition',
          `${namespace}/${name} has no VirtualMachine to ${action} it: it is a standalone VirtualMachineInstance${action === 'stop' ? ' (delete it to stop it)' : ''}`,
        );
      }
      vmName = owner;
    } else if (action === 'stop') {
      throw new SourceError('not-found', `VM ${namespace}/${name} not found in ${this.label}`);
    }
    // A stopped VirtualMachine may have no VMI at all: start goes to the VM of the same name.
    await this.call({ verb: 'update', resource: `virtualmachines/${action}`, namespace, name: vmName }, () =>
      informers.client.request('PUT', kubevirtPaths.vmRunState(namespace, vmName, action), { body: {}, timeoutMs: this.requestTimeoutMs }),
    );
    this.logger.info(`${this.label}: asked VirtualMachine ${namespace}/${vmName} to ${action}`);
  }

  /**
   * Cordons (`unschedulable`) or uncordons a Node as `kubectl cordon`/`uncordon` do: a strategic
   * merge patch of spec.unschedulable, `null` to uncordon (kubectl's two-way patch of an omitempty
   * false). The scheduler then places no new pod, and so no migration target, on the node.
   */
  async setNodeUnschedulable(informers: KubevirtInformers, nodeName: string, unschedulable: boolean): Promise<void> {
    const body = { spec: { unschedulable: unschedulable ? true : null } };
    await this.call({ verb: 'patch', resource: 'nodes', name: nodeName }, () =>
      informers.client.request('PATCH', kubevirtPaths.node(nodeName), { body, contentType: 'application/strategic-merge-patch+json', timeoutMs: this.requestTimeoutMs }),
    );
    this.logger.info(`${this.label}: ${unschedulable ? 'cordoned' : 'uncordoned'} node ${nodeName}`);
  }

  private async call<T>(intent: RequestIntent, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const error = toSourceError(err, intent, this.label);
      const status = err instanceof KubeHttpError ? ` (HTTP ${err.statusCode})` : '';
      this.logger.warn(`${this.label}: ${intent.verb} ${intent.resource}${intent.namespace ? ` in ${intent.namespace}` : ''} failed${status}: ${error.message}`);
      throw error;
    }
  }
}
