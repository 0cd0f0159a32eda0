// The CSV export's lines written as bytes straight into ~2 MB chunks: each field's text copied
// in (a loop for ASCII, Buffer#write for the rest) and a timeline's phases and times written from
// its phases and times, so an export of 100,000 migrations makes no line strings and no timeline
// strings — building, joining and collecting those was most of the export's JavaScript time. A
// line never spans two chunks.

import { isoTime, TimeOfDay } from './iso-time';

/** A timeline cut apart (splitTimeline in database/history-queries.ts): phase i at ats[i], written in `order`. */
export interface TimelineCut {
  phases: string[];
  ats: number[];
  order: number[];
}

/** A chunk's bytes, and whether they are all ASCII (then Latin-1 reads them back as text, a copy rather than a decode). */
export interface CsvChunk {
  bytes: Buffer;
  ascii: boolean;
}

const COMMA = 44;
const CR = 13;
const LF = 10;

export class CsvChunkWriter {
  private buffer: Buffer;
  private used = 0;
  private ascii = true;
  private readonly done: CsvChunk[] = [];
  private readonly timeOfDay = new TimeOfDay();

  /**
   * @param spare chunks their reader is done with (written to the file), whose memory the next
   *   chunks reuse: fresh memory for each chunk cost more than filling it (the first touch of its pages)
   */
  constructor(
    private readonly chunkBytes = 2 << 20,
    private readonly spare: Buffer[] = [],
  ) {
    this.buffer = this.newBuffer(chunkBytes);
  }

  /** Writes one line: the fields joined by commas, field `timelineAt` written from `cut` when one is given, then CRLF. */
  line(fields: readonly string[], timelineAt = -1, cut?: TimelineCut): void {
    // Room for the worst case (3 bytes per UTF-16 unit), so a line is never split.
    let bound = fields.length + 2;
    for (let i = 0; i < fields.length; i++) bound += fields[i].length;
    if (cut) for (let i = 0; i < cut.phases.length; i++) bound += cut.phases[i].length + 26;
    this.reserve(bound * 3);
    // The fields before the timeline in one native write of their join (cheaper than a loop per
    // character over ~200 of them), the timeline byte by byte, the few after it as they come.
    const head = timelineAt < 0 || !cut ? fields.length : timelineAt;
    this.string(head === fields.length ? fields.join(',') : fields.slice(0, head).join(','));
    for (let i = head; i < fields.length; i++) {
      if (i > 0) this.buffer[this.used++] = COMMA;
      if (i === timelineAt && cut) this.writeTimeline(cut);
      else this.text(fields[i]);
    }
    this.buffer[this.used++] = CR;
    this.buffer[this.used++] = LF;
    // A line longer than a chunk had a buffer of its own: it is a chunk by itself.
    if (this.buffer.length > this.chunkBytes) this.finishChunk(this.chunkBytes);
  }

  /** The chunks filled so far (at the end, whatever is held too); each is the writer's no longer. */
  take(end: boolean): CsvChunk[] {
    if (end && this.used > 0) this.finishChunk(this.chunkBytes);
    return this.done.splice(0, this.done.length);
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    if (this.used > 0) this.finishChunk(Math.max(this.chunkBytes, bytes));
    else this.buffer = this.newBuffer(bytes);
  }

  private finishChunk(nextBytes: number): void {
    this.done.push({ bytes: this.buffer.subarray(0, this.used), ascii: this.ascii });
    this.buffer = this.newBuffer(nextBytes);
    this.used = 0;
    this.ascii = true;
  }

  /** `s` as UTF-8 through Buffer#write. */
  private string(s: string): void {
    const bytes = this.buffer.write(s, this.used, 'utf8');
    if (bytes !== s.length) this.ascii = false;
    this.used += bytes;
  }

  /** `s` as UTF-8: copied unit by unit while ASCII (a call into Buffer#write costs more for a short field), the rest through Buffer#write. */
  private newBuffer(bytes: number): Buffer {
    const reused = this.spare.pop();
    if (reused && reused.buffer.byteLength >= bytes) return Buffer.from(reused.buffer, 0, reused.buffer.byteLength);
    return Buffer.allocUnsafe(bytes);
  }

  private text(s: string): void {
    const b = this.buffer;
    let at = this.used;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.ascii = false;
        this.used = at + b.write(i === 0 ? s : s.slice(i), at, 'utf8');
        return;
      }
      b[at++] = c;
    }
    this.used = at;
  }

  /** "phase@time; phase@time…" in cut.order, as timeline() in history-export.ts writes it. */
  private writeTimeline({ phases, ats, order }: TimelineCut): void {
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (k > 0) {
        this.buffer[this.used++] = 59; // ;
        this.buffer[this.used++] = 32;
      }
      this.text(phases[i]);
      this.buffer[this.used++] = 64; // @
      this.time(ats[i]);
    }
  }

  /** isoTime(ms) as bytes. */
  private time(ms: number): void {
    if (!TimeOfDay.takes(ms)) {
      this.text(isoTime(ms)!);
      return;
    }
    const t = this.timeOfDay;
    this.text(t.cut(ms));
    const { hours, minutes, seconds, millis } = t;
    const b = this.buffer;
    let at = this.used;
    b[at++] = 48 + ((hours / 10) | 0);
    b[at++] = 48 + (hours % 10);
    b[at++] = 58; // :
    b[at++] = 48 + ((minutes / 10) | 0);
    b[at++] = 48 + (minutes % 10);
    b[at++] = 58;
    b[at++] = 48 + ((seconds / 10) | 0);
    b[at++] = 48 + (seconds % 10);
    b[at++] = 46; // .
    b[at++] = 48 + ((millis / 100) | 0);
    b[at++] = 48 + (((millis / 10) | 0) % 10);
    b[at++] = 48 + (millis % 10);
    b[at++] = 90; // Z
    this.used = at;
  }
}
