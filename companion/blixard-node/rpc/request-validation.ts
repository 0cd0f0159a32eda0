// Input checks shared by every RPC. Requests arrive decoded by protobufjs, but from untrusted
// callers: any field may hold anything its wire type allows (or be missing), so each is checked
// for type and range before use.

import { InvalidArgumentError, quote } from '../errors';
import { hasControlCharacters } from '../../../src/base/text';
import { planIdProblem } from '../../../src/model/plan-id';

/** Marks a request whose bytes were not a valid protobuf message (grpc-server.ts decodes so). */
export const UNDECODABLE = Symbol('undecodable request');

/**
 * A decoded request as a handler may trust it: the field names are the proto's (a renamed field
 * breaks the build), the values are whatever the caller managed to put there.
 */
export type Untrusted<T> = { readonly [K in keyof T]?: unknown };

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MIGRATION_ID_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export const MAX_NAME_LENGTH = 253;
export const MAX_VCPUS = 1024;
export const MAX_MEMORY_MB = 16 * 1024 * 1024; // 16 TiB
export const MAX_CONFIG_PATH_LENGTH = 4096;
export const MAX_MIGRATION_ID_LENGTH = 128;
export const MAX_METADATA_ENTRIES = 64;
export const MAX_METADATA_VALUE_LENGTH = 1024;
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_MAINTENANCE_REASON_LENGTH = 256;

/** A Kubernetes label/annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const METADATA_KEY_PATTERN = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A VM name as Kubernetes names objects (RFC 1123 subdomain), which upstream Blixard follows. */
export function requireVmName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(`${field} must not be empty`);
  if (value.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`${field} must be at most ${MAX_NAME_LENGTH} characters (got ${value.length})`);
  if (!NAME_PATTERN.test(value)) {
    throw new InvalidArgumentError(
      `${field} ${quote(value)} is not a valid VM name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
  return value;
}

/**
 * A uint64 node id as the wire hands it over (a decimal string). Node ids are 1 to 2^53 − 1 (what
 * `--id` accepts), so a larger one, up to 2^64 − 1, cannot name a node: it is refused with the
 * digits the caller sent, rather than rounded and reported as a node that does not exist.
 */
export function requireNodeId(value: unknown, field: string): number {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) throw new InvalidArgumentError(`${field} ${quote(value)} is not a valid node id`);
  if (/^0+$/.test(text)) throw new InvalidArgumentError(`${field} must be a node id (1 or more)`);
  if (BigInt(text) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidArgumentError(`${field} ${text.replace(/^0+/, '')} is out of range: node ids are 1 to ${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(text);
}

/** 0 or absent = no node filter. */
export function optionalNodeId(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '' || (typeof value === 'string' && /^0+$/.test(value)) || value === 0) return undefined;
  return requireNodeId(value, field);
}

export function requireVcpus(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('vcpus must be at least 1');
  if (value > MAX_VCPUS) throw new InvalidArgumentError(`vcpus must be at most ${MAX_VCPUS} (got ${value})`);
  return value;
}

export function requireMemoryMb(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('memory_mb must be at least 1');
  if (value > MAX_MEMORY_MB) throw new InvalidArgumentError(`memory_mb must be at most ${MAX_MEMORY_MB} (got ${value})`);
  return value;
}

export function optionalConfigPath(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string') throw new InvalidArgumentError('config_path must be a string');
  if (value.length > MAX_CONFIG_PATH_LENGTH) throw new InvalidArgumentError(`config_path must be at most ${MAX_CONFIG_PATH_LENGTH} characters`);
  // The extension's one class of control characters, and U+FFFD: a path that did not decode
  // from UTF-8 whole would name some other file than the caller meant.
  if (hasControlCharacters(value) || value.includes('\ufffd')) throw new InvalidArgumentError('config_path contains control or invalid characters');
  return value;
}

export function requireMigrationId(value: unknown, field = 'id'): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(`${field} must not be empty`);
  return checkMigrationId(value, field);
}

/** Empty or absent = the daemon picks one. */
export function optionalMigrationId(value: unknown, field = 'migration_id'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(`${field} must be a string`);
  return checkMigrationId(value, field);
}

function checkMigrationId(value: string, field: string): string {
  if (value.length > MAX_MIGRATION_ID_LENGTH) throw new InvalidArgumentError(`${field} must be at most ${MAX_MIGRATION_ID_LENGTH} characters`);
  if (!MIGRATION_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(`${field} ${quote(value)} is not a valid migration id: use letters, digits, '-', '_' and '.'`);
  }
  return value;
}

/** Empty or absent = no plan asked for it. */
export function optionalPlanId(value: unknown, field = 'plan_id'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const problem = planIdProblem(value);
  if (problem) throw new InvalidArgumentError(`${field}: ${problem}`);
  return value as string;
}

export function optionalBool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${field} must be true or false`);
  return value;
}

export function optionalLimit(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError('limit must be 0 (no limit) or more');
  return value;
}

/** Optional VM name filter: empty = any VM. */
export function optionalVmName(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return requireVmName(value, field);
}

/**
 * CreateVmRequest.metadata: keys as Kubernetes label keys (so the same hints read the same on both
 * kinds of cluster), values without control characters, bounded in number and size.
 */
export function optionalMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('metadata must be a map of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METADATA_ENTRIES) throw new InvalidArgumentError(`metadata may hold at most ${MAX_METADATA_ENTRIES} entries (got ${entries.length})`);
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [key, entry] of entries) {
    const prefix = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
    if (!METADATA_KEY_PATTERN.test(key) || prefix.length > MAX_NAME_LENGTH) {
      throw new InvalidArgumentError(`metadata key ${quote(key)} is not valid: use [prefix/]name as Kubernetes label keys do (e.g. blixard.io/pinned)`);
    }
    if (typeof entry !== 'string') throw new InvalidArgumentError(`metadata ${quote(key)} must be a string`);
    if (entry.length > MAX_METADATA_VALUE_LENGTH) throw new InvalidArgumentError(`metadata ${quote(key)} must be at most ${MAX_METADATA_VALUE_LENGTH} characters`);
    if (hasControlCharacters(entry) || entry.includes('\ufffd')) throw new InvalidArgumentError(`metadata ${quote(key)} contains control or invalid characters`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(entry);
    metadata[key] = entry;
  }
  if (bytes > MAX_METADATA_BYTES) throw new InvalidArgumentError(`metadata must be at most ${MAX_METADATA_BYTES} bytes in all (got ${bytes})`);
  return metadata;
}

/** SetNodeMaintenanceRequest.reason: the operator's words, one line, bounded; empty = none. */
export function optionalReason(value: unknown, field = 'reason'): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InvalidArgumentError(`${field} must be a string`);
  const text = value.trim();
  if (text.length > MAX_MAINTENANCE_REASON_LENGTH) throw new InvalidArgumentError(`${field} must be at most ${MAX_MAINTENANCE_REASON_LENGTH} characters (got ${text.length})`);
  if (hasControlCharacters(text) || text.includes('\ufffd')) throw new InvalidArgumentError(`${field} contains control or invalid characters`);
  return text;
}

/** Every request is a message object; a caller cannot make it anything else, but be sure. */
export function requireRequest<T>(value: unknown): Untrusted<T> {
  if (!value || typeof value !== 'object' || UNDECODABLE in value) throw new InvalidArgumentError('the request could not be decoded as a protobuf message of the expected type');
  return value as Untrusted<T>;
}
