// The history as CSV (one row per migration, its phase timeline in one column) or JSON (an array
// of migrations, each with its transitions), produced page by page so that a large history
// streams to a file without being held in memory twice.

import type { SqlValue } from 'sql.js';
import type { HistoryDatabase, HistoryEntry, ListQuery, ExportCursor } from './database/history-database';
import { CSV_NUMBER_COLUMNS, CSV_TEXT_COLUMNS, splitTimeline, timelineOrder } from './database/history-queries';
import { csvField, csvLine, csvQuoted } from './csv';
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
const [ID, CLUSTER, KIND, DATACENTER, NAMESPACE, VM, NAME, SOURCE_NODE, TARGET_NODE, MODE, ORIGIN, STATE, PHASE, FAILURE_REASON] = (
  ['id', 'cluster', 'kind', 'datacenter', 'namespace', 'vm', 'name', 'source_node', 'target_node', 'mode', 'origin', 'state', 'phase', 'failure_reason'] as const
).map((c) => CSV_TEXT_COLUMNS.indexOf(c));
const TEXT_SEPARATOR = '\u001f';

/**
 * The CSV straight from the rows sql.js gives: only the columns it writes, no Migration or
 * transition objects, each word (mode, state, phase) formatted once per export. Byte for byte
 * what csvRow() writes for the same migration (test/unit/history/csv-export.test.ts holds them
 * together); a row whose text or timeline cannot be cut apart for sure (a value holding a
 * separator) is read the general way (byId).
 */
function* csvChunks(database: HistoryDatabase, query: ExportQuery): Generator<string> {
  yield csvLine([...CSV_COLUMNS]);
  const words: Words = { mode: new Map(), state: new Map(), phase: new Map() };
  const scratch: Scratch = { fields: new Array<string>(CSV_COLUMNS.length).fill(''), phases: [], ats: [], order: [] };
  let cursor: ExportCursor | undefined;
  const chunk = new ChunkBuilder();
  for (;;) {
    let last: SqlValue[] | undefined;
    const n = database.csvPage(query, cursor, PAGE_SIZE, (r) => {
      chunk.add(csvRowOf(r, words, scratch) ?? csvLine(csvRow(database.byId(String(r[TEXTS]).split(TEXT_SEPARATOR, 1)[0])!)));
      last = r;
    });
    if (n < PAGE_SIZE || !last) {
      yield* chunk.take(true);
      return;
    }
    yield* chunk.take(false);
    cursor = { createdAt: Number(last[CREATED_AT]), seq: Number(last[SEQ]) };
  }
}

/**
 * Lines gathered into chunks of about CSV_CHUNK_BYTES, encoded into one buffer as they come: a
 * line then dies young, where a chunk built as a string (a rope of a thousand lines) kept every
 * line alive through the young generation's collections, which then cost more than the lines.
 */
class ChunkBuilder {
  private readonly buffer = Buffer.allocUnsafe(CSV_CHUNK_BYTES);
  private used = 0;
  private ascii = true;
  /** Lines too long for the buffer's room, in order after what it holds. */
  private overflow: string[] = [];

  add(line: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.overflow.length === 0 && this.used + line.length * 3 <= this.buffer.length) {
      const bytes = this.buffer.write(line, this.used);
      // As many bytes as UTF-16 units: ASCII.
      if (bytes !== line.length) this.ascii = false;
      this.used += bytes;
    } else this.overflow.push(line);
  }

  /** The chunk when it is full (or, at the end, whatever is held). */
  *take(end: boolean): Generator<string> {
    if (!end && this.overflow.length === 0 && this.used < CSV_CHUNK_BYTES / 2) return;
    // ASCII read back as Latin-1 is the same text, copied rather than decoded.
    if (this.used > 0) yield this.buffer.toString(this.ascii ? 'latin1' : 'utf8', 0, this.used);
    if (this.overflow.length > 0) yield this.overflow.join('');
    this.used = 0;
    this.ascii = true;
    this.overflow = [];
  }
}

interface Scratch {
  /** One line's fields. */
  fields: string[];
  /** One timeline's phases and times (key order), and their order by time. */
  phases: string[];
  ats: number[];
  order: number[];
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

/** One CSV line from a csvPage row; undefined when the row must be read the general way. */
function csvRowOf(r: SqlValue[], words: Words, scratch: Scratch): string | undefined {
  const texts = String(r[TEXTS]);
  const t = texts.split(TEXT_SEPARATOR);
  if (t.length !== CSV_TEXT_COLUMNS.length) return undefined;
  // One look at the row's text for what needs quotes, instead of one per field.
  const text = NEEDS_QUOTES_ANYWHERE.test(texts) ? textField : unquotedTextField;
  const kind = t[KIND];
  const tl = r[TIMELINE];
  let timelineField = '';
  if (typeof tl === 'string') {
    const line = timelineText(kind, tl, scratch);
    if (line === undefined) return undefined;
    // The times add nothing that needs quotes: the phases as SQLite gave them tell.
    timelineField = NEEDS_QUOTES_ANYWHERE.test(tl) ? textField(line) : unquotedTextField(line);
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
  // join() makes one flat string: a line built with + is a tree of a few dozen pieces, kept
  // alive until the chunk is written, and collecting those was most of the export's time.
  return csvLine(f);
}

/** timeline() of csvPage's timeline string, in the order timelineOrder() puts it; undefined when it cannot be cut apart. */
function timelineText(kind: string, value: string, { phases, ats, order }: Scratch): string | undefined {
  if (!splitTimeline(value, phases, ats)) return undefined;
  const n = phases.length;
  order.length = n;
  // By time (insertion sort: a dozen items), noting ties: those the kind's lifecycle orders.
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
  let out = '';
  for (let i = 0; i < n; i++) out += `${i === 0 ? '' : '; '}${phases[order[i]]}@${isoTime(ats[order[i]])}`;
  return out;
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
  ];
}

/** "phase@time; phase@time…" */
function timeline(transitions: ReadonlyArray<Pick<HistoryEntry['transitions'][number], 'phase' | 'at'>>): string {
  let out = '';
  for (let i = 0; i < transitions.length; i++) out += `${i === 0 ? '' : '; '}${transitions[i].phase}@${isoTime(transitions[i].at)}`;
  return out;
}

const DAY_MS = 86_400_000;
/** toISOString's range of four-digit years from 1970 (beyond it, toISOString itself). */
const FAST_UNTIL = Date.UTC(10000, 0, 1);
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));
let cachedDay = Number.NaN;
let cachedDate = '';

/**
 * Date#toISOString, with the date part kept from one call to the next: an export formats every
 * phase time (over a million at 100,000 migrations), most of them on the day of the one before,
 * and toISOString was a fifth of the export's time.
 */
export function isoTime(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  if (!Number.isInteger(ms) || ms < 0 || ms >= FAST_UNTIL) {
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
  }
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${cachedDate}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(millis)}Z`;
}
