// What the dialog keeps of the followed migration's progress over time: one bounded series (see
// model/convergence/progress-series.ts) that each update extends by a point and that travels in
// the view, so the webview's chart and verdict can be drawn again whole from any one message.

import { sampleFromProgress } from '../../../model/convergence/convergence-input';
import { appendSample, copySeries, emptySeries, type ProgressSeries } from '../../../model/convergence/progress-series';
import type { MigrationView } from '../../../protocol/migration-dialog';

export class MigrationProgressLog {
  private migrationId?: string;
  private series: ProgressSeries = emptySeries();

  /**
   * The view with the series up to now: the view's progress is added as a point received at `at`
   * (host clock). Another migration starts a new series. O(1) to extend, O(points) to copy.
   */
  withSeries(view: MigrationView, at: number): MigrationView {
    if (view.id !== this.migrationId) {
      this.migrationId = view.id;
      this.series = emptySeries();
    }
    if (view.progress) appendSample(this.series, sampleFromProgress(view.progress, at));
    return this.series.at.length > 0 ? { ...view, progressSeries: copySeries(this.series) } : view;
  }
}
