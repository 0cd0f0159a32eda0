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

/** Epoch milliseconds as RFC 3339 (UTC, milliseconds); undefined for an absent or impossible time. */
export function rfc3339(at: number | undefined): string | undefined {
  if (at === undefined || !Number.isFinite(at)) return undefined;
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
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
