// Starts a Blixard migration and hands back its handle as soon as the daemon has accepted it.
// MigrateVm only returns when the migration is over, so acceptance is seen elsewhere: on the
// watch stream, or by asking GetMigration for the id we chose. Validation errors come back on
// MigrateVm itself within milliseconds.

import { randomUUID } from 'node:crypto';
import { SourceError } from '../../model/errors';
import { requestPlanId } from '../../model/plan-id-request';
import type { Event } from '../../base/event';
import type { MigrationHandle, MigrationRequest } from '../cluster-source';
import type { BlixardClient } from './blixard-client';
import type { WireMigrateVmRequest, WireMigrationInfo } from './blixard-wire';
import { GrpcStatus, formatSeconds, isEndpointFailure, isGrpcFailure, toSourceError } from './grpc-error';
import { isFinalInfo } from './migration-ledger';
import { blixardMigrationId } from './migration-mapping';
import type { MigrationChange } from './migration-stream';

export interface SubmissionTimings {
  callDeadlineMs: number;
  /** Deadline of MigrateVm itself, which lasts as long as the migration. */
  migrationDeadlineMs: number;
  /** How long the daemon may take to show the migration before migrate() gives up. */
  acceptTimeoutMs: number;
  /** Interval of GetMigration polls when following a migration whose MigrateVm call was lost. */
  followPollMs: number;
}

export interface SubmissionDeps {
  client: BlixardClient;
  sourceId: string;
  /** Accepted changes from the watch stream (when it runs). */
  onChange: Event<MigrationChange>;
  /** Aborted when the source is disposed. */
  lifetime: AbortSignal;
  timings: SubmissionTimings;
  /** Chooses the daemon's migration id; a UUID unless a test needs to know it beforehand. */
  newId?: () => string;
}

const MAX_UINT64 = 2n ** 64n - 1n;

export function checkMigrationRequest(request: MigrationRequest): WireMigrateVmRequest {
  if (!request || typeof request.vmId !== 'string' || request.vmId.trim() === '') {
    throw new SourceError('invalid-argument', 'Choose the VM to migrate.');
  }
  if (request.targetNodeId === undefined || request.targetNodeId === '') {
    throw new SourceError('invalid-argument', 'Choose a target node: a Blixard cluster does not pick one by itself.');
  }
  // A uint64 on the wire: past 2^64 − 1 protobuf would silently send a different id.
  if (!/^\d{1,20}$/.test(request.targetNodeId) || BigInt(request.targetNodeId) > MAX_UINT64 || BigInt(request.targetNodeId) === 0n) {
    throw new SourceError('invalid-argument', `Node ${request.targetNodeId} is not a Blixard node id.`);
  }
  // Checked here too, so a bad id is the caller's sentence rather than the daemon's INVALID_ARGUMENT.
  const planId = requestPlanId(request.planId);
  return {
    vmName: request.vmId,
    targetNodeId: request.targetNodeId,
    liveMigration: Boolean(request.live),
    force: Boolean(request.force),
    migrationId: '',
    planId: planId ?? '',
  };
}

/** The reason a final migration did not succeed, or undefined when it did. */
export function finalOutcomeError(info: Pick<WireMigrationInfo, 'status' | 'message' | 'vmName'>): SourceError | undefined {
  switch (info.status) {
    case 'MIGRATION_STATUS_COMPLETED':
      return undefined;
    case 'MIGRATION_STATUS_CANCELLED':
      return new SourceError('conflict', `The migration of ${info.vmName} was cancelled${info.message ? `: ${info.message}` : '.'}`);
    default:
      return new SourceError('failed-precondition', `The migration of ${info.vmName} failed${info.message ? `: ${info.message}` : '.'}`);
  }
}

