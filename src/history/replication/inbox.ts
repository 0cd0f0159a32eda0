// How a follower's records reach the writer. Each follower appends what it records to its own
// inbox file (InboxForwarder); the writer reads every inbox on from the offset it has consumed,
// journals only what changes something and removes an inbox once it is consumed and its owner
// gone (consumeInboxes). Followers read the inboxes too, only to show those records early.

import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { inboxFile, listInboxes, readJournalChunk } from '../journal/journal-files';
import { decodeEntries, encodeEntry, type JournalEntry, type RecordEntry } from '../journal/journal-codec';
import { JournalAppender } from '../journal/journal-appender';
import { preparePrivateFolder } from '../private-folder';
import { isUsableRecordEntry } from '../record-validation';
import { isInboxOwnerGone, newInboxTag } from './inbox-owner';
import { FOLLOW_BUDGET_BYTES, type HistoryReplica } from './replica';

/** A follower's own inbox file, created on its first record. */
export class InboxForwarder {
  private appender: JournalAppender | undefined;

  constructor(private readonly replica: HistoryReplica) {}

  /** Where forwarded records go to disk, once there is an inbox. */
  get sink(): JournalAppender | undefined {
    return this.appender;
  }

  forward(entry: RecordEntry): void {
    if (!this.appender) {
      const { paths, options } = this.replica;
      preparePrivateFolder(paths.inboxDir, 'the inbox folder', true);
      this.appender = JournalAppender.open(inboxFile(paths.inboxDir, newInboxTag()), true, options.groupCommit, {
        onWriteError: (err) => this.replica.report('inbox-write', `History: ${err.message}`, 'error'),
      });
    }
    this.appender.append(encodeEntry(entry));
  }

  /** Closes the inbox for good (this store is becoming the writer); returns the records it had not written yet. */
  async retire(): Promise<RecordEntry[]> {
    const appender = this.appender;
    if (!appender) return [];
    this.appender = undefined;
    const unwritten = await appender.close();
    this.replica.retiredInboxes.add(path.basename(appender.file));
    const records: RecordEntry[] = [];
    for (const { entry } of decodeEntries(Buffer.concat(unwritten)).entries) if (entry.t === 'r') records.push(entry);
    return records;
  }

  async close(): Promise<void> {
    await this.appender?.close();
  }
}

/** The writer's side of consumption: where changed records are journaled, and whether that journal is on disk. */
export interface InboxJournal {
  append(entry: JournalEntry): void;
  /** Everything journaled is on disk and no snapshot is being written: an inbox may be removed. */
  settled(): boolean;
}

/**
 * Applies what followers forwarded. Given the writer's `journal`, journals the records that
 * changed something (so a follower repeating what the writer saw itself adds nothing) and
 * removes an inbox once it is consumed and its owner is gone; without, only applies.
 */
export function consumeInboxes(replica: HistoryReplica, journal?: InboxJournal): void {
  const { paths } = replica;
  for (const name of listInboxes(paths.inboxDir, replica.ignoredEntry)) {
    const file = path.join(paths.inboxDir, name);
    const database = replica.database;
    const offset = database.inboxOffset(name);
    const chunk = readJournalChunk(file, offset, FOLLOW_BUDGET_BYTES);
    if (!chunk) continue;
    if (chunk.nextOffset > offset) {
      const changed: RecordEntry[] = [];
      database.transaction(() => {
        for (const { entry } of chunk.entries) {
          if (entry.t !== 'r' || !isUsableRecordEntry(entry)) continue;
          if (database.applyRecord(entry)) {
            changed.push(entry);
            replica.changes.recorded(entry.m.id);
          }
        }
        database.setInboxOffset(name, chunk.nextOffset);
      });
      if (journal && changed.length > 0) journal.append({ t: 'f', src: name, end: chunk.nextOffset, recs: changed });
      continue;
    }
    // Removing an inbox is safe only once the journal records taken from it are on disk.
    if (!journal || !journal.settled()) continue;
    const onlyTornTail = chunk.fileSize - chunk.nextOffset === chunk.partialTail;
    if (onlyTornTail && (replica.retiredInboxes.has(name) || isInboxOwnerGone(name, file))) {
      if (chunk.partialTail > 0) replica.logger.info(`History: dropped an incomplete record at the end of ${name} (its writer stopped mid-write).`);
      try {
        unlinkSync(file);
      } catch {
        // gone already
      }
      database.forgetInbox(name);
    }
  }
}

/** Forgets consumption offsets of inbox files that no longer exist. */
export function forgetVanishedInboxes(replica: HistoryReplica): void {
  const present = new Set(listInboxes(replica.paths.inboxDir));
  for (const name of replica.database.inboxNames()) if (!present.has(name)) replica.database.forgetInbox(name);
}
