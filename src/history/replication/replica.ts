// This process's copy of the history, shared by whichever role the store is in: the sql.js
// database the role keeps current, how journal entries are applied to it and replayed around
// missing segments, the damage it was loaded around, and the changes it announces.

import type { SqlJsStatic } from 'sql.js';
import { HistoryDatabase } from '../database/history-database';
import { describeHistoryDamage, type HistoryDamage } from '../history-damage';
import { HistoryChanges } from '../history-changes';
import type { Logger } from '../../base/logger';
import { LogOnce } from '../../base/log-once';
import type { HistoryPaths } from '../journal/journal-files';
import { listSegments } from '../journal/journal-files';
import type { JournalEntry, RecordEntry } from '../journal/journal-codec';
import type { FollowNotices, JournalFollower } from '../journal/journal-follower';
import { loadBase, snapshotFingerprint, type LoadedBase } from '../snapshots/snapshot-files';
import { isUsableRecordEntry } from '../record-validation';
import type { ResolvedOptions } from '../store-options';

/** How much journal (or inbox) is read in one go before the event loop gets a turn. */
export const FOLLOW_BUDGET_BYTES = 4 << 20;

export type SegmentGap = { from: number; to: number };

export class HistoryReplica {
  private current: HistoryDatabase;
  private isClosed = false;
  readonly changes = new HistoryChanges();
  /** Inboxes this process wrote and closed when it became the writer: removable once consumed, though their owner lives on. */
  readonly retiredInboxes = new Set<string>();
  private damageReport: HistoryDamage | undefined;
  /** The damaged snapshot files as last seen, so a follower notices when the writer replaces them. */
  private damageFingerprint: string | undefined;
  private readonly reported = new LogOnce();

