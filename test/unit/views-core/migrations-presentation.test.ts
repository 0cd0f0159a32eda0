import * as assert from 'node:assert/strict';
import type { Migration } from '../../../src/model/migration';
import {
  activeStatusLook,
  clockTime,
  endedStatusLook,
  md,
  migrationElapsedMs,
  migrationLook,
  migrationPickLook,
  phaseLook,
  streamDownLook,
  vmDisplayName,
} from '../../../src/ui/migrations/core/migrations-presentation';

const T0 = Date.UTC(2025, 2, 1, 10, 0, 0);

function migration(patch: Partial<Migration> = {}): Migration {
  return {
    id: 'kubevirt:prod/default/kubevirt-migrate-vm-x7k2p',
    kind: 'kubevirt',
    cluster: 'kubevirt:prod',
    namespace: 'default',
    vm: 'web-1',
    name: 'kubevirt-migrate-vm-x7k2p',
    sourceNode: 'node01',
    targetNode: 'node02',
    mode: 'PreCopy',
    origin: 'user',
    phase: 'Running',
    state: 'running',
    createdAt: T0,
    labels: {},
    ...patch,
  };
}

describe('migrations presentation', () => {
  it('names a VM with its namespace when it has one', () => {
    assert.equal(vmDisplayName(migration()), 'default/web-1');
    assert.equal(vmDisplayName(migration({ namespace: undefined, vm: 'vm-3' })), 'vm-3');
  });

  it('shows an active migration with its route, phase, elapsed time and cluster, spinning', () => {
    const look = migrationLook(migration(), { now: T0 + 12_300, clusterLabel: 'prod' });
    assert.equal(look.label, 'default/web-1');
    assert.equal(look.description, 'node01 → node02 · Running · 12s · prod');
    assert.equal(look.icon, 'sync~spin');
    assert.equal(look.contextValue, 'migration.active');
    assert.match(look.tooltip, /Migration: kubevirt\\?-migrate/);
  });

  it('shows an ended migration with its outcome and recorded duration, and a reason in the tooltip', () => {
    const ok = migrationLook(migration({ state: 'succeeded', phase: 'Succeeded', endedAt: T0 + 41_000, durationMs: 40_000 }), { now: T0 + 999_999 });
    assert.equal(ok.description, 'node01 → node02 · succeeded · 40s');
    assert.equal(ok.icon, 'pass');
    assert.equal(ok.contextValue, 'migration.ended');
    assert.doesNotMatch(ok.tooltip, /Downtime/, 'none measured, none shown');
    const live = migrationLook(migration({ state: 'succeeded', phase: 'Succeeded', mode: 'live', endedAt: T0 + 41_000, durationMs: 40_000, downtimeMs: 149 }), { now: T0 + 999_999 });
    assert.match(live.tooltip, /Downtime: 149ms/);
    const failed = migrationLook(migration({ state: 'failed', phase: 'Failed', endedAt: T0 + 5000, failureReason: 'target unreachable' }), { now: T0 + 999_999 });
    assert.equal(failed.icon, 'error');
    assert.equal(failed.color, 'errorForeground');
    assert.match(failed.tooltip, /Reason: target unreachable/);
    assert.equal(migrationLook(migration({ state: 'cancelled', phase: 'Failed', endedAt: T0 + 1000 }), { now: T0 }).icon, 'circle-slash');
  });

  it('marks an active migration whose cluster stream is down', () => {
    const look = migrationLook(migration(), { now: T0, streamDown: true });
    assert.equal(look.icon, 'warning');
    assert.match(look.description, /stream down$/);
    assert.match(look.tooltip, /stream is down/);
  });

  it('measures elapsed time from creation while active and from start to end once final', () => {
    assert.equal(migrationElapsedMs(migration(), T0 + 5000), 5000);
    assert.equal(migrationElapsedMs(migration({ state: 'failed', startedAt: T0 + 1000, endedAt: T0 + 4000 }), T0 + 99_000), 3000);
    assert.equal(migrationElapsedMs(migration(), T0 - 10), 0, 'never negative under clock skew');
  });

  it('draws each phase of the timeline with its time since creation and how long it lasted', () => {
    const m = migration({ state: 'succeeded', phase: 'Succeeded' });
    const timeline = ['Pending', 'Scheduling', 'Running', 'Succeeded'].map((phase, i) => ({ migrationId: m.id, phase, at: T0 + i * 1500 }));
    const first = phaseLook(m, timeline[0], 0, timeline);
    assert.equal(first.label, 'Pending');
    assert.equal(first.description, `${clockTime(T0)} · +0ms`);
    assert.match(first.tooltip, /lasted 1\.5s/);
    assert.equal(first.icon, 'circle-small-filled');
    const last = phaseLook(m, timeline[3], 3, timeline);
    assert.equal(last.icon, 'pass');
    assert.equal(last.description, `${clockTime(T0 + 4500)} · +4.5s`);
    const running = phaseLook(migration(), timeline[2], 2, timeline.slice(0, 3));
    assert.equal(running.icon, 'loading~spin');
  });

  it('says why a cluster is not streaming and that it retries', () => {
    const look = streamDownLook('prod', { state: 'unreachable', reason: 'connect ECONNREFUSED 127.0.0.1:1\nmore', retryInMs: 4000 });
    assert.equal(look.description, 'not streaming: connect ECONNREFUSED 127.0.0.1:1');
    assert.match(look.tooltip, /retrying in 4s/);
  });

  it('says what a reachable cluster cannot stream, without calling it down', () => {
    const look = streamDownLook('edge', { state: 'connected', endpoint: 'h:1', limitation: 'its daemon at h:1 has no MigrationService, so migrations are not streamed' });
    assert.equal(look.description, 'not streaming: its daemon at h:1 has no MigrationService, so migrations are not streamed');
    assert.match(look.tooltip, /^edge is reachable, but its daemon at h:1 has no MigrationService/);
    assert.doesNotMatch(look.tooltip, /retrying/);
  });

  it('puts the count in the status bar and each migration in its tooltip', () => {
    assert.equal(activeStatusLook([], T0), undefined);
    const look = activeStatusLook([migration(), migration({ id: 'b', vm: 'db-2', namespace: undefined, phase: 'Scheduling' })], T0 + 3000, () => 'prod')!;
    assert.equal(look.text, '$(sync~spin) 2 migrating');
    assert.match(look.tooltip, /\*\*default\/web-1\*\* node01 → node02 · Running · 3\.0s · prod/);
    assert.match(look.tooltip, /\*\*db-2\*\* node01 → node02 · Scheduling/);
  });

  it('names the migration that just ended, with a check or an error', () => {
    assert.equal(endedStatusLook([]), undefined);
    const ok = endedStatusLook([migration({ state: 'succeeded' })])!;
    assert.equal(ok.text, '$(check) default/web-1 migrated');
    const failed = endedStatusLook([migration({ state: 'failed', failureReason: 'boom', vm: 'vm-9', namespace: undefined }), migration({ state: 'succeeded' })])!;
    assert.equal(failed.text, '$(error) vm-9 migration failed (+1)');
    assert.match(failed.tooltip, /migration failed: boom/);
  });

  it('shows a cancel someone asked for with the cancelled look (circle-slash), not as an error', () => {
    const look = endedStatusLook([migration({ state: 'cancelled', failureReason: 'cancelled by request' })])!;
    assert.equal(look.text, '$(circle-slash) default/web-1 migration cancelled');
    assert.match(look.tooltip, /^\$\(circle-slash\) \*\*default\/web-1\*\*/);
    assert.doesNotMatch(look.text + look.tooltip, /\$\(error\)/);
  });

  it('gives every status bar item a plain-text accessible label: no Markdown, no icon syntax', () => {
    const active = activeStatusLook([migration()], T0 + 3000, () => 'prod')!;
    const ended = endedStatusLook([migration({ state: 'failed', failureReason: 'boom' })], () => 'prod')!;
    for (const look of [active, ended]) {
      assert.match(look.tooltip, /\$\(|\*\*/, 'the tooltip has its Markdown');
      assert.doesNotMatch(look.accessibilityLabel, /\$\(|\*\*|\\|\n/, look.accessibilityLabel);
    }
    assert.equal(active.accessibilityLabel, '1 migration in progress: default/web-1 from node01 to node02, Running. Opens the Migrations view.');
    // A name is read as it is, not with the escapes the Markdown tooltip needs.
    assert.match(activeStatusLook([migration({ vm: '**x**_1' })], T0)!.accessibilityLabel, /default\/\*\*x\*\*_1 from/);
    assert.equal(ended.accessibilityLabel, 'default/web-1 migration failed: boom. Opens the Migrations view.');
  });

  it('cuts a long VM name in the status bar text with an ellipsis and keeps it whole in the tooltip', () => {
    const long = 'a-very-long-virtual-machine-name-that-goes-on-and-on';
    const look = endedStatusLook([migration({ state: 'succeeded', vm: long, namespace: undefined })])!;
    assert.equal(look.text, '$(check) a-very-long-virtual-mac… migrated');
    assert.ok(look.tooltip.includes(long));
    assert.ok(look.accessibilityLabel.includes(long));
    // A name cannot smuggle an icon into the text.
    assert.doesNotMatch(endedStatusLook([migration({ state: 'succeeded', vm: '$(zap)', namespace: undefined })])!.text, /\$\(zap\)/);
  });

  it('says in the item and its tooltip when a migration\'s cluster stream is down, and why', () => {
    const outage = { since: T0 + 4000, reason: 'Cannot reach Blixard cluster "prod" at h:1: connection refused.' };
    const down = activeStatusLook([migration(), migration({ id: 'b', cluster: 'other', vm: 'db-2', namespace: undefined })], T0 + 25_000, () => 'prod', (id) => (id === 'kubevirt:prod' ? outage : undefined))!;
    assert.equal(down.text, '$(warning) 2 migrating · stream down');
    assert.match(down.tooltip, /\$\(warning\) \*\*Migration stream of prod down\*\* since \d\d:\d\d:\d\d; .*connection refused/);
    assert.match(down.tooltip, /\$\(warning\) \*\*default\/web-1\*\* node01 → node02 · last known: Running/);
    assert.match(down.tooltip, /\$\(sync\) \*\*db-2\*\* node01 → node02 · Running/, 'a migration on a cluster that streams stays live');
    assert.match(down.accessibilityLabel, /The migration stream of prod is down since \d\d:\d\d:\d\d: Cannot reach Blixard cluster "prod" at h:1: connection refused\./);
    // Back: the live look again.
    assert.equal(activeStatusLook([migration()], T0 + 26_000, () => 'prod', () => undefined)!.text, '$(sync~spin) 1 migrating');
  });

  it('escapes Markdown and icon syntax in names from a cluster', () => {
    assert.equal(md('a*b_[x](y)$(zap)'), 'a\\*b\\_\\[x\\](y)\\$(zap)');
    assert.equal(md('vm-3.prod'), 'vm-3.prod');
    const look = activeStatusLook([migration({ vm: '**evil**', namespace: undefined })], T0)!;
    assert.ok(look.tooltip.includes('\\*\\*evil\\*\\*'));
  });

  it('lists query results in a quick pick with the cluster and outcome', () => {
    const pick = migrationPickLook(migration({ state: 'failed', phase: 'Failed', failureReason: 'no capacity', durationMs: 2000, datacenter: 'eu-1' }), 'prod', T0);
    assert.equal(pick.label, '$(error) default/web-1');
    assert.equal(pick.description, 'node01 → node02 · failed · 2.0s');
    assert.match(pick.detail, /^prod · eu-1 · .* · kubevirt-migrate-vm-x7k2p · no capacity$/);
  });
});
