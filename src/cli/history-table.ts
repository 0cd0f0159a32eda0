// Renders migrations from the history as a plain-text table for a terminal (and as a phase
// timeline when one migration is asked for). Pure: rows in, text out.

import type { Migration, PhaseTransition } from '../model/migration';
import { currentPhaseWord, formatDuration, modeWord, phaseWord, stateWord } from '../model/vocabulary';
import { sortTimeline } from '../model/phase-order';
// Cluster-supplied text must not break the table's lines.
import { flattenControlCharacters } from '../base/text';
import { lifecycleOf } from '../sources/cluster-kinds';

const COLUMNS: { title: string; value: (m: Migration) => string }[] = [
  { title: 'CREATED', value: (m) => isoSeconds(m.createdAt) },
  { title: 'CLUSTER', value: (m) => m.cluster },
  { title: 'VM', value: (m) => (m.namespace ? `${m.namespace}/${m.vm}` : m.vm) },
  { title: 'MIGRATION', value: (m) => m.name || m.id },
  { title: 'FROM', value: (m) => m.sourceNode ?? '-' },
  { title: 'TO', value: (m) => m.targetNode ?? '-' },
  { title: 'PHASE', value: (m) => currentPhaseWord(m) },
  { title: 'STATE', value: (m) => stateWord(m.state) },
  { title: 'DURATION', value: (m) => (m.durationMs !== undefined ? formatDuration(m.durationMs) : '-') },
  { title: 'MODE', value: (m) => modeWord(m.mode) },
  { title: 'ORIGIN', value: (m) => m.origin },
];

export function renderMigrationTable(migrations: readonly Migration[]): string {
  if (migrations.length === 0) return 'No migrations.\n';
  const rows = migrations.map((m) => COLUMNS.map((c) => flattenControlCharacters(c.value(m))));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(COLUMNS.map((c) => c.title)), ...rows.map(line)].join('\n') + '\n';
}

/** One migration in full: its fields and its phase timeline. */
export function renderMigrationDetail(migration: Migration, transitions: readonly PhaseTransition[]): string {
  const m = migration;
  const fields: [string, string | undefined][] = [
    ['Migration', m.name || m.id],
    ['Id', m.id],
    ['Cluster', m.cluster],
    ['Datacenter', m.datacenter],
    ['VM', m.namespace ? `${m.namespace}/${m.vm}` : m.vm],
    ['From → to', `${m.sourceNode ?? '?'} → ${m.targetNode ?? '?'}`],
    ['Mode', modeWord(m.mode)],
    ['Origin', m.origin],
    ['State', stateWord(m.state)],
    ['Phase', currentPhaseWord(m)],
    ['Created', isoMillis(m.createdAt)],
    ['Started', m.startedAt !== undefined ? isoMillis(m.startedAt) : undefined],
    ['Ended', m.endedAt !== undefined ? isoMillis(m.endedAt) : undefined],
    ['Duration', m.durationMs !== undefined ? formatDuration(m.durationMs) : undefined],
    ['Downtime', m.downtimeMs !== undefined ? formatDuration(m.downtimeMs) : undefined],
    ['Failure', m.failureReason],
    ['Plan', m.planId],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const out = fields.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k.padEnd(width)}  ${flattenControlCharacters(v!)}`);
  out.push('', 'Phases:');
  const ordered = sortTimeline(lifecycleOf(m.kind), transitions);
  if (ordered.length === 0) out.push('  (none recorded)');
  ordered.forEach((t, i) => out.push(`  ${isoMillis(t.at)}  +${formatDuration(t.at - m.createdAt).padEnd(7)}  ${flattenControlCharacters(phaseWord(t.phase, m.state, i === ordered.length - 1))}`));
  return out.join('\n') + '\n';
}

function isoSeconds(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isoMillis(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString();
}