export async function submitBlixardMigration(deps: SubmissionDeps, request: MigrationRequest): Promise<MigrationHandle> {
  const wire = checkMigrationRequest(request);
  const { client, timings } = deps;
  const daemonId = (deps.newId ?? randomUUID)();
  wire.migrationId = daemonId;
  const migrationId = blixardMigrationId(deps.sourceId, daemonId);

  // Find an endpoint that answers now: MigrateVm's own deadline is far too long to detect a dead one.
  await client.call('cluster', 'HealthCheck', {}, { action: 'check the cluster before migrating', idempotent: true, signal: deps.lifetime });

  return new Promise<MigrationHandle>((resolveHandle, rejectHandle) => {
    let accepted = false;
    let handleSettled = false;
    let completionSettled = false;
    let resolveCompletion!: () => void;
    let rejectCompletion!: (err: SourceError) => void;
    const completion = new Promise<void>((resolve, reject) => {
      resolveCompletion = resolve;
      rejectCompletion = reject;
    });
    // Callers may ignore the completion; a failed migration must not become an unhandled rejection.
    completion.catch(() => {});

    const call = new AbortController();
    const timers = new Set<NodeJS.Timeout>();
    const later = (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };
    const cleanup = () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      subscription.dispose();
      deps.lifetime.removeEventListener('abort', onDispose);
    };

    const accept = () => {
      if (accepted) return;
      accepted = true;
      if (!handleSettled) {
        handleSettled = true;
        resolveHandle({ migrationId, completion });
      }
    };
    const refuse = (err: SourceError) => {
      call.abort();
      cleanup();
      if (!handleSettled) {
        handleSettled = true;
        rejectHandle(err);
      }
    };
    const complete = (err?: SourceError) => {
      if (completionSettled) return;
      completionSettled = true;
      cleanup();
      call.abort();
      if (err) rejectCompletion(err);
      else resolveCompletion();
    };
    const completeFrom = (info: WireMigrationInfo) => complete(finalOutcomeError(info));

    const subscription = deps.onChange(({ info }) => {
      if (info.id !== daemonId) return;
      accept();
      if (isFinalInfo(info)) completeFrom(info);
    });
    const onDispose = () => {
      refuse(new SourceError('unavailable', 'The Blixard source was closed before the migration was confirmed.'));
      complete(new SourceError('unavailable', 'The Blixard source was closed; the migration goes on in the cluster.'));
    };
    deps.lifetime.addEventListener('abort', onDispose, { once: true });

    const getMigration = () =>
      client.call('migration', 'GetMigration', { id: daemonId }, { action: 'read the migration', idempotent: true, signal: deps.lifetime });

    // Acceptance by polling, for when no watch stream runs (or it is slower).
    const startedAt = Date.now();
    const pollAcceptance = (delay: number) => {
      if (accepted || handleSettled) return;
      if (Date.now() - startedAt >= timings.acceptTimeoutMs) {
        refuse(new SourceError('timeout', `Blixard cluster "${client.clusterName}" did not confirm the migration of ${wire.vmName} within ${formatSeconds(timings.acceptTimeoutMs)}.`));
        return;
      }
      later(() => {
        getMigration()
          .then((res) => {
            if (res.found && res.migration) {
              accept();
              if (isFinalInfo(res.migration)) completeFrom(res.migration);
            }
          })
          .catch(() => {
            // not there yet, or a transient failure: the next poll or MigrateVm's answer decides
          })
          .finally(() => pollAcceptance(Math.min(500, Math.round(delay * 1.5))));
      }, delay);
    };
    pollAcceptance(40);

    // After MigrateVm was lost with the migration under way: follow it until it is final.
    const follow = () => {
      if (completionSettled) return;
      if (Date.now() - startedAt >= timings.migrationDeadlineMs) {
        complete(new SourceError('timeout', `The migration of ${wire.vmName} was not final within ${formatSeconds(timings.migrationDeadlineMs)}.`));
        return;
      }
      later(() => {
        getMigration()
          .then((res) => {
            if (res.found && res.migration && isFinalInfo(res.migration)) completeFrom(res.migration);
          })
          .catch(() => {})
          .finally(follow);
      }, timings.followPollMs);
    };

    const order = client.endpointOrder();
    const send = (position: number) => {
      const index = order[position];
      const endpoint = client.endpoints[index].address;
      client
        .callOn(index, 'cluster', 'MigrateVm', wire, timings.migrationDeadlineMs, call.signal)
        .then((res) => {
          client.markGood(index);
          if (res.success) {
            accept();
            complete();
            return;
          }
          const outcome = { status: res.status, message: res.message, vmName: wire.vmName };
          if (accepted) {
            complete(finalOutcomeError(outcome) ?? new SourceError('failed-precondition', res.message || 'The migration failed.'));
            return;
          }
          // Refused outright, or started and failed at once: only the latter leaves a record.
          getMigration()
            .then((found) => {
              if (found.found && found.migration) {
                accept();
                completeFrom(found.migration);
              } else {
                refuse(new SourceError('failed-precondition', res.message || `Blixard cluster "${client.clusterName}" refused the migration.`));
              }
            })
            .catch(() => refuse(new SourceError('failed-precondition', res.message || `Blixard cluster "${client.clusterName}" refused the migration.`)));
        })
        .catch((err: unknown) => {
          if (completionSettled || (handleSettled && !accepted)) return;
          const error = toSourceError(err, { cluster: client.clusterName, endpoint, action: `migrate ${wire.vmName}`, deadlineMs: timings.migrationDeadlineMs });
          const transport = isGrpcFailure(err) && (isEndpointFailure(err.code) || err.code === GrpcStatus.CANCELLED);
          if (!accepted) {
            // The id makes a repeat safe: a daemon that already has it does not start a second one.
            if (isGrpcFailure(err) && err.code === GrpcStatus.UNAVAILABLE && position + 1 < order.length) {
              send(position + 1);
              return;
            }
            refuse(error);
            return;
          }
          if (transport) {
            follow();
            return;
          }
          // The daemon ended the call with an error of its own: the record says how it ended.
          getMigration()
            .then((res) => (res.found && res.migration && isFinalInfo(res.migration) ? completeFrom(res.migration) : complete(error)))
            .catch(() => complete(error));
        });
    };
    send(0);
  });
}
