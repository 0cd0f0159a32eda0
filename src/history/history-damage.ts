// What a history that found its database file damaged could read instead, and the one sentence
// that says so — in the CLI's `history` output, the extension's log and the history panel alike.

export interface DamagedSnapshot {
  file: string;
  /** Why it could not be read ("not an SQLite database", "truncated: …"). */
  reason: string;
  /** Where the writer moved it (a reader leaves it in place). */
  movedTo?: string;
}

export interface HistoryDamage {
  /** The snapshot files found damaged, newest first. */
  files: DamagedSnapshot[];
  /** What the history holds instead. 'nothing': no usable snapshot and no journal. */
  recoveredFrom: 'previous-snapshot' | 'journal' | 'nothing';
  /** Migrations read from there. */
  migrations: number;
  /** Journal segments that are gone, so migrations recorded only in them are missing. Empty: nothing is known lost. */
  missingSegments: Array<{ from: number; to: number }>;
}

/** Everything the damaged file held was read from elsewhere (a previous snapshot and the journal after it, or the whole journal). */
export function isFullyRecovered(damage: HistoryDamage): boolean {
  return damage.recoveredFrom !== 'nothing' && damage.missingSegments.length === 0;
}

/** One sentence (no trailing period) for a person: what is damaged, what was read instead, what is missing. */
export function describeHistoryDamage(damage: HistoryDamage): string {
  const [newest, ...older] = damage.files;
  const moved = damage.files.filter((f) => f.movedTo);
  const was = (f: DamagedSnapshot) => (f.movedTo ? 'was' : 'is');
  const what = `the database file ${newest.file} ${was(newest)} damaged (${newest.reason})${older.map((f) => `, and so ${was(f)} ${f.file} (${f.reason})`).join('')}`;
  const aside = moved.length > 0 ? `; moved ${moved.map((f) => `${f.file} to ${f.movedTo}`).join(' and ')}` : '';
  if (damage.recoveredFrom === 'nothing') {
    return `${what}${aside}, and neither a previous snapshot nor a journal is left to read its migrations from`;
  }
  const source = damage.recoveredFrom === 'previous-snapshot' ? 'the previous snapshot and the journal' : 'the journal';
  const count = `${damage.migrations.toLocaleString('en-US')} migration${damage.migrations === 1 ? '' : 's'}`;
  if (damage.missingSegments.length === 0) return `${what}${aside}; read ${count} from ${source} instead`;
  const gaps = damage.missingSegments.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`)).join(', ');
  const segments = damage.missingSegments.length === 1 && damage.missingSegments[0].from === damage.missingSegments[0].to ? 'segment' : 'segments';
  return `${what}${aside}; read ${count} from ${source}, but journal ${segments} ${gaps} ${segments === 'segment' ? 'is' : 'are'} gone: migrations recorded only there are missing`;
}
