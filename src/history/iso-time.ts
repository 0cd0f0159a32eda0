// Phase and row times as the history's exports write them: Date#toISOString's text, made faster
// for the times an export formats by the million (most of them on the day of the one before).

const DAY_MS = 86_400_000;
/** toISOString's range of four-digit years from 1970 (beyond it, toISOString itself). */
const FAST_UNTIL = Date.UTC(10000, 0, 1);
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/**
 * A time cut into its date ("YYYY-MM-DDT", kept from one call to the next) and its hours,
 * minutes, seconds and milliseconds, for the times the fast paths take: whole milliseconds from
 * 1970 to year 9999. isoTime() writes it as text, the CSV writer as bytes.
 */
export class TimeOfDay {
  hours = 0;
  minutes = 0;
  seconds = 0;
  millis = 0;
  private day = Number.NaN;
  private dateText = '';

  /** Whether `ms` is one this takes (else: isoTime's general path). */
  static takes(ms: number): boolean {
    return Number.isInteger(ms) && ms >= 0 && ms < FAST_UNTIL;
  }

  /** Cuts `ms` (one that `takes`) into the fields; returns its date part. */
  cut(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dateText = new Date(day * DAY_MS).toISOString().slice(0, 11);
    }
    // Within a day: small integers, so the divisions below stay integer arithmetic (a double's % is a call).
    let rest = (ms - day * DAY_MS) | 0;
    this.millis = rest % 1000;
    rest = (rest - this.millis) / 1000;
    this.seconds = rest % 60;
    rest = (rest - this.seconds) / 60;
    this.minutes = rest % 60;
    this.hours = (rest - this.minutes) / 60;
    return this.dateText;
  }
}

const shared = new TimeOfDay();

/** Date#toISOString (an export's times go through TimeOfDay: toISOString was a fifth of its time). */
export function isoTime(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  if (!TimeOfDay.takes(ms)) {
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
  }
  const date = shared.cut(ms);
  return `${date}${pad2(shared.hours)}:${pad2(shared.minutes)}:${pad2(shared.seconds)}.${pad3(shared.millis)}Z`;
}
