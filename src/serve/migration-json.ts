// The one migration object of the HTTP API, the same in every endpoint and in the SSE stream:
// the history's Migration with its times as RFC 3339 strings, its durations also in the
// project's words ("1.2s", "149ms"), and its phase timeline. Built field by field (never a
// spread of the model), so what goes on the wire is exactly what openapi-document.ts describes.

import type { Migration, MigrationProgress, PhaseTransition } from '../model/migration';
import { formatDuration } from '../model/vocabulary';

export interface ApiTransition {
  phase: string;
  /** RFC 3339, UTC, milliseconds. */
  at: string;
}

export interface ApiMigration {
  id: string;
  kind: string;
  cluster: string;
  datacenter?: string;
  namespace?: string;
  vm: string;
  name: string;
  sourceNode?: string;
  targetNode?: string;
  mode: string;
  origin: string;
  phase: string;
  state: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  duration?: string;
  downtimeMs?: number;
  downtime?: string;
  progress?: MigrationProgress;
  failureReason?: string;
  planId?: string;
  uid?: string;
  labels: Record<string, string>;
  /** Oldest first. Absent only in an SSE event's migration (the event carries its one transition). */
  transitions?: ApiTransition[];
}

const DAY_MS = 86_400_000;
/** Past 9999-12-31 toISOString writes an expanded year (+010000-…); that rare case goes to it. */
const YEAR_10000_MS = 253_402_300_800_000;
const MAX_DAY_PREFIXES = 4096;
const dayPrefixes = new Map<number, string>();
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Epoch milliseconds as RFC 3339 (UTC, milliseconds); undefined for an absent or impossible time. */
export function rfc3339(at: number | undefined): string | undefined {
  if (at === undefined || !Number.isFinite(at)) return undefined;
  if (at < 0 || at >= YEAR_10000_MS) {
    const date = new Date(at);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  // What Date.prototype.toISOString writes, without a Date per time: a listing of the API writes
  // three or more per migration, and this was the largest cost of /vm of our own. The day's
  // "YYYY-MM-DDT" is looked up, the time of day written from tables.
  const ms = Math.floor(at);
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_DAY_PREFIXES) dayPrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`;
}

export function toApiMigration(m: Migration, transitions?: readonly PhaseTransition[]): ApiMigration {
  const out: ApiMigration = {
    id: m.id,
    kind: m.kind,
    cluster: m.cluster,
    vm: m.vm,
    name: m.name,
    mode: m.mode,
    origin: m.origin,
    phase: m.phase,
    state: m.state,
    createdAt: rfc3339(m.createdAt) ?? new Date(0).toISOString(),
    labels: { ...m.labels },
  };
  if (m.datacenter !== undefined) out.datacenter = m.datacenter;
  if (m.namespace !== undefined) out.namespace = m.namespace;
  if (m.sourceNode !== undefined) out.sourceNode = m.sourceNode;
  if (m.targetNode !== undefined) out.targetNode = m.targetNode;
  const started = rfc3339(m.startedAt);
  if (started) out.startedAt = started;
  const ended = rfc3339(m.endedAt);
  if (ended) out.endedAt = ended;
  if (m.durationMs !== undefined && Number.isFinite(m.durationMs)) {
    out.durationMs = m.durationMs;
    out.duration = formatDuration(m.durationMs);
  }
  if (m.downtimeMs !== undefined && Number.isFinite(m.downtimeMs)) {
    out.downtimeMs = m.downtimeMs;
    out.downtime = formatDuration(m.downtimeMs);
  }
  if (m.progress) out.progress = { ...m.progress };
  if (m.failureReason !== undefined) out.failureReason = m.failureReason;
  // Migration.planId arrives with the plans' history column; read without assuming it is there yet.
  const planId = (m as Migration & { planId?: unknown }).planId;
  if (typeof planId === 'string' && planId) out.planId = planId;
  if (m.uid !== undefined) out.uid = m.uid;
  if (transitions) out.transitions = transitions.map((t) => ({ phase: t.phase, at: rfc3339(t.at) ?? new Date(0).toISOString() }));
  return out;
}
