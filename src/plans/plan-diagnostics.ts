// What is wrong with a plan document, and where: a diagnostic carries a 0-based line/character
// range (as editors count) so the extension can underline it and the CLI can print file:line:col.

export interface TextPosition {
  /** 0-based. */
  line: number;
  /** 0-based, in UTF-16 code units (as editors count). */
  character: number;
}

export interface TextRange {
  start: TextPosition;
  end: TextPosition;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'syntax'
  | 'malformed'
  | 'unknown-field'
  | 'unknown-vm'
  | 'unknown-node'
  | 'duplicate-vm'
  | 'over-capacity'
  | 'target-unschedulable'
  | 'cycle'
  | 'not-movable'
  | 'stale'
  | 'wrong-cluster'
  | 'window';

export interface PlanDiagnostic {
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  message: string;
  range: TextRange;
}

/** "plan.blixard-plan.yaml:12:9: error: …" (1-based, as compilers print). */
export function formatDiagnostic(file: string, d: PlanDiagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}

export const START_OF_DOCUMENT: TextRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
