// What a VM says about how it may be moved, read from its metadata (Blixard VM metadata, KubeVirt
// labels/annotations) under one set of keys, so the planner sees the same hints whatever the kind.
// The metadata is typed by people: a malformed value becomes a problem to show, never an exception
// and never a guess.

import { flattenControlCharacters } from '../base/text';

/** How a VM asks to be placed when a plan moves it. */
export interface VmPlacementHints {
  /** Higher moves first (vCenter/DRS-like priority); absent = 0. */
  priority?: number;
  /** VM ids that must have moved before this one starts moving. */
  after?: readonly string[];
  /** VM ids that must not start moving before this one has moved. */
  before?: readonly string[];
  /** Present when the VM must stay on its node: why ("true" is given as "pinned"). */
  pinned?: string;
}

/** The metadata keys, documented in README "Migration plans". */
export const PLACEMENT_KEYS = {
  priority: 'blixard.io/migration-priority',
  after: 'blixard.io/migrate-after',
  before: 'blixard.io/migrate-before',
  pinned: 'blixard.io/pinned',
} as const;

export interface PlacementHintLimits {
  /** At most this many VM ids in one after/before list (the rest is a problem, not read). */
  maxIds?: number;
  /** At most this many characters of a pinned reason. */
  maxReasonLength?: number;
}

const DEFAULT_MAX_IDS = 64;
const DEFAULT_MAX_REASON = 200;
const PRIORITY_BOUND = 1_000_000;
/** A VM id as the kinds spell them: a name, or "namespace/name". No spaces, no control characters. */
const VM_ID = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\/[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/;
const MAX_ID_LENGTH = 253;

/** The hints a VM's metadata declares, and what in it could not be read. */
export function placementHintsFrom(metadata: Readonly<Record<string, string>>, limits: PlacementHintLimits = {}): { hints: VmPlacementHints; problems: string[] } {
  const hints: VmPlacementHints = {};
  const problems: string[] = [];
  const maxIds = limits.maxIds ?? DEFAULT_MAX_IDS;
  const maxReason = limits.maxReasonLength ?? DEFAULT_MAX_REASON;

  const priority = metadata[PLACEMENT_KEYS.priority];
  if (priority !== undefined) {
    const text = priority.trim();
    const value = /^[+-]?\d{1,7}$/.test(text) ? Number(text) : NaN;
    if (Number.isInteger(value) && Math.abs(value) <= PRIORITY_BOUND) hints.priority = value;
    else problems.push(`${PLACEMENT_KEYS.priority}: "${shorten(priority)}" is not an integer between -${PRIORITY_BOUND} and ${PRIORITY_BOUND}`);
  }

  for (const field of ['after', 'before'] as const) {
    const raw = metadata[PLACEMENT_KEYS[field]];
    if (raw === undefined) continue;
    const ids = idList(PLACEMENT_KEYS[field], raw, maxIds, problems);
    if (ids.length > 0) hints[field] = ids;
  }

  const pinned = metadata[PLACEMENT_KEYS.pinned];
  if (pinned !== undefined) {
    const text = flattenControlCharacters(pinned).trim();
    if (text === '' || text.toLowerCase() === 'false') {
      if (text === '') problems.push(`${PLACEMENT_KEYS.pinned}: empty; say "true" or why the VM must stay`);
    } else if (text.toLowerCase() === 'true') {
      hints.pinned = 'pinned';
    } else {
      if (text.length > maxReason) problems.push(`${PLACEMENT_KEYS.pinned}: reason longer than ${maxReason} characters, shortened`);
      hints.pinned = text.slice(0, maxReason);
    }
  }
  return { hints, problems };
}

function idList(key: string, raw: string, maxIds: number, problems: string[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const part of parts) {
    if (ids.length >= maxIds) {
      problems.push(`${key}: more than ${maxIds} VM ids; the rest is ignored`);
      break;
    }
    if (part.length > MAX_ID_LENGTH || !VM_ID.test(part)) {
      problems.push(`${key}: "${shorten(part)}" is not a VM id`);
      continue;
    }
    if (seen.has(part)) continue;
    seen.add(part);
    ids.push(part);
  }
  return ids;
}

function shorten(text: string): string {
  const flat = flattenControlCharacters(text);
  return flat.length > 40 ? `${flat.slice(0, 40)}…` : flat;
}
