// Diagnostics as you type for `*.blixard-plan.yaml` documents: the core parser's (syntax, fields)
// at once, then the cluster's (unknown VM or node, a target over capacity with the figures, a
// cycle, a target in maintenance, a VM twice, staleness) once a snapshot is in. Debounced; the
// snapshot is fetched with a deadline and reused briefly; nothing here blocks the editor, and a
// cluster that does not answer is one warning on the `cluster:` line, never a modal.

import * as vscode from 'vscode';
import { parsePlanDocument } from '../../plans/plan-document-parser';
import type { PlanDiagnostic } from '../../plans/plan-diagnostics';
import type { ClusterSnapshot } from '../../plans/plan-types';
import { validatePlan } from '../../plans/plan-validation';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import { planCluster, snapshotOf } from './core/plan-clusters';
import { SnapshotCache } from './core/snapshot-cache';

const DEBOUNCE_MS = 300;
const SEVERITY: Record<PlanDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export class PlanDocumentDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('blixard-plans');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly checks = new Map<string, Promise<void>>();
  /** Snapshots per cluster label: 10 s fresh, 5 s to answer. */
  readonly snapshots = new SnapshotCache<ClusterSnapshot>({ ttlMs: 10_000, deadlineMs: 5_000 });

  constructor(private readonly registry: ClusterRegistry) {}

  /** Checks the document after a pause in typing. */
  schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(doc);
      }, DEBOUNCE_MS),
    );
  }

  /** Settles once the document's latest scheduled or running check has (for tests and Run Plan). */
  async settled(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    if (this.timers.has(key)) {
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      return this.check(doc);
    }
    await this.checks.get(key);
  }

  check(doc: vscode.TextDocument): Promise<void> {
    const run = this.checkNow(doc);
    this.checks.set(doc.uri.toString(), run);
    return run;
  }

  forget(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.checks.delete(key);
    this.collection.delete(doc.uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.collection.dispose();
  }

  private async checkNow(doc: vscode.TextDocument): Promise<void> {
    const version = doc.version;
    const parsed = parsePlanDocument(doc.getText());
    this.show(doc, parsed.diagnostics);
    if (!parsed.plan) return;
    const clusterLine = parsed.locator.at(['cluster']);
    const found = planCluster(this.registry, parsed.plan.cluster);
    if ('problem' in found) return this.show(doc, [...parsed.diagnostics, { severity: 'warning', code: 'wrong-cluster', message: `not checked against the cluster: ${found.problem}`, range: clusterLine }]);
    const answer = await this.snapshots.get(found.entry.spec.label, () => snapshotOf(found));
    if (doc.isClosed || doc.version !== version) return;
    if (!answer.ok) {
      return this.show(doc, [...parsed.diagnostics, { severity: 'warning', code: 'wrong-cluster', message: `not checked against ${found.entry.spec.label}: ${answer.reason.split('\n')[0]}`, range: clusterLine }]);
    }
    this.show(doc, validatePlan(parsed, answer.snapshot).diagnostics);
  }

  private show(doc: vscode.TextDocument, diagnostics: readonly PlanDiagnostic[]): void {
    this.collection.set(
      doc.uri,
      diagnostics.map((d) => {
        const out = new vscode.Diagnostic(new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character), d.message, SEVERITY[d.severity]);
        out.source = 'migration plan';
        out.code = d.code;
        return out;
      }),
    );
  }
}
