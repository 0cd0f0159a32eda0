// The history as CSV (one row per migration, its phase timeline in one column) or JSON (an array
// of migrations, each with its transitions), produced page by page so that a large history
// streams to a file without being held in memory twice.

import type { HistoryDatabase, HistoryEntry, ListQuery, ExportCursor } from './database/history-database';
import { csvField, csvLine } from './csv';
import { currentPhaseWord, modeWord, stateWord } from '../model/vocabulary';

export type ExportFormat = 'csv' | 'json';
export type ExportQuery = Omit<ListQuery, 'limit' | 'offset'>;

const PAGE_SIZE = 1000;

export const CSV_COLUMNS = [
  'id',
  'cluster',
  'kind',
  'datacenter',
  'namespace',
  'vm',
  'name',
  'source_node',
  'target_node',
  'mode',
  'origin',
  'state',
  'phase',
  'created_at',
  'started_at',
  'ended_at',
  'duration_ms',
  'downtime_ms',
  'failure_reason',
  'timeline',
] as const;

function* entries(database: HistoryDatabase, query: ExportQuery): Generator<HistoryEntry> {
  let cursor: ExportCursor | undefined;
  for (;;) {
    const page = database.exportPage(query, cursor, PAGE_SIZE);
    for (const row of page) yield row.entry;
    if (page.length < PAGE_SIZE) return;
    cursor = page[page.length - 1].cursor;
  }
}

/** The export in pieces of about one page each, newest migration first. */
export function* exportChunks(database: HistoryDatabase, format: ExportFormat, query: ExportQuery = {}): Generator<string> {
  if (format === 'csv') {
    yield csvLine([...CSV_COLUMNS]);
    let chunk = '';
    let n = 0;
    for (const entry of entries(database, query)) {
      chunk += csvLine(csvRow(entry));
      if (++n % PAGE_SIZE === 0) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
    return;
  }
  yield '[';
  let chunk = '';
  let n = 0;
  for (const entry of entries(database, query)) {
    chunk += `${n === 0 ? '\n' : ',\n'}${JSON.stringify({ ...entry.migration, transitions: entry.transitions.map(({ phase, at }) => ({ phase, at })) })}`;
    if (++n % PAGE_SIZE === 0) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}${n === 0 ? '' : '\n'}]\n`;
}

function csvRow({ migration: m, transitions }: HistoryEntry): string[] {
  return [
    csvField(m.id),
    csvField(m.cluster),
    csvField(m.kind),
    csvField(m.datacenter),
    csvField(m.namespace),
    csvField(m.vm),
    csvField(m.name),
    csvField(m.sourceNode),
    csvField(m.targetNode),
    csvField(modeWord(m.mode)),
    csvField(m.origin),
    csvField(stateWord(m.state)),
    csvField(currentPhaseWord(m)),
    csvField(isoTime(m.createdAt), false),
    csvField(isoTime(m.startedAt), false),
    csvField(isoTime(m.endedAt), false),
    csvField(m.durationMs, false),
    csvField(m.downtimeMs, false),
    csvField(m.failureReason),
    csvField(transitions.map((t) => `${t.phase}@${isoTime(t.at)}`).join('; ')),
  ];
}

function isoTime(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
