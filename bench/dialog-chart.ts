// Figures for the dialog's live transfer chart (issue 16): what one progress event costs the
// extension host — adding the point to the followed migration's series, copying it into the view
// and serialising the state message as postMessage does — at a fresh series and at a full one
// (MAX_SERIES_POINTS, where it stays however long the migration runs); and what the webview then
// spends on it: the message guard over the series and the convergence verdict read from it.
//   node --import tsx bench/dialog-chart.ts [--events 20000] [--json]

import { performance } from 'node:perf_hooks';
import { MigrationProgressLog } from '../src/ui/dialog/core/migration-progress-log';
import { convergenceVerdict } from '../src/model/convergence/convergence-verdict';
import { MAX_SERIES_POINTS, seriesSamples } from '../src/model/convergence/progress-series';
import { isStateMessage, type DialogViewState, type MigrationView } from '../src/protocol/migration-dialog';
import { migrationDialogTraits } from '../src/model/cluster-kind';
import { BLIXARD_TRAITS } from '../src/sources/blixard/blixard-kind';

const MIB = 1024 * 1024;
const T0 = 1_700_000_000_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function view(i: number): MigrationView {
  return {
    id: 'chart/m-1',
    name: 'm-1',
    phase: 'Transferring',
    state: 'running',
    mode: 'live',
    sourceNode: '1',
    targetNode: '2',
    createdAt: T0,
    phases: [{ phase: 'Preparing', at: T0 }, { phase: 'Transferring', at: T0 + 100 }],
    progress: { totalBytes: 64 * 1024 * MIB, transferredBytes: i * 30 * MIB, remainingBytes: Math.max(1, 64 * 1024 * MIB - i * 25 * MIB), dirtyRateBytesPerSec: 50 * MIB, bandwidthBytesPerSec: 300 * MIB, precopyRound: 1 + Math.floor(i / 2000) },
  };
}

const state = (migration: MigrationView): DialogViewState => ({
  stage: 'tracking',
  cluster: { id: 'chart', label: 'Chart', traits: migrationDialogTraits(BLIXARD_TRAITS) },
  nodes: [{ id: '1', name: 'node-1', status: 'ready', schedulable: true }, { id: '2', name: 'node-2', status: 'ready', schedulable: true }],
  migrationId: migration.id,
  migration,
});

/**
 * µs per event over `events` progress events (10 Hz, as the simulated runtime reports), after
 * `warm` of them; with the series' smallest and largest length over the measured events.
 */
function hostCost(warm: number, events: number, withSeries: boolean): { usPerEvent: number; messageBytesMax: number; pointsMin: number; pointsMax: number } {
  const log = new MigrationProgressLog();
  let i = 0;
  for (; i < warm; i++) log.withSeries(view(i), T0 + i * 100);
  let bytes = 0;
  let pointsMin = Infinity;
  let pointsMax = 0;
  const t = performance.now();
  for (let k = 0; k < events; k++, i++) {
    const v = withSeries ? log.withSeries(view(i), T0 + i * 100) : view(i);
    const text = JSON.stringify({ type: 'state', state: state(v), hostNow: T0 + i * 100 });
    bytes = Math.max(bytes, text.length);
    const points = v.progressSeries?.at.length ?? 0;
    pointsMin = Math.min(pointsMin, points);
    pointsMax = Math.max(pointsMax, points);
  }
  const usPerEvent = Math.round((((performance.now() - t) * 1000) / events) * 10) / 10;
  return { usPerEvent, messageBytesMax: bytes, pointsMin, pointsMax };
}

function webviewCost(warm: number, runs: number): { guardUs: number; verdictUs: number } {
  const log = new MigrationProgressLog();
  let v = view(0);
  for (let i = 0; i < warm; i++) v = log.withSeries(view(i), T0 + i * 100);
  const message = JSON.parse(JSON.stringify({ type: 'state', state: state(v), hostNow: T0 + warm * 100 }));
  let t = performance.now();
  for (let k = 0; k < runs; k++) if (!isStateMessage(message)) throw new Error('refused');
  const guardUs = ((performance.now() - t) * 1000) / runs;
  t = performance.now();
  for (let k = 0; k < runs; k++) convergenceVerdict(seriesSamples(message.state.migration.progressSeries), { canMigrateCold: true }, T0 + warm * 100);
  const verdictUs = ((performance.now() - t) * 1000) / runs;
  return { guardUs: Math.round(guardUs * 10) / 10, verdictUs: Math.round(verdictUs * 10) / 10 };
}

const events = arg('events', 20_000);
const figures = {
  hostWithoutSeriesUsPerEvent: hostCost(0, events, false).usPerEvent,
  /** The first 10 s of a migration. */
  hostFirst100Events: hostCost(0, 100, true),
  /** However long it runs after: the series stays between its thinned and its full length. */
  hostSteadyState: hostCost(MAX_SERIES_POINTS * 3, events, true),
  webviewFullSeries: webviewCost(MAX_SERIES_POINTS * 3, 2000),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else console.log(JSON.stringify(figures, null, 2));
