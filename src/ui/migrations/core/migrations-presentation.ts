// How migrations look in the Migrations view, the status bar and the seed-query quick picks —
// label, description, icon, tooltip — as plain data. Free of `vscode` so the wording is unit-tested;
// the tree provider and the status bar turn it into TreeItems and StatusBarItems.

import type { NotStreaming } from '../../../model/cluster';
import { isFinal, type Migration, type MigrationState, type PhaseTransition } from '../../../model/migration';
import { currentPhaseWord, formatClockTime, formatDuration, formatTimeLeft, modeWord, phaseWord, stateWord } from '../../../model/vocabulary';
import { flattenControlCharacters } from '../../../base/text';
import type { HistorySource } from '../../../serve/client/team-history';
import { progressFigures } from '../../../protocol/progress-figures';
import type { HistorySourceView } from '../../../protocol/history-panel';
import { dirtiesFasterThanSent } from '../../../model/convergence/convergence-verdict';

export interface MigrationLook {
  label: string;
  description: string;
  /** Codicon id (with ~spin where it should turn). */
  icon: string;
  /** Theme colour id for the icon. */
  color?: string;
  contextValue: 'migration.active' | 'migration.ended';
  /** Markdown, with every name from a cluster escaped. */
  tooltip: string;
}

export interface PhaseLook {
  label: string;
  description: string;
  icon: string;
  color?: string;
  tooltip: string;
}

/** "default/web-1" for a namespaced VM, "web-1" otherwise. */
export function vmDisplayName(m: Pick<Migration, 'vm' | 'namespace'>): string {
  return m.namespace ? `${m.namespace}/${m.vm}` : m.vm;
}

export function nodesText(m: Pick<Migration, 'sourceNode' | 'targetNode'>): string {
  return `${m.sourceNode ?? '?'} → ${m.targetNode ?? '?'}`;
}

/** How long it has run (active) or took (ended). */
export function migrationElapsedMs(m: Migration, now: number): number {
  if (isFinal(m.state)) {
    if (m.durationMs !== undefined) return m.durationMs;
    return Math.max(0, (m.endedAt ?? now) - (m.startedAt ?? m.createdAt));
  }
  return Math.max(0, now - m.createdAt);
}

export function stateIcon(state: MigrationState): { icon: string; color?: string } {
  switch (state) {
    case 'pending':
    case 'running':
      return { icon: 'sync~spin' };
    case 'succeeded':
      return { icon: 'pass', color: 'testing.iconPassed' };
    case 'failed':
      return { icon: 'error', color: 'errorForeground' };
    case 'cancelled':
      return { icon: 'circle-slash', color: 'list.warningForeground' };
  }
}

/**
 * A running live migration's progress in a few words, whichever source reported it (Blixard's
 * daemons, KubeVirt's Prometheus): "42% · 112 MiB/s · ETA 12s". A later pre-copy round is named,
 * not given a percentage of its own, which would run backwards as each round re-sends pages.
 */
export function progressWords(m: Migration): string | undefined {
  if (isFinal(m.state) || !m.progress || m.progress.totalBytes <= 0) return undefined;
  const f = progressFigures(m.progress);
  const stuck = dirtiesFasterThanSent(m.progress.bandwidthBytesPerSec, m.progress.dirtyRateBytesPerSec);
  const share = f.round <= 1 ? `${Math.floor(f.fraction * 100)}%` : `round ${f.round}`;
  return [share, f.rate, f.eta ? `ETA ${f.eta}` : stuck ? 'not converging' : undefined].filter(Boolean).join(' · ');
}

export function migrationLook(m: Migration, options: { now: number; clusterLabel?: string; streamDown?: boolean }): MigrationLook {
  const active = !isFinal(m.state);
  const elapsed = formatDuration(migrationElapsedMs(m, options.now));
  const progress = progressWords(m);
  const parts = [nodesText(m), active ? m.phase : stateWord(m.state), ...(progress ? [progress] : []), elapsed];
  if (options.clusterLabel) parts.push(options.clusterLabel);
  if (active && options.streamDown) parts.push('stream down');
  const { icon, color } = active && options.streamDown ? { icon: 'warning', color: 'list.warningForeground' } : stateIcon(m.state);
  return {
    label: vmDisplayName(m),
    description: parts.join(' · '),
    icon,
    ...(color ? { color } : {}),
    contextValue: active ? 'migration.active' : 'migration.ended',
    tooltip: migrationTooltip(m, options),
  };
}

