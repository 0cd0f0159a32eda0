// Real Blixard node daemons (companion/blixard-node) on loopback ports for the source's tests,
// plus a recorder for what a source emits.

import { startDevCluster, type DevCluster, type DevClusterOptions } from '../../../../../companion/blixard-node/dev-cluster';
import type { IDisposable } from '../../../../../src/base/lifecycle';
import type { MigrationObservation, MigrationStreamEvent } from '../../../../../src/model/migration';
import { BlixardSource, type BlixardSourceOptions } from '../../../../../src/sources/blixard/blixard-source';
import type { BlixardClusterConfig } from '../../../../../src/sources/blixard/blixard-cluster-config';
import { waitFor } from './wait-for';

export type { DevCluster };

/** Fast VM boots; live migrations at `bandwidthMbps` (a 512 MB VM takes ~4096/bandwidth s). */
export async function startTestCluster(options: DevClusterOptions & { bandwidthMbps?: number } = {}): Promise<DevCluster> {
  const { bandwidthMbps, ...rest } = options;
  return startDevCluster({
    nodes: 3,
    basePort: 0,
    vms: 6,
    runtime: { bootMs: 50, stopMs: 50, bandwidthMbps: bandwidthMbps ?? 8000, dirtyRateMbps: 100, progressIntervalMs: 50, ...rest.runtime },
    log: () => {},
    ...rest,
  });
}

let sourceCount = 0;

export function sourceFor(endpoints: string[], options: BlixardSourceOptions = {}, config: Partial<BlixardClusterConfig> = {}): BlixardSource {
  sourceCount++;
  return new BlixardSource(
    { id: `blixard/test-${sourceCount}`, name: `test-${sourceCount}`, endpoints, ...config },
    { callDeadlineMs: 3000, reconnectInitialDelayMs: 100, reconnectMaxDelayMs: 1000, ...options },
  );
}

/** Everything a source's migration stream delivered to one listener, in order. */
export class StreamRecorder implements IDisposable {
  readonly events: MigrationStreamEvent[] = [];
  private readonly subscription: IDisposable;

  constructor(source: BlixardSource) {
    this.subscription = source.onMigrationEvent((e) => this.events.push(e));
  }

  observations(migrationId?: string): MigrationObservation[] {
    return this.events
      .filter((e): e is Extract<MigrationStreamEvent, { type: 'observation' }> => e.type === 'observation')
      .map((e) => e.observation)
      .filter((o) => migrationId === undefined || o.migration.id === migrationId);
  }

  phasesSeen(migrationId: string): string[] {
    return this.observations(migrationId).map((o) => o.migration.phase);
  }

  syncedCount(): number {
    return this.events.filter((e) => e.type === 'synced').length;
  }

  async waitForSynced(count = 1): Promise<void> {
    await waitFor(() => this.syncedCount() >= count, `synced #${count}`);
  }

  async waitForFinal(migrationId: string, timeoutMs = 20_000): Promise<MigrationObservation> {
    return waitFor(
      () => this.observations(migrationId).find((o) => ['succeeded', 'failed', 'cancelled'].includes(o.migration.state)),
      `final observation of ${migrationId}`,
      timeoutMs,
    );
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
