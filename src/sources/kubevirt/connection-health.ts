// The cluster's connection state as the tree and the watcher see it, derived from its three
// informers: unreachable with the reason of the informer that failed first (for as long as it
// fails), connected once all watch, and a cluster whose migrations alone are forbidden still
// connected, with that limitation said. Also waits until an informer has listed, or says why not.

import type { ConnectionState } from '../../model/cluster';
import { SourceError } from '../../model/errors';
import { withDeadline } from '../../base/deadline';
import type { KubeObject } from './kube-objects';
import type { KubevirtInformers } from './kubevirt-informers';
import type { InformerStatus, ResilientInformer } from './resilient-informer';

export interface ConnectionHealthHooks {
  /** Every new state, as it is set. */
  changed(state: ConnectionState): void;
  /** The cluster went unreachable or came back: the tree swaps its error row for the cluster, or back. */
  treeUpOrDown(): void;
}

export class ConnectionHealth {
  private current: ConnectionState = { state: 'connecting' };
  /** The informer whose failure the connection state reports, kept while it still fails. */
  private failingInformer: ResilientInformer<KubeObject> | undefined;

  constructor(
    private readonly label: string,
    private readonly hooks: ConnectionHealthHooks,
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  set(state: ConnectionState): void {
    this.current = state;
    this.hooks.changed(state);
  }

  /** Derives the state again after an informer's status changed. */
  update(informers: KubevirtInformers): void {
    const vmims = informers.vmims.status;
    // A user who may list nodes and VMIs but not VMIMs still has a working tree: the cluster is
    // reachable, and what the watcher cannot see is said, not turned into "unreachable".
    const vmimsForbidden = vmims.state === 'retrying' && vmims.error.code === 'forbidden';
    const members: Array<ResilientInformer<KubeObject>> = vmimsForbidden ? [informers.nodes, informers.vmis] : [informers.nodes, informers.vmis, informers.vmims];
    const statuses = members.map((i) => i.status);
    // The reason said is that of the informer that failed first, for as long as it fails: between
    // its attempts it is 'connecting', and the others' words for the same outage are no news.
    const reported = this.failingInformer && members.includes(this.failingInformer) ? this.failingInformer : undefined;
    if (reported?.status.state === 'connecting' && this.current.state === 'unreachable') return;
    const failingInformer = reported?.status.state === 'retrying' ? reported : members.find((i) => i.status.state === 'retrying');
    this.failingInformer = failingInformer;
    const failing = failingInformer?.status as Extract<InformerStatus, { state: 'retrying' }> | undefined;
    let next: ConnectionState;
    if (failing) next = { state: 'unreachable', reason: failing.error.message, retryInMs: failing.retryInMs };
    else if (statuses.every((s) => s.state === 'watching')) {
      next = { state: 'connected', endpoint: informers.client.server };
      if (vmimsForbidden) next.limitation = `migrations are not followed: ${lowerFirst(vmims.error.message)}`;
    } else next = { state: 'connecting' };
    const before = this.current;
    if (JSON.stringify(before) === JSON.stringify(next)) return;
    if (before.state === 'unreachable' && next.state === 'unreachable' && before.reason === next.reason) return;
    this.set(next);
    // The tree shows a failing cluster as one error item, and the cluster again once it is back.
    if ((before.state === 'unreachable') !== (next.state === 'unreachable')) this.hooks.treeUpOrDown();
  }

  /**
   * Resolves once `informer` holds a complete list and watches; a failing one is retried at once
   * (the user may have pressed Retry) and its reason thrown; gives up after `timeoutMs`.
   */
  listed(informer: ResilientInformer<KubeObject>, timeoutMs: number): Promise<void> {
    const status = informer.status;
    if (status.state === 'watching' && informer.hasSynced) return Promise.resolve();
    if (status.state === 'retrying') informer.retryNow();
    let subscription: { dispose(): void } | undefined;
    const answered = new Promise<void>((resolve, reject) => {
      subscription = informer.listen({
        onStatus: (s: InformerStatus) => {
          if (s.state === 'watching' && informer.hasSynced) resolve();
          else if (s.state === 'retrying') reject(s.error);
          else if (s.state === 'stopped') reject(new SourceError('unavailable', `${this.label} is closed`));
        },
        onSynced: () => resolve(),
      });
    });
    const timedOut = () => new SourceError('timeout', `${this.label} did not answer within ${Math.round(timeoutMs / 1000)} s`);
    return withDeadline(answered, timeoutMs, timedOut).finally(() => subscription?.dispose());
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