export function migrationTooltip(m: Migration, options: { now: number; clusterLabel?: string; streamDown?: boolean }): string {
  const lines = [`**${md(vmDisplayName(m))}** ${md(nodesText(m))}`, ''];
  const facts: [string, string | undefined][] = [
    ['Migration', m.name || m.id],
    ['Cluster', options.clusterLabel ?? m.cluster],
    ['Datacenter', m.datacenter],
    ['Phase', currentPhaseWord(m)],
    ['Progress', progressWords(m)],
    ['State', stateWord(m.state)],
    ['Mode', modeWord(m.mode)],
    ['Origin', m.origin],
    ['Created', clockTime(m.createdAt, true)],
    ['Ended', m.endedAt !== undefined ? clockTime(m.endedAt, true) : undefined],
    [isFinal(m.state) ? 'Duration' : 'Elapsed', formatDuration(migrationElapsedMs(m, options.now))],
    ['Downtime', m.downtimeMs !== undefined ? formatDuration(m.downtimeMs) : undefined],
    ['Reason', m.failureReason],
    ['Plan', m.planId],
  ];
  for (const [name, value] of facts) if (value !== undefined && value !== '') lines.push(`${name}: ${md(value)}  `);
  if (options.streamDown && !isFinal(m.state)) lines.push('', `$(warning) The cluster's migration stream is down; this may be out of date.`);
  return lines.join('\n');
}

/**
 * One row of a migration's phase timeline. The migration's current phase of an active migration
 * spins; the final phase shows the outcome; phases passed are ticked.
 */
export function phaseLook(m: Migration, transition: PhaseTransition, index: number, timeline: readonly PhaseTransition[]): PhaseLook {
  const last = index === timeline.length - 1;
  const next = timeline[index + 1];
  const since = `+${formatDuration(transition.at - m.createdAt)}`;
  const lasted = next ? formatDuration(next.at - transition.at) : undefined;
  let icon: { icon: string; color?: string };
  if (last && !isFinal(m.state)) icon = { icon: 'loading~spin' };
  else if (last && isFinal(m.state)) icon = stateIcon(m.state);
  else icon = { icon: 'circle-small-filled' };
  const description = `${clockTime(transition.at)} · ${since}`;
  const label = phaseWord(transition.phase, m.state, last);
  const raw = label !== transition.phase ? ` (the cluster's phase: ${transition.phase})` : '';
  const tooltip = [`${label} at ${clockTime(transition.at, true)}${raw}`, `${since} after the migration was created`, lasted ? `lasted ${lasted}` : undefined]
    .filter(Boolean)
    .join('\n');
  return { label, description, ...icon, tooltip };
}

export function groupDescription(count: number, kind: 'active' | 'recent'): string {
  if (kind === 'active') return count === 0 ? 'none' : String(count);
  return count === 0 ? 'none yet' : String(count);
}

/** Which history Recent shows, after its count: nothing without a history server (this machine's, as always). */
export function historySourceSuffix(source: HistorySource): string {
  switch (source.kind) {
    case 'local':
      return '';
    case 'server':
      return ` · team history · ${source.host}`;
    case 'connecting':
      return ` · this machine (reaching ${source.host}…)`;
    case 'fallback':
      return ' · this machine';
  }
}

/** The one line a dead or wrong history server is in the view. */
export function historyFallbackLook(source: Extract<HistorySource, { kind: 'fallback' }>): { label: string; description: string; tooltip: string } {
  const what: Record<typeof source.code, string> = {
    unreachable: 'unreachable',
    unauthorized: 'token refused',
    timeout: 'not answering',
    'bad-answer': 'not a history server',
    status: 'failing',
    'bad-url': 'not a usable URL',
  };
  return {
    label: `Team history ${what[source.code]}`,
    description: `${source.host}: showing this machine's history`,
    tooltip: `${capitalize(flattenControlCharacters(firstLine(source.reason)))}. Recent, the history panel and the History commands show this machine's history until the server answers again.${source.code === 'unauthorized' ? ' Set its token with "Blixard: Set History Server Token".' : ''}`,
  };
}

