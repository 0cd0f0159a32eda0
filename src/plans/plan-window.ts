// A plan's window (`notBefore` / `notAfter`) as the runner, the CLI and the extension's resume offer
// read it: when it opens and ends, the sentence that says so ("the window ended at 02:00; 7 entries
// not started"), and where a plan stands against it now — so a window that passed while nothing was
// running is reported on the next start, never silently dropped or run late.

import { formatClockTime } from '../model/vocabulary';
import type { PlanRunState } from './plan-run-state';
import type { PlanWindow } from './plan-types';

export interface WindowTimes {
  notBefore?: number;
  notAfter?: number;
}

export function windowTimes(window: PlanWindow | undefined): WindowTimes {
  const at = (iso: string | undefined) => (iso && !Number.isNaN(Date.parse(iso)) ? Date.parse(iso) : undefined);
  const notBefore = at(window?.notBefore);
  const notAfter = at(window?.notAfter);
  return { ...(notBefore !== undefined ? { notBefore } : {}), ...(notAfter !== undefined ? { notAfter } : {}) };
}

/** "02:00" (local time; seconds only when not on the minute), with the date when it is not `now`'s day. */
export function windowTimeText(at: number, now: number): string {
  const a = new Date(at);
  const b = new Date(now);
  const sameDay = a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  const text = formatClockTime(at, !sameDay);
  return a.getSeconds() === 0 ? text.slice(0, -3) : text;
}

/** "7 entries not started" / "1 entry not started". */
export function notStartedText(count: number): string {
  return `${count} ${count === 1 ? 'entry' : 'entries'} not started`;
}

/** "the window ended at 02:00; 7 entries not started". */
export function windowEndedText(notAfter: number, notStarted: number, now: number): string {
  return `the window ended at ${windowTimeText(notAfter, now)}; ${notStartedText(notStarted)}`;
}

export type WindowStanding =
  | { state: 'open' }
  /** Not open yet: the runner waits (status waiting-window). */
  | { state: 'not-yet'; opensAt: number; text: string }
  /** Ended with entries still waiting: they will not start. */
  | { state: 'ended'; endedAt: number; notStarted: number; text: string };

/** Where a (possibly resumed) run stands against its plan's window at `now`. */
export function windowStanding(window: PlanWindow | undefined, state: Pick<PlanRunState, 'entries'>, now: number): WindowStanding {
  const { notBefore, notAfter } = windowTimes(window);
  const waiting = state.entries.filter((e) => e.status.state === 'waiting').length;
  if (notAfter !== undefined && now >= notAfter && waiting > 0) return { state: 'ended', endedAt: notAfter, notStarted: waiting, text: windowEndedText(notAfter, waiting, now) };
  if (notBefore !== undefined && now < notBefore) return { state: 'not-yet', opensAt: notBefore, text: `the window opens at ${windowTimeText(notBefore, now)}` };
  return { state: 'open' };
}

/**
 * The same window moved forward by whole days to its next opening after `now` (same times of day,
 * same length): what "re-plan" offers for a nightly window that passed while nothing ran.
 */
export function nextWindow(window: PlanWindow, now: number): PlanWindow | undefined {
  const { notBefore, notAfter } = windowTimes(window);
  const edge = notAfter ?? notBefore;
  if (edge === undefined) return undefined;
  const DAY = 86_400_000;
  const days = edge > now ? 0 : Math.floor((now - edge) / DAY) + 1;
  const shift = (t: number | undefined) => (t === undefined ? undefined : new Date(t + days * DAY).toISOString().replace('.000Z', 'Z'));
  const nb = shift(notBefore);
  const na = shift(notAfter);
  return { ...(nb ? { notBefore: nb } : {}), ...(na ? { notAfter: na } : {}) };
}