  constructor(
    readonly SQL: SqlJsStatic,
    readonly paths: HistoryPaths,
    readonly options: ResolvedOptions,
    readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {
    this.current = HistoryDatabase.open(SQL, undefined, false).database;
  }

  get database(): HistoryDatabase {
    return this.current;
  }

  /** Set once the store is closing; work that outlived it stops. */
  get closed(): boolean {
    return this.isClosed;
  }

  get damage(): HistoryDamage | undefined {
    return this.damageReport;
  }

  /** The damaged file this view was read around has been replaced (the writer rebuilt it) or moved aside. */
  damageReplacedOnDisk(): boolean {
    return this.damageReport !== undefined && this.damageFingerprint !== snapshotFingerprint(this.paths);
  }

  /** Loads the newest sound snapshot; `repair` (the writer) moves damaged files aside. */
  loadBase(repair: boolean, logger: Pick<Logger, 'info' | 'warn' | 'error'>): Promise<LoadedBase> {
    const { verifyOnLoad, maxSnapshotBytes } = this.options;
    return loadBase(this.SQL, this.paths, { repair, verify: verifyOnLoad, logger, maxBytes: maxSnapshotBytes, ownerUid: process.getuid?.() });
  }

  replaceDatabase(next: HistoryDatabase): void {
    const old = this.current;
    this.current = next;
    old.close();
  }

  /** Applies a record in its own transaction; true when it changed something. */
  applyRecord(entry: RecordEntry): boolean {
    const changed = this.current.transaction(() => this.current.applyRecord(entry));
    if (changed) this.changes.recorded(entry.m.id);
    return changed;
  }

  applyEntries(entries: JournalEntry[]): void {
    this.current.transaction(() => {
      for (const entry of entries) this.applyEntry(entry);
    });
  }

  /**
   * Reads the journal to its end (or up to segment `until`), a budget at a time, reading on after
   * segments that are missing (removed by hand, or retired by snapshots a damaged file held);
   * returns those gaps, and logs them when `logGaps` (a damage report names them otherwise).
   */
  replayAroundGaps(follower: JournalFollower, until: number | undefined, logGaps: boolean): SegmentGap[] {
    const gaps: SegmentGap[] = [];
    for (;;) {
      const outcome = follower.step((entries) => this.applyEntries(entries), FOLLOW_BUDGET_BYTES);
      if (outcome === 'more') continue;
      if (outcome === 'caught-up') return gaps;
      const present = listSegments(this.paths.journalDir);
      const at = follower.position.segment;
      // At a segment read to its end the gap starts after it; at a missing one, there.
      const from = present.includes(at) ? at + 1 : at;
      const next = present.find((s) => s > at);
      if (next === undefined || (until !== undefined && next >= until)) return gaps;
      if (logGaps) this.report('gap', `History: journal segment${next - 1 > from ? `s ${from}–${next - 1} are` : ` ${from} is`} missing; their records cannot be replayed.`, 'warn');
      gaps.push({ from, to: next - 1 });
      follower.skipTo(next);
    }
  }

  /** Remembers (and logs, once) what a damaged snapshot left; clears it when the view loaded from a sound one. */
  noteDamage(base: LoadedBase, gaps: SegmentGap[], journalPresent: boolean, fingerprint: string | undefined): void {
    if (base.damaged.length === 0) {
      this.damageReport = undefined;
      this.damageFingerprint = undefined;
      return;
    }
    const damage: HistoryDamage = {
      files: base.damaged,
      recoveredFrom: base.source === 'prev' ? 'previous-snapshot' : journalPresent ? 'journal' : 'nothing',
      migrations: this.current.countMigrations(),
      missingSegments: gaps,
    };
    this.damageReport = damage;
    this.damageFingerprint = fingerprint;
    // A read-only store's caller says it itself (the CLI's `history`, in its own words and exit code).
    if (this.options.mode !== 'read-only') this.report('damage', `History: ${describeHistoryDamage(damage)}.`, damage.recoveredFrom === 'nothing' ? 'error' : 'warn');
  }

  followNotices(): FollowNotices {
    return {
      tornTail: (segment, bytes) =>
        this.logger.info(`History: dropped an incomplete record (${bytes} bytes) at the end of journal segment ${segment}: a write cut off when its writer stopped.`),
      corruptLines: (segment, count) =>
        this.logger.warn(`History: skipped ${count} damaged record(s) in journal segment ${segment} (checksum mismatch).`),
      ignored: this.ignoredEntry,
    };
  }

  /** Says once that an entry named like a journal or inbox file is not one (a link, a FIFO): it is never opened. */
  readonly ignoredEntry = (file: string, kind: string): void =>
    this.report('ignored', `History: ignored ${file}: it is ${kind}, not a file the history wrote; it is never opened or followed.`, 'warn');

  /** Logs a problem once per kind and message, so a repeating failure does not flood the log. */
  report(kind: string, message: string, level: 'info' | 'warn' | 'error'): void {
    this.reported.log(this.logger, level, `${kind}:${message}`, message);
  }

  /** A logger that says each distinct thing once (followers reload often and would repeat warnings). */
  onceLogger(): Pick<Logger, 'info' | 'warn' | 'error'> {
    return this.reported.wrap(this.logger, ['info', 'warn', 'error']);
  }

  /** The store is closing: loads in flight are dropped, nothing more is announced. */
  beginClose(): void {
    this.isClosed = true;
    this.changes.stop();
  }

  dispose(): void {
    this.isClosed = true;
    this.current.close();
    this.changes.dispose();
  }

  private applyEntry(entry: JournalEntry): void {
    switch (entry.t) {
      case 'r':
        if (isUsableRecordEntry(entry) && this.current.applyRecord(entry)) this.changes.recorded(entry.m.id);
        return;
      case 'd': {
        if (!Array.isArray(entry.ids)) return;
        const deleted = this.current.deleteMigrations(entry.ids.filter((id) => typeof id === 'string'));
        if (deleted.length > 0) this.changes.deleted(deleted);
        return;
      }
      case 'p':
        this.current.applyPlanRun(entry.run);
        return;
      case 'f':
        if (!Array.isArray(entry.recs) || typeof entry.src !== 'string') return;
        for (const rec of entry.recs) if (isUsableRecordEntry(rec) && this.current.applyRecord(rec)) this.changes.recorded(rec.m.id);
        if (Number.isInteger(entry.end)) this.current.setInboxOffset(entry.src, entry.end);
        return;
      default:
        this.report(`unknown-entry`, 'History: skipped journal records of a kind this version does not know (written by a newer version?).', 'warn');
    }
  }
}
