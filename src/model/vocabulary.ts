// The one vocabulary of the product: how an outcome, a mode, a VM state, a duration, a size and
// a rate read — in the dialog, the trees, the status bar, the output channel, the history panel,
// the CLI and the CSV alike. Every surface formats through these functions and nothing else, so
// a KubeVirt cancel cannot read "Cancelled" in one place and "Failed … cancelled" in another.
// Pure and free of `vscode` and `node:` (the webviews bundle it).

import type { VmState } from './cluster';
import type { MigrationMode, MigrationState } from './migration';

// ---- words ----------------------------------------------------------------------------------

/**
 * What became of a migration, in one word per state. The same word is the CSV/JSON token, so a
 * script and a person read the same thing. Lower case: it is used mid-sentence as often as alone.
 */
export const STATE_WORDS: Readonly<Record<MigrationState, string>> = {
  pending: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function stateWord(state: MigrationState): string {
  return STATE_WORDS[state] ?? String(state);
}

/** The word with a capital, for the start of a sentence or a heading ("Cancelled", "Failed"). */
export function stateTitle(state: MigrationState): string {
  const word = stateWord(state);
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * How the VM moves: "live" or "cold". KubeVirt's strategies are kinds of live migration; post-copy
 * is worth saying (the guest runs on the target before all memory arrived), pre-copy is what
 * "live" means everywhere else, so it is not.
 */
export function modeWord(mode: MigrationMode | string | undefined): string {
  switch (mode) {
    case 'cold':
      return 'cold';
    case 'PostCopy':
      return 'live (post-copy)';
    case 'live':
    case 'PreCopy':
      return 'live';
    default:
      return mode ? String(mode) : 'live';
  }
}

/** The CSV/JSON token of a mode: "live" or "cold", whatever the cluster called it. */
export function modeToken(mode: MigrationMode | string | undefined): 'live' | 'cold' {
  return mode === 'cold' ? 'cold' : 'live';
}

const VM_STATE_WORDS: Readonly<Record<VmState, string>> = {
  running: 'running',
  stopped: 'stopped',
  starting: 'starting',
  stopping: 'stopping',
  created: 'created',
  pending: 'pending',
  failed: 'failed',
  unknown: 'unknown',
};

/** A VM's state in the same words on every kind ("running", never "Running" or VM_STATE_RUNNING). */
export function vmStateWord(state: VmState): string {
  return VM_STATE_WORDS[state] ?? 'unknown';
}

/**
 * Whether a migration counts against the success rate. A cancellation someone asked for is a
 * decision, not a failure: success rate = succeeded / (succeeded + failed).
 */
export function countsAsFailure(state: MigrationState): boolean {
  return state === 'failed';
}

// ---- figures --------------------------------------------------------------------------------

/**
 * A duration: "850ms", "4.2s", "42s", "2m 52s", "1h 02m". Sub-second precision only where it
 * carries meaning (a short phase, a switchover); a clock that ticks each second shows whole ones.
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * A live migration's switchover pause as every surface words it: "downtime 149ms"; undefined
 * when none was measured (a cold migration, a cluster that does not report one).
 */
export function downtimeText(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0 ? undefined : `downtime ${formatDuration(ms)}`;
}

/**
 * Time still to go ("ETA 3s"): rounded up, because "0s" with a gigabyte left is a promise the
 * transfer will break. Whole seconds; "<1s" only when less than a second truly remains.
 */
export function formatTimeLeft(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms === 0) return '0s';
  if (ms < 1000) return '<1s';
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A size in binary units with three significant digits, trailing zeros trimmed: "2 GiB", "1.03 GiB", "512 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${trimZeros(value.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

/** Memory given in MiB (as clusters report it): "2 GiB", "512 MiB". */
export function formatMemoryMb(memoryMb: number | null | undefined): string {
  if (memoryMb === null || memoryMb === undefined || !Number.isFinite(memoryMb) || memoryMb < 0) return '—';
  return formatBytes(memoryMb * 1024 * 1024);
}

/** A transfer or dirtying rate: "112 MiB/s". */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '—';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A share: "97%", "99.5%" — never "100%" until it is all. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const clamped = Math.min(1, Math.max(0, fraction));
  if (clamped === 1 || clamped === 0) return `${clamped * 100}%`;
  const percent = clamped * 100;
  const text = percent >= 99.5 ? Math.min(99.9, Math.floor(percent * 10) / 10).toFixed(1) : percent < 1 ? percent.toFixed(1) : String(Math.round(percent));
  return `${trimZeros(text)}%`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * A phase as shown to a person. The final phase is said as the outcome: KubeVirt ends a
 * cancelled migration in phase "Failed" and Blixard a successful one in "Completed", and neither
 * may contradict the outcome word next to it. Other phases keep the cluster's own word.
 */
export function phaseWord(phase: string, state: MigrationState, isFinalPhase: boolean): string {
  return isFinalPhase && (state === 'succeeded' || state === 'failed' || state === 'cancelled') ? stateTitle(state) : phase;
}

/** The current phase of a migration as a person reads it ("PreparingTarget", or "Cancelled" once it ended). */
export function currentPhaseWord(m: { phase: string; state: MigrationState }): string {
  return phaseWord(m.phase, m.state, m.state === 'succeeded' || m.state === 'failed' || m.state === 'cancelled');
}

/**
 * A VM's state as one word on every kind, with the cluster's own finer word where it says more
 * ("pending (Scheduling)"); "Running" beside "running" or an enum constant like VM_STATE_RUNNING
 * would only say the same thing twice.
 */
export function vmStateText(vm: { state: VmState; phase?: string }): string {
  const word = vmStateWord(vm.state);
  const phase = vm.phase ?? '';
  const saysMore = /^[A-Z][a-z]+(?:[A-Z][a-z]+)*$/.test(phase) && phase.toLowerCase() !== word;
  return saysMore ? `${word} (${phase})` : word;
}

/**
 * A moment as local wall-clock time, "10:15:02" — with the date ("2025-03-01 10:15:02") when
 * asked, for a moment that may not be today's. The dialog, the views and the output say times alike.
 */
export function formatClockTime(at: number | null | undefined, withDate = false): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '?';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '?';
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}