/** The history panel's line about the history it shows, in the words of Recent and its fallback item; none without a server. */
export function historySourceView(source: HistorySource): HistorySourceView | undefined {
  switch (source.kind) {
    case 'local':
      return undefined;
    case 'server':
      if (source.newest !== undefined) {
        const newest = source.newest.toLocaleString('en-US');
        return {
          kind: 'server',
          text: `Team history · ${source.host} · its newest ${newest}`,
          tooltip: `The newest ${newest} migrations of the history server at ${source.host} (it holds more), merged with this machine's history, live over its event stream. The table, its count and the summary cover those; a migration found by id, VM or datacenter is asked of the server, however old.`,
        };
      }
      return { kind: 'server', text: `Team history · ${source.host}`, tooltip: `The migrations of the history server at ${source.host}, merged with this machine's history, live over its event stream.` };
    case 'connecting':
      return { kind: 'connecting', text: `This machine's history · reaching ${source.host}…`, tooltip: `The team history at ${source.host} is shown once it answers.` };
    case 'fallback': {
      const look = historyFallbackLook(source);
      return { kind: 'fallback', text: `${look.label} · ${look.description}`, tooltip: look.tooltip };
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A cluster whose migration stream is down, or that cannot stream migrations, as a line in the view. */
export function streamDownLook(label: string, state: NotStreaming): { label: string; description: string; tooltip: string } {
  if (state.state === 'connected') {
    return {
      label,
      description: `not streaming: ${firstLine(state.limitation)}`,
      tooltip: `${label} is reachable, but ${state.limitation}. Migrations started elsewhere on this cluster do not appear here; the tree and the other clusters work as usual.`,
    };
  }
  const retry = state.retryInMs !== undefined ? `; retrying in ${formatRetry(state.retryInMs)}` : '; retrying';
  return {
    label,
    description: `not streaming: ${firstLine(state.reason)}`,
    tooltip: `${label}: migrations are not streaming (${state.reason}${retry}). Other clusters keep flowing; this one catches up when it reconnects.`,
  };
}

// ---- status bar -----------------------------------------------------------------------------

export interface StatusBarLook {
  text: string;
  /** Markdown. */
  tooltip: string;
  /** What a screen reader says: plain words, no Markdown, no `$(icon)` syntax. */
  accessibilityLabel: string;
}

/** What the status bar needs to know of a cluster whose migration stream is down. */
export interface StatusBarOutage {
  since: number;
  reason: string;
}

/** The longest VM name the status bar text shows whole; the tooltip always has it all. */
export const STATUS_BAR_NAME_MAX = 24;

export function activeStatusLook(
  active: readonly Migration[],
  now: number,
  clusterLabel: (id: string) => string | undefined = () => undefined,
  outageOf: (clusterId: string) => StatusBarOutage | undefined = () => undefined,
): StatusBarLook | undefined {
  if (active.length === 0) return undefined;
  const nameOf = (clusterId: string) => clusterLabel(clusterId) ?? clusterId;
  const down = new Map<string, StatusBarOutage>();
  for (const m of active) {
    const outage = outageOf(m.cluster);
    if (outage) down.set(m.cluster, outage);
  }
  const rows = active.map((m) => {
    const where = clusterLabel(m.cluster);
    const stale = down.has(m.cluster);
    const phase = stale ? `last known: ${md(m.phase)}` : md(m.phase);
    const progress = stale ? undefined : progressWords(m);
    return `${stale ? '$(warning)' : '$(sync)'} **${md(vmDisplayName(m))}** ${md(nodesText(m))} · ${phase}${progress ? ` · ${md(progress)}` : ''} · ${formatDuration(migrationElapsedMs(m, now))}${where ? ` · ${md(where)}` : ''}`;
  });
  const shown = rows.slice(0, 15);
  if (rows.length > shown.length) shown.push(`… and ${rows.length - shown.length} more`);
  const count = `${active.length} migration${active.length === 1 ? '' : 's'} in progress`;
  // A cluster that stopped streaming leaves its migrations' figures as they were last heard:
  // said in the item itself, not only in a view the user may not be looking at.
  const outages = [...down].map(
    ([clusterId, o]) => `$(warning) **Migration stream of ${md(nameOf(clusterId))} down** since ${clockTime(o.since)}; its migrations show what was last known and catch up by themselves when it is back. ${md(firstLine(o.reason))}  `,
  );
  const spoken = active.slice(0, 3).map((m) => `${flattenControlCharacters(vmDisplayName(m))} from ${flattenControlCharacters(m.sourceNode ?? 'unknown node')} to ${flattenControlCharacters(m.targetNode ?? 'unknown node')}, ${down.has(m.cluster) ? 'last known ' : ''}${flattenControlCharacters(m.phase)}`);
  if (active.length > spoken.length) spoken.push(`and ${active.length - spoken.length} more`);
  const downSpoken = [...down].map(([clusterId, o]) => `The migration stream of ${flattenControlCharacters(nameOf(clusterId))} is down since ${clockTime(o.since)}: ${flattenControlCharacters(firstLine(o.reason))}.`);
  return {
    text: down.size > 0 ? `$(warning) ${active.length} migrating · stream down` : `$(sync~spin) ${active.length} migrating`,
    tooltip: [`**${count}**`, '', ...(outages.length > 0 ? [...outages, ''] : []), ...shown.map((r) => `${r}  `), '', 'Click to open the Migrations view.'].join('\n'),
    accessibilityLabel: [`${count}: ${spoken.join('; ')}.`, ...downSpoken, 'Opens the Migrations view.'].join(' '),
  };
}

/** The short-lived item naming the migrations that just ended (latest first). */
export function endedStatusLook(ended: readonly Migration[], clusterLabel: (id: string) => string | undefined = () => undefined): StatusBarLook | undefined {
  if (ended.length === 0) return undefined;
  const latest = ended[0];
  const more = ended.length > 1 ? ` (+${ended.length - 1})` : '';
  const rows = ended.slice(0, 10).map((m) => {
    const where = clusterLabel(m.cluster);
    return `$(${endedIcon(m.state)}) **${md(vmDisplayName(m))}** ${md(nodesText(m))} · ${outcomeWord(m)}${m.failureReason ? `: ${md(m.failureReason)}` : ''}${where ? ` · ${md(where)}` : ''}`;
  });
  const spoken = ended.slice(0, 3).map((m) => `${flattenControlCharacters(vmDisplayName(m))} ${outcomeWord(m)}${m.failureReason ? `: ${flattenControlCharacters(firstLine(m.failureReason))}` : ''}`);
  if (ended.length > spoken.length) spoken.push(`and ${ended.length - spoken.length} more`);
  return {
    // The name is cut, never the outcome: a long VM name must not push the rest of the status bar away.
    text: `$(${endedIcon(latest.state)}) ${escapeIcons(truncateName(vmDisplayName(latest), STATUS_BAR_NAME_MAX))} ${outcomeWord(latest)}${more}`,
    tooltip: [...rows.map((r) => `${r}  `), '', 'Click to open the Migrations view.'].join('\n'),
    accessibilityLabel: `${spoken.join('; ')}. Opens the Migrations view.`,
  };
}

/** The ended item's icon: a cancel someone asked for is not an error (circle-slash, as in the Migrations view). */
function endedIcon(state: MigrationState): string {
  return state === 'succeeded' ? 'check' : state === 'cancelled' ? 'circle-slash' : 'error';
}

/** "a-very-long-vm-name-th…": at most `max` characters, the cut marked. */
export function truncateName(name: string, max: number): string {
  const chars = [...name];
  return chars.length <= max ? name : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** Status bar text renders `$(name)` as an icon: a VM name must not smuggle one in. */
function escapeIcons(text: string): string {
  return flattenControlCharacters(text).replace(/\$\(/g, '$\u200b(');
}

export function outcomeWord(m: Pick<Migration, 'state'>): string {
  switch (m.state) {
    case 'succeeded':
      return 'migrated';
    case 'failed':
      return 'migration failed';
    case 'cancelled':
      return 'migration cancelled';
    default:
      return 'migrating';
  }
}

// ---- quick picks ----------------------------------------------------------------------------

export interface MigrationPickLook {
  label: string;
  description: string;
  detail: string;
}

export function migrationPickLook(m: Migration, clusterLabel: string | undefined, now: number): MigrationPickLook {
  const { icon } = stateIcon(m.state);
  return {
    label: `$(${icon.replace('~spin', '')}) ${vmDisplayName(m)}`,
    description: `${nodesText(m)} · ${isFinal(m.state) ? stateWord(m.state) : m.phase} · ${formatDuration(migrationElapsedMs(m, now))}`,
    detail: [clusterLabel ?? m.cluster, m.datacenter, clockTime(m.createdAt, true), m.name, m.failureReason].filter((x) => x !== undefined && x !== '').join(' · '),
  };
}

// ---- small formats --------------------------------------------------------------------------

/** Local wall-clock time, as everywhere else (src/model/vocabulary.ts). */
export const clockTime = formatClockTime;

const formatRetry = formatTimeLeft;

function firstLine(text: string): string {
  const line = String(text).split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

/**
 * Escapes what Markdown (and `$(icon)` syntax) would act on in names that come from clusters.
 * Names never start a line here, so list and heading markers need no escaping.
 */
export function md(text: string): string {
  return (
    flattenControlCharacters(text)
      .replace(/[\\`*_[\]<>$|~]/g, (ch) => `\\${ch}`)
  );
}
