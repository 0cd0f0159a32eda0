// Timestamps the way the Kubernetes API writes them: metav1.Time marshals to RFC3339 with
// whole seconds ("2024-05-01T12:00:03Z"), which is what KubeVirt uses for
// phaseTransitionTimestamps and migrationState start/end times. A millisecond mode exists
// for tests that want distinct times inside one fast migration.

export type TimestampPrecision = 'seconds' | 'milliseconds';

export function formatKubeTime(ms: number, precision: TimestampPrecision = 'seconds'): string {
  const iso = new Date(ms).toISOString(); // 2024-05-01T12:00:03.123Z
  return precision === 'seconds' ? `${iso.slice(0, 19)}Z` : iso;
}

/** kubectl-style short age ("5s", "3m12s", "2d"), as the server prints Age cells. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}
