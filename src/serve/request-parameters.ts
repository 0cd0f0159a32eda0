// Every path and query parameter of the HTTP API checked before the history is asked: names and
// ids bounded and free of control characters, known query keys only (each once), limits in range,
// times RFC 3339, and the opaque page cursor — the history's keyset position with a fingerprint
// of the query it belongs to, so a cursor of another listing is refused rather than misread.

import { createHash } from 'node:crypto';
import type { EntryPageQuery, EntryStateFilter } from '../history';
import { hasControlCharacters } from '../base/text';
import { ApiError } from './api-error';

export const MAX_ID_LENGTH = 512;
export const MAX_NAME_LENGTH = 253;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d{1,9})?([Zz]|[+-]\d\d:\d\d)$/;
const STATES: readonly EntryStateFilter[] = ['all', 'active', 'completed', 'failed'];

export type RawQuery = Record<string, string | string[] | undefined>;

/** A path parameter (an id, a VM or datacenter name): present, bounded, no control characters. */
export function checkPathName(what: string, value: unknown, max = MAX_NAME_LENGTH): string {
  if (typeof value !== 'string' || value.length === 0) throw new ApiError('bad-request', `${what} is missing.`);
  if (value.length > max) throw new ApiError('bad-request', `${what} is longer than ${max} characters.`);
  if (hasControlCharacters(value)) throw new ApiError('bad-request', `${what} holds a control character.`);
  return value;
}

function single(query: RawQuery, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw new ApiError('bad-request', `The query parameter ${key} is given more than once.`);
  return value;
}

/** Refuses query keys other than `allowed` (a typo such as ?stat= must not silently list everything). */
export function checkQueryKeys(query: RawQuery, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) {
      const shown = key.length > 40 || hasControlCharacters(key) ? 'a query parameter' : `the query parameter ${JSON.stringify(key)}`;
      throw new ApiError('bad-request', `${shown[0].toUpperCase()}${shown.slice(1)} is not known here; allowed: ${allowed.join(', ') || 'none'}.`);
    }
  }
}

export interface ListParameters {
  query: EntryPageQuery;
  /** What a cursor of this listing is bound to. */
  fingerprint: string;
}

/**
 * A list endpoint's query: limit, cursor, cluster, since and (where `withState`) state, plus
 * what the path fixed (`fixed`: the VM, the datacenter, state=active).
 */
export function parseListQuery(route: string, raw: RawQuery, fixed: EntryPageQuery, withState: boolean): ListParameters {
  const allowed = ['limit', 'cursor', 'cluster', 'since', ...(withState ? ['state'] : [])];
  checkQueryKeys(raw, allowed);
  const query: EntryPageQuery = { ...fixed, limit: DEFAULT_LIMIT };
  const limit = single(raw, 'limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw new ApiError('bad-request', `limit must be a whole number from 1 to ${MAX_LIMIT}.`);
    query.limit = Number(limit);
  }
  const state = withState ? single(raw, 'state') : undefined;
  if (state !== undefined) {
    if (!(STATES as readonly string[]).includes(state)) throw new ApiError('bad-request', `state must be one of ${STATES.join(', ')}.`);
    query.state = state as EntryStateFilter;
  }
  const cluster = single(raw, 'cluster');
  if (cluster !== undefined) query.cluster = checkPathName('cluster', cluster);
  const since = single(raw, 'since');
  if (since !== undefined) query.since = parseTime('since', since);
  const fingerprint = fingerprintOf(route, { ...query, limit: undefined });
  const cursor = single(raw, 'cursor');
  if (cursor !== undefined) query.after = decodeCursor(cursor, fingerprint);
  return { query, fingerprint };
}

export function parseTime(what: string, text: string): number {
  const at = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at)) throw new ApiError('bad-request', `${what} must be an RFC 3339 time such as 2026-12-04T10:00:00Z.`);
  return at;
}

function fingerprintOf(route: string, query: EntryPageQuery): string {
  const key = JSON.stringify([route, query.state ?? 'all', query.cluster ?? null, query.vm ?? null, query.datacenter ?? null, query.since ?? null]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export function encodeCursor(next: { createdAt: number; seq: number }, fingerprint: string): string {
  return Buffer.from(`${next.createdAt}.${next.seq}.${fingerprint}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, fingerprint: string): { createdAt: number; seq: number } {
  const invalid = () => new ApiError('bad-request', 'cursor is not a cursor of this listing (pass the `next` of the previous page, with the same path and filters).');
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (parts.length !== 3 || parts[2] !== fingerprint || !/^-?\d{1,16}$/.test(parts[0]) || !/^\d{1,16}$/.test(parts[1])) throw invalid();
  const createdAt = Number(parts[0]);
  const seq = Number(parts[1]);
  if (!Number.isSafeInteger(createdAt) || !Number.isSafeInteger(seq)) throw invalid();
  return { createdAt, seq };
}
