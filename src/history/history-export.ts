// The history as CSV (one row per migration, its phase timeline in one column) or JSON (an array
// of migrations, each with its transitions), produced page by page so that a large history
// streams to a file without being held in memory twice.

import type { SqlValue } from 'sql.js';
import type { HistoryDatabase, HistoryEntry, ListQuery, ExportCursor } from './database/history-database';
import { CSV_NUMBER_COLUMNS, CSV_TEXT_COLUMNS, splitTimeline, timelineOrder } from './database/history-queries';
import { csvField, csvQuoted } from './csv';
import { CsvChunkWriter, type CsvChunk, type TimelineCut } from './csv-chunk-writer';
import { isoTime } from './iso-time';

export { isoTime };
import { currentPhaseWord, modeWord, stateWord } from '../model/vocabulary';
import type { Migration, MigrationState } from '../model/migration';

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
  // Last, so the columns before it stay where readers of earlier exports look for them.
  'plan_id',
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

/** The export in pieces (about 1 MB each for CSV, a page each for JSON), newest migration first. */
export function* exportChunks(database: HistoryDatabase, format: ExportFormat, query: ExportQuery = {}): Generator<string> {
  if (format === 'csv') {
    yield* csvChunks(database, query);
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

/** About what a CSV chunk grows to before it is handed on (one write to the file). */
const CSV_CHUNK_BYTES = 2 << 20;

// Where each value is in a csvPage row (CSV_NUMBER_COLUMNS, the text string, the timeline string)
// and in its text string (CSV_TEXT_COLUMNS).
const [SEQ, CREATED_AT, STARTED_AT, ENDED_AT, DURATION_MS, DOWNTIME_MS] = (['seq', 'created_at', 'started_at', 'ended_at', 'duration_ms', 'downtime_ms'] as const).map((c) =>
  CSV_NUMBER_COLUMNS.indexOf(c),
);
const TEXTS = CSV_NUMBER_COLUMNS.length;
const TIMELINE = TEXTS + 1;
const [ID, CLUSTER, KIND, DATACENTER, NAMESPACE, VM, NAME, SOURCE_NODE, TARGET_NODE, MODE, ORIGIN, STATE, PHASE, FAILURE_REASON, PLAN_ID] = (
  ['id', 'cluster', 'kind', 'datacenter', 'namespace', 'vm', 'name', 'source_node', 'target_node', 'mode', 'origin', 'state', 'phase', 'failure_reason', 'plan_id'] as const
).map((c) => CSV_TEXT_COLUMNS.indexOf(c));
const TEXT_SEPARATOR = '\u001f';
/** Where the timeline is among a line's fields. */
const TIMELINE_FIELD = CSV_COLUMNS.indexOf('timeline');

/**
 * The CSV straight from the rows sql.js gives: only the columns it writes, no Migration or
 * transition objects, each word (mode, state, phase) formatted once per export. Byte for byte
 * what csvRow() writes for the same migration (test/unit/history/csv-export.test.ts holds them
 * together); a row whose text or timeline cannot be cut apart for sure (a value holding a
 * separator) is read the general way (byId).
 */
function* csvChunks(database: HistoryDatabase, query: ExportQuery): Generator<string> {
  for (const { bytes, ascii } of csvByteChunks(database, query)) yield bytes.toString(ascii ? 'latin1' : 'utf8');
}

/**
 * The export as bytes, for a file: CSV without a round trip through strings. `spare`: chunks
 * already written out, whose memory later chunks may reuse (a chunk is not touched again until
 * its caller hands it back there).
 */
export function* exportByteChunks(database: HistoryDatabase, format: ExportFormat, query: ExportQuery = {}, spare: Buffer[] = []): Generator<Buffer> {
  if (format === 'json') {
    for (const chunk of exportChunks(database, format, query)) yield Buffer.from(chunk, 'utf8');
    return;
  }
  for (const { bytes } of csvByteChunks(database, query, spare)) yield bytes;
}

function* csvByteChunks(database: HistoryDatabase, query: ExportQuery, spare: Buffer[] = []): Generator<CsvChunk> {
  const writer = new CsvChunkWriter(CSV_CHUNK_BYTES, spare);
  writer.line([...CSV_COLUMNS]);
  const words: Words = { mode: new Map(), state: new Map(), phase: new Map() };
  const scratch: Scratch = { fields: new Array<string>(CSV_COLUMNS.length).fill(''), cut: { phases: [], ats: [], order: [] } };
  let cursor: ExportCursor | undefined;
  for (;;) {
    let last: SqlValue[] | undefined;
    const n = database.csvPage(query, cursor, PAGE_SIZE, (r) => {
      if (!csvRowOf(r, words, scratch, writer)) writer.line(csvRow(database.byId(String(r[TEXTS]).split(TEXT_SEPARATOR, 1)[0])!));
      last = r;
    });
    if (n < PAGE_SIZE || !last) {
      yield* writer.take(true);
      return;
    }
    yield* writer.take(false);
    cursor = { createdAt: Number(last[CREATED_AT]), seq: Number(last[SEQ]) };
  }
}

interface Scratch {
  /** One line's fields. */
  fields: string[];
  /** One timeline's phases and times (key order), and their order by time. */
  cut: TimelineCut;
}

/** NEEDS_QUOTES of csv.ts. */
const NEEDS_QUOTES_ANYWHERE = /[",\r\n]/;

/** Whether csvField would prefix `value` (FORMULA_START in csv.ts: = + - @ TAB CR). */
function formulaStart(value: string): boolean {
  const first = value.charCodeAt(0);
  return first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13;
}

/** csvField of a text column's value: the formula check without a regex. */
function textField(value: string): string {
  return formulaStart(value) ? csvField(value) : csvQuoted(value);
}

/** textField of a value known to hold nothing that needs quotes. */
function unquotedTextField(value: string): string {
  return formulaStart(value) ? csvField(value) : value;
}

/** csvField of a time column (an isoTime never needs quotes). */
function time(value: SqlValue): string {
  return value === null ? '' : isoTime(Number(value))!;
}

/** csvField(x, false) of a number column. */
function number(value: SqlValue): string {
  return value === null ? '' : String(Number(value));
}

/** The words of the vocabulary met so far in an export (mode, state, state + phase), as CSV fields. */
interface Words {
  mode: Map<string, string>;
  state: Map<string, string>;
  /** By state, then phase. */
  phase: Map<string, Map<string, string>>;
}

function word(words: Map<string, string>, key: string, make: () => string): string {
  let w = words.get(key);
  if (w === undefined) words.set(key, (w = csvField(make())));
  return w;
}

/** Writes the CSV line of a csvPage row; false when the row must be read the general way. */
function csvRowOf(r: SqlValue[], words: Words, scratch: Scratch, writer: CsvChunkWriter): boolean {
  const texts = String(r[TEXTS]);
  const t = texts.split(TEXT_SEPARATOR);
  if (t.length !== CSV_TEXT_COLUMNS.length) return false;
  // One look at the row's text for what needs quotes, instead of one per field.
  const text = NEEDS_QUOTES_ANYWHERE.test(texts) ? textField : unquotedTextField;
  const kind = t[KIND];
  const tl = r[TIMELINE];
  let timelineField = '';
  // The timeline written by the writer from its phases and times (the usual case), else as text.
  let cut: TimelineCut | undefined;
  if (typeof tl === 'string') {
    const ordered = orderTimeline(kind, tl, scratch.cut);
    if (ordered === undefined) return false;
    // The times add nothing that needs quotes or starts a formula: the phases as SQLite gave them tell.
    const c = scratch.cut;
    if (ordered === c && !NEEDS_QUOTES_ANYWHERE.test(tl) && !formulaStart(c.phases[c.order[0]])) cut = c;
    else {
      const line = typeof ordered === 'string' ? ordered : timeline(c.order.map((i) => ({ phase: c.phases[i], at: c.ats[i] })));
      timelineField = NEEDS_QUOTES_ANYWHERE.test(tl) ? textField(line) : unquotedTextField(line);
    }
  }
  const mode = t[MODE];
  const state = t[STATE] as MigrationState;
  const phase = t[PHASE];
  const f = scratch.fields;
  f[0] = text(t[ID]);
  f[1] = text(t[CLUSTER]);
  f[2] = text(kind);
  f[3] = text(t[DATACENTER]);
  f[4] = text(t[NAMESPACE]);
  f[5] = text(t[VM]);
  f[6] = text(t[NAME]);
  f[7] = text(t[SOURCE_NODE]);
  f[8] = text(t[TARGET_NODE]);
  f[9] = word(words.mode, mode, () => modeWord(mode));
  f[10] = text(t[ORIGIN]);
  f[11] = word(words.state, state, () => stateWord(state));
  let phases = words.phase.get(state);
  if (!phases) words.phase.set(state, (phases = new Map()));
  f[12] = word(phases, phase, () => currentPhaseWord({ phase, state }));
  f[13] = time(r[CREATED_AT]);
  f[14] = time(r[STARTED_AT]);
  f[15] = time(r[ENDED_AT]);
  f[16] = number(r[DURATION_MS]);
  f[17] = number(r[DOWNTIME_MS]);
  f[18] = text(t[FAILURE_REASON]);
  f[19] = timelineField;
  f[20] = text(t[PLAN_ID]);
  writer.line(f, TIMELINE_FIELD, cut);
  return true;
}

/**
 * csvPage's timeline string cut apart into `cut`, its order by time in cut.order, and `cut` returned;
 * where times tie (the kind's lifecycle orders those), the timeline as timeline() writes it;
 * undefined when it cannot be cut apart.
 */
function orderTimeline(kind: string, value: string, cut: TimelineCut): TimelineCut | string | undefined {
  const { phases, ats, order } = cut;
  if (!splitTimeline(value, phases, ats)) return undefined;
  const n = phases.length;
  order.length = n;
  // By time (insertion sort: a dozen items), noting ties.
  let tie = false;
  for (let i = 0; i < n; i++) {
    let j = i;
    while (j > 0 && ats[order[j - 1]] > ats[i]) {
      order[j] = order[j - 1];
      j--;
    }
    if (j > 0 && ats[order[j - 1]] === ats[i]) tie = true;
    order[j] = i;
  }
  if (tie) return timeline(timelineOrder(kind as Migration['kind'], phases.map((phase, i) => ({ phase, at: ats[i] }))));
  return cut;
}

/** A migration's CSV fields (the general path, and what csvChunks' lines must equal). */
export function csvRow({ migration: m, transitions }: HistoryEntry): string[] {
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
    csvField(timeline(transitions)),
    csvField(m.planId),
  ];
}

/** "phase@time; phase@time…" */
function timeline(transitions: ReadonlyArray<Pick<HistoryEntry['transitions'][number], 'phase' | 'at'>>): string {
  let out = '';
  for (let i = 0; i < transitions.length; i++) out += `${i === 0 ? '' : '; '}${transitions[i].phase}@${isoTime(transitions[i].at)}`;
  return out;
}
