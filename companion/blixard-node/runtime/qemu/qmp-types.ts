// The part of QEMU's QMP schema the qemu runtime uses, with QEMU 7.2's own names (qapi/run-state.json,
// qapi/migration.json, qapi/control.json). Only what the runtime reads is typed; QEMU may send
// more fields, and fields QEMU marks optional are optional here.

/** qapi/run-state.json RunState. */
export type RunState =
  | 'debug' | 'inmigrate' | 'internal-error' | 'io-error' | 'paused' | 'postmigrate' | 'prelaunch'
  | 'finish-migrate' | 'restore-vm' | 'running' | 'save-vm' | 'shutdown' | 'suspended' | 'watchdog'
  | 'guest-panicked' | 'colo';

/** query-status → StatusInfo. */
export interface StatusInfo {
  running: boolean;
  status: RunState;
}

/** qapi/migration.json MigrationStatus. */
export type MigrationStatus =
  | 'none' | 'setup' | 'cancelling' | 'cancelled' | 'active' | 'postcopy-active' | 'postcopy-paused'
  | 'postcopy-recover' | 'completed' | 'failed' | 'colo' | 'pre-switchover' | 'device' | 'wait-unplug';

/** qapi/migration.json MigrationStats (the `ram` member of query-migrate). Sizes in bytes. */
export interface MigrationStats {
  transferred: number;
  remaining: number;
  total: number;
  duplicate: number;
  normal: number;
  'normal-bytes': number;
  /** Pages dirtied per second by the guest, as of the last sync. */
  'dirty-pages-rate': number;
  /** Throughput in megabits per second. */
  mbps: number;
  /** Times the dirty bitmap was synced: the pre-copy round. */
  'dirty-sync-count': number;
  'postcopy-requests': number;
  'page-size': number;
  'multifd-bytes': number;
  'pages-per-second': number;
  'precopy-bytes': number;
  'downtime-bytes': number;
  'postcopy-bytes': number;
}

/** query-migrate → MigrationInfo. Times in milliseconds. */
export interface MigrationInfo {
  status?: MigrationStatus;
  ram?: MigrationStats;
  /** Since the migration started (while active: so far). */
  'total-time'?: number;
  /** Estimate while active. */
  'expected-downtime'?: number;
  /** The real pause, once completed. */
  downtime?: number;
  'setup-time'?: number;
  'cpu-throttle-percentage'?: number;
  /** Why it failed, when status is failed. */
  'error-desc'?: string;
}

/** migrate-set-parameters (MigrateSetParameters); only the members the runtime sets. */
export interface MigrateSetParametersArgs {
  /** Bytes per second. */
  'max-bandwidth'?: number;
  /** Milliseconds. */
  'downtime-limit'?: number;
  'cpu-throttle-initial'?: number;
  'cpu-throttle-increment'?: number;
}

/** qapi/migration.json MigrationCapability (the ones worth naming here). */
export type MigrationCapability = 'xbzrle' | 'auto-converge' | 'events' | 'postcopy-ram' | 'pause-before-switchover' | 'multifd' | 'zero-blocks';

export interface MigrateSetCapabilitiesArgs {
  capabilities: Array<{ capability: MigrationCapability; state: boolean }>;
}

export interface MigrateArgs {
  /** e.g. "tcp:127.0.0.1:4444". */
  uri: string;
}

/** Every command the client knows: its arguments and what `return` holds. */
export interface QmpCommands {
  qmp_capabilities: { args: Record<string, never>; result: Record<string, never> };
  'query-status': { args: Record<string, never>; result: StatusInfo };
  /** Pauses the vCPUs (emits STOP). */
  stop: { args: Record<string, never>; result: Record<string, never> };
  /** Resumes them (emits RESUME). */
  cont: { args: Record<string, never>; result: Record<string, never> };
  system_powerdown: { args: Record<string, never>; result: Record<string, never> };
  quit: { args: Record<string, never>; result: Record<string, never> };
  'migrate-set-parameters': { args: MigrateSetParametersArgs; result: Record<string, never> };
  'migrate-set-capabilities': { args: MigrateSetCapabilitiesArgs; result: Record<string, never> };
  migrate: { args: MigrateArgs; result: Record<string, never> };
  migrate_cancel: { args: Record<string, never>; result: Record<string, never> };
  'query-migrate': { args: Record<string, never>; result: MigrationInfo };
  /** Target side with `-incoming defer`. */
  'migrate-incoming': { args: MigrateArgs; result: Record<string, never> };
  /** With the pause-before-switchover capability: leave the 'pre-switchover' pause and switch over. */
  'migrate-continue': { args: { state: 'pre-switchover' }; result: Record<string, never> };
}

export type QmpCommandName = keyof QmpCommands;

/** An asynchronous event (SHUTDOWN, STOP, RESUME, POWERDOWN, MIGRATION, MIGRATION_PASS, …). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

/** The greeting QEMU sends first. */
export interface QmpGreeting {
  QMP: { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] };
}
