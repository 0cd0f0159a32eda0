// Keeps this daemon in the cluster: its member key is bound to a lease it keeps alive (so a dead
// daemon drops out when the lease expires), and it campaigns in the leader election. Both are
// re-established after the store loses them (a store restart or a long partition).

import { LEADER_ELECTION, keys, type MemberRecord } from '../state/cluster-records';
import type { StoreCampaign, StoreLease } from '../store/cluster-store';
import { delay } from '../abortable-delay';
import type { NodeContext } from './node-context';
import { backoffDelay } from '../../../src/base/backoff';

export class NodeMembership {
  private lease?: StoreLease;
  private campaign?: StoreCampaign;
  private stopped = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly member: MemberRecord,
    private readonly ttlSeconds: number,
  ) {}

  async start(): Promise<void> {
    await this.register();
    this.startCampaign();
  }

  private async register(): Promise<void> {
    const lease = await this.ctx.store.grantLease(this.ttlSeconds);
    if (this.stopped) return void lease.revoke().catch(() => {});
    this.lease = lease;
    lease.onLost((err) => {
      if (this.stopped || this.lease !== lease) return;
      this.ctx.log(`membership lease lost (${err.message}); rejoining`);
      void this.rejoin();
    });
    const key = keys.member(this.member.id);
    const result = await this.ctx.store.txn([], [{ type: 'put', key, value: JSON.stringify(this.member), leaseId: lease.id }]);
    await this.ctx.view.waitForRevision(result.revision);
  }

  private async rejoin(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.register();
        this.ctx.log('rejoined the cluster');
        return;
      } catch {
        // No jitter: a few local daemons of a dev cluster, whose start-up stays deterministic.
        await delay(backoffDelay(attempt, { initialMs: 200, maxMs: 2000, jitter: 0 })).catch(() => {});
      }
    }
  }

  private startCampaign(): void {
    if (this.stopped) return;
    const campaign = this.ctx.store.campaign(LEADER_ELECTION, String(this.member.id), this.ttlSeconds);
    this.campaign = campaign;
    campaign.onError(() => {
      if (this.stopped || this.campaign !== campaign) return;
      campaign.release();
      // Campaign again once the store answers; a lost campaign means our candidate key is gone.
      setTimeout(() => this.startCampaign(), 500).unref();
    });
  }

  /** Leaves the cluster: resigns leadership and drops the member key now. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([this.campaign?.resign(), this.lease?.revoke()]);
  }

  /** Stops keeping the leases alive, as a killed process would: the node drops out after the TTL. */
  abandon(): void {
    this.stopped = true;
    this.campaign?.release();
    this.lease?.release();
  }
}
