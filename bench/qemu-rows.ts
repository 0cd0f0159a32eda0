// The QEMU section's rows of the `npm run bench` table (apart from bench/qemu.ts, so the table
// can be drawn without loading the runtime, gRPC and the dialog session).

import type { LiveFigures, QemuBenchFigures, Spread } from './qemu';

const round1 = (n: number) => Math.round(n * 10) / 10;
const ms = (n: number) => (Number.isNaN(n) ? '—' : n >= 100 ? `${Math.round(n)} ms` : `${round1(n)} ms`);
const range = (s: Spread, unit: (n: number) => string) => `p50 ${unit(s.p50)} (${unit(s.min)}–${unit(s.max)})`;
const mib = (n: number) => `${round1(n)} MiB`;
const pct = (n: number) => (Number.isNaN(n) ? '—' : `${n > 0 ? '+' : ''}${n} %`);

/** The section's rows of the `npm run bench` table. */
export function qemuRows(f: QemuBenchFigures): Array<{ figure: string; value: string; conditions: string }> {
  const on = `${f.accel.toUpperCase()}, ${f.qemuVersion.replace('QEMU emulator version ', 'QEMU ')}`;
  const liveRows = (l: LiveFigures) => [
    { figure: `live migration ${l.memoryMb} MiB`, value: range(l.durationMs, ms), conditions: `MigrateVm → COMPLETED, ${l.durationMs.samples.length} runs between 2 daemons, default 10 Gbit/s limit, 300 ms downtime limit; ${on}` },
    { figure: `  downtime · sent · rounds`, value: `${range(l.downtimeMs, ms)} · ${range(l.transferredMiB, mib)} · ${range(l.rounds, String)}`, conditions: 'QEMU downtime, ram.transferred, dirty-sync-count' },
  ];
  return [
    { figure: 'boot to first heartbeat', value: range(f.bootToHeartbeatMs, ms), conditions: `128 MiB test guest, StartVm → heartbeat 1 on its console (RUNNING after ${range(f.bootToRunningMs, ms)}); ${on}` },
    ...liveRows(f.live128),
    ...liveRows(f.live512),
    ...[f.eta.asBooted, f.eta.filled].map((e) => ({
      figure: `dialog ETA error at 25 % · 50 %${e.filledMiB ? `, ${e.filledMiB} MiB written` : ', as booted'}`,
      value: `${range(e.errorPercentAt25, pct)} · ${range(e.errorPercentAt50, pct)}`,
      conditions:
        `of the transfer's duration (at the bar's 25 % · 50 %: ${range(e.barErrorPercentAt25, pct)} · ${range(e.barErrorPercentAt50, pct)}); ETA shown vs real time to COMPLETED (+: too long); ` +
        `512 MiB guest at ${f.eta.bandwidthMbps} Mbit/s, ${e.runs.length} runs of ${e.runs.map((r) => `${r.progressUpdates} updates/${ms(r.durationMs)}`).join(', ')}`,
    })),
    { figure: 'cold migration 128 MiB', value: range(f.coldMs, ms), conditions: `MigrateVm → COMPLETED (powerdown, boot on the target), ${f.coldMs.samples.length} runs` },
    { figure: 'RSS per running guest', value: `128 MiB: ${range(f.rssMiB.booted128, mib)} · 512 MiB: ${mib(f.rssMiB.booted512)}`, conditions: `QEMU VmRSS 2 s after boot; 512 MiB on the target after live migrations: ${mib(f.rssMiB.target512AfterLive)}` },
  ];
}
