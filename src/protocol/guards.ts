// The checks every webview protocol's guards are built from: what a webview posts is untrusted
// (a compromised or confused webview may post anything), and what the host sends is checked
// before it is rendered. Browser-safe: both webview bundles import it.

import { hasControlCharacters } from '../base/text';

/**
 * Longest id either protocol accepts (cluster, VM, node, migration, history row). Ids are built
 * from names a cluster chose (a KubeVirt migration id is `kubevirt:<context>/<namespace>/<name>`,
 * 253-character names), so this is far above any real one and only stops a flood.
 */
export const MAX_ID_LENGTH = 1024;

/** A plain object (not an array, not a class instance, not null): what a posted message is. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** True when `value` has exactly these own keys (optional ones may be absent), nothing more. */
export function hasOnlyKeys(value: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(value);
  if (keys.length < required.length || keys.length > required.length + optional.length) return false;
  for (const key of required) if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
  for (const key of keys) if (!required.includes(key) && !optional.includes(key)) return false;
  return true;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Absent, or what `guard` accepts. */
export function isOptional<T>(value: unknown, guard: (v: unknown) => v is T): boolean {
  return value === undefined || guard(value);
}

/** An id: not empty, at most MAX_ID_LENGTH characters, no control characters (base/text.ts). */
export function isBoundedId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH && !hasControlCharacters(value);
}

/** Typed text (a filter): at most `maxLength` characters, no control characters; may be empty. */
export function isBoundedText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && !hasControlCharacters(value);
}

/** A short, safe description of a rejected message for the log: its type (if a short string) and keys. */
export function describeRejectedMessage(m: unknown): string {
  if (!isRecord(m)) return m === null ? 'null' : Array.isArray(m) ? 'an array' : `a ${typeof m}`;
  const type = typeof m.type === 'string' && m.type.length <= 40 ? JSON.stringify(m.type) : 'no valid type';
  const keys = Object.keys(m).slice(0, 8).map((k) => (k.length > 24 ? `${k.slice(0, 24)}…` : k));
  return `an object with ${type} and keys [${keys.join(', ')}]`;
}
