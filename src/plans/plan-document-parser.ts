// Reads a plan document back into a MigrationPlan, with a diagnostic at the exact place of every
// problem (a YAML syntax error, a missing or malformed field, a field we do not know). It never
// throws: an editor calls it on every keystroke. The plan is read as far as it can be, so the
// cluster checks (plan-validation.ts) can run alongside; `ok` says whether it is whole.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type YAMLMap } from 'yaml';
import { DEFAULT_CONCURRENCY, type BlockerKind, type MigrationPlan, type NodeUse, type PlanBlocker, type PlanEntry, type PlanKind } from './plan-types';
import { START_OF_DOCUMENT, type DiagnosticCode, type PlanDiagnostic, type TextRange } from './plan-diagnostics';
import { PLAN_DOCUMENT_VERSION } from './plan-document-writer';

/** Finds where a part of the document is, for diagnostics found later (validation). */
export interface PlanLocator {
  /** The range of the value at `path` (["entries", 3, "to"]), or of the nearest part of it that exists. */
  at(path: readonly (string | number)[]): TextRange;
}

export interface ParsedPlan {
  /** The plan as far as it could be read (malformed entries left out). */
  plan: MigrationPlan | undefined;
  /** Per plan.entries[i]: its index among the document's entries (for `locator.at`). */
  entryIndex: number[];
  diagnostics: PlanDiagnostic[];
  locator: PlanLocator;
  /** No error-level diagnostic. */
  ok: boolean;
}

const KINDS: readonly PlanKind[] = ['evacuate', 'migrate', 'rebalance'];
const BLOCKER_KINDS: readonly BlockerKind[] = ['not-migratable', 'no-room', 'pinned', 'only-node', 'cycle', 'dependency', 'in-flight', 'unknown-vm', 'target-unschedulable', 'no-target'];
export const TOP_FIELDS = ['version', 'cluster', 'kind', 'node', 'alsoNodes', 'threshold', 'createdAt', 'window', 'concurrency', 'stopOnFailure', 'entries', 'blockers', 'nodes'];
export const ENTRY_FIELDS = ['vm', 'from', 'to', 'mode', 'order', 'reason', 'modeReason', 'after', 'size'];
const MAX_CONCURRENCY = 1000;

export function parsePlanDocument(text: string): ParsedPlan {
  const lines = new LineCounter();
  const diagnostics: PlanDiagnostic[] = [];
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    diagnostics.push({ severity: 'error', code: 'syntax', message: `not YAML: ${String(err)}`, range: START_OF_DOCUMENT });
    return { plan: undefined, entryIndex: [], diagnostics, locator: { at: () => START_OF_DOCUMENT }, ok: false };
  }
  const position = (offset: number) => {
    const p = lines.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line - 1, character: p.col - 1 };
  };
  const rangeOf: RangeOf = (node: { range?: [number, number, number] | null } | null | undefined): TextRange | undefined =>
    node?.range ? { start: position(node.range[0]), end: position(node.range[1]) } : undefined;
  const locator: PlanLocator = {
    at(path) {
      for (let n = path.length; n > 0; n--) {
        const r = rangeOf(doc.getIn(path.slice(0, n), true) as YamlNode | undefined);
        if (r) return r;
      }
      return rangeOf(doc.contents as YamlNode | null) ?? START_OF_DOCUMENT;
    },
  };
  const report: Report = (severity, code, message, path, range) => diagnostics.push({ severity, code, message, range: range ?? locator.at(path) });

  for (const e of doc.errors) diagnostics.push({ severity: 'error', code: 'syntax', message: e.message.split('\n')[0], range: { start: position(e.pos[0]), end: position(e.pos[1]) } });
  for (const w of doc.warnings) diagnostics.push({ severity: 'warning', code: 'syntax', message: w.message.split('\n')[0], range: { start: position(w.pos[0]), end: position(w.pos[1]) } });
  const top = doc.contents;
  if (!isMap(top)) {
    if (doc.errors.length === 0) report('error', 'malformed', 'a plan is a mapping with cluster, kind and entries', []);
    return { plan: undefined, entryIndex: [], diagnostics, locator, ok: false };
  }
  unknownFields(top, TOP_FIELDS, [], report, rangeOf);

  const read = fieldReader(doc, report);
  const version = read.number(['version'], { integer: true });
  if (version !== undefined && version !== PLAN_DOCUMENT_VERSION) report('error', 'malformed', `version ${version} is not a plan format this version reads (${PLAN_DOCUMENT_VERSION})`, ['version']);
  const cluster = read.text(['cluster'], { required: true }) ?? '';
  const kindText = read.text(['kind'], { required: true });
  let kind: PlanKind = 'migrate';
  if (kindText !== undefined) {
    if ((KINDS as readonly string[]).includes(kindText)) kind = kindText as PlanKind;
    else report('error', 'malformed', `kind must be one of ${KINDS.join(', ')}, not "${kindText}"`, ['kind']);
  }
  const node = read.nodeId(['node']);
  const alsoNodes = read.textList(['alsoNodes']);
  const threshold = read.number(['threshold'], { min: 0, max: 1 });
  const createdAt = read.text(['createdAt']);
  const window: MigrationPlan['window'] = {};
  for (const edge of ['notBefore', 'notAfter'] as const) {
    const value = read.text(['window', edge]);
    if (value === undefined) continue;
    if (Number.isNaN(Date.parse(value))) report('error', 'malformed', `window.${edge} must be an ISO-8601 time such as 2026-12-05T22:00:00Z, not "${value}"`, ['window', edge]);
    else window[edge] = value;
  }
  if (doc.getIn(['window'], true) !== undefined) unknownFieldsAt(doc, ['window'], ['notBefore', 'notAfter'], report, rangeOf);
  if (window.notBefore && window.notAfter && Date.parse(window.notBefore) >= Date.parse(window.notAfter)) report('error', 'window', 'window.notBefore must come before window.notAfter', ['window', 'notAfter']);
  const concurrency = {
    perCluster: read.number(['concurrency', 'perCluster'], { integer: true, min: 1, max: MAX_CONCURRENCY }) ?? DEFAULT_CONCURRENCY.perCluster,
    perSourceNode: read.number(['concurrency', 'perSourceNode'], { integer: true, min: 1, max: MAX_CONCURRENCY }) ?? DEFAULT_CONCURRENCY.perSourceNode,
  };
  if (doc.getIn(['concurrency'], true) !== undefined) unknownFieldsAt(doc, ['concurrency'], ['perCluster', 'perSourceNode'], report, rangeOf);
  const stopOnFailure = read.boolean(['stopOnFailure']) ?? false;

  const entries: PlanEntry[] = [];
  const entryIndex: number[] = [];
  const seq = doc.getIn(['entries'], true);
  if (seq === undefined) report('error', 'malformed', 'entries is missing (a list, one entry per VM; it may be empty: [])', []);
  else if (!isSeq(seq) && !(isScalar(seq) && seq.value === null)) report('error', 'malformed', 'entries must be a list', ['entries']);
  else if (isSeq(seq)) {
    seq.items.forEach((item, i) => {
      const at = ['entries', i];
      if (!isMap(item)) return report('error', 'malformed', 'an entry is a mapping: vm, from, to, mode, order, reason', at);
      unknownFields(item, ENTRY_FIELDS, at, report, rangeOf);
      const before = diagnostics.filter((d) => d.severity === 'error').length;
      const vm = read.text([...at, 'vm'], { required: true });
      const from = read.nodeId([...at, 'from'], { required: true });
      const to = read.nodeId([...at, 'to'], { required: true, nullable: true });
      const mode = read.text([...at, 'mode'], { required: true });
      if (mode !== undefined && mode !== 'live' && mode !== 'cold') report('error', 'malformed', `mode must be live or cold, not "${mode}"`, [...at, 'mode']);
      const order = read.number([...at, 'order'], { integer: true, min: 1 });
      const after = read.textList([...at, 'after']);
      const size = { vcpus: read.number([...at, 'size', 'vcpus'], { min: 0 }) ?? 0, memoryMb: read.number([...at, 'size', 'memoryMb'], { min: 0 }) ?? 0 };
      if (diagnostics.filter((d) => d.severity === 'error').length > before || vm === undefined || from === undefined || from === null) return;
      entries.push({
        vm,
        from,
        ...(to !== undefined && to !== null ? { to } : {}),
        mode: mode === 'cold' ? 'cold' : 'live',
        modeReason: read.text([...at, 'modeReason']) ?? '',
        order: order ?? i + 1,
        reason: read.text([...at, 'reason']) ?? '',
        ...(after && after.length > 0 ? { after } : {}),
        size,
      });
      entryIndex.push(i);
    });
  }

  const blockers: PlanBlocker[] = [];
  const blockerSeq = doc.getIn(['blockers'], true);
  if (isSeq(blockerSeq)) {
    blockerSeq.items.forEach((item, i) => {
      if (!isMap(item)) return;
      const vm = read.text(['blockers', i, 'vm']);
      const bNode = read.nodeId(['blockers', i, 'node']);
      const bKind = read.text(['blockers', i, 'kind']) ?? '';
      const reason = read.text(['blockers', i, 'reason']) ?? '';
      const b: PlanBlocker = { kind: (BLOCKER_KINDS as readonly string[]).includes(bKind) ? (bKind as BlockerKind) : 'no-target', reason };
      if (vm !== undefined) b.vm = vm;
      if (bNode !== undefined && bNode !== null) b.node = bNode;
      blockers.push(b);
    });
  }
  const nodes: NodeUse[] = [];
  const nodeSeq = doc.getIn(['nodes'], true);
  if (isSeq(nodeSeq)) {
    nodeSeq.items.forEach((item, i) => {
      if (!isMap(item)) return;
      const res = (field: string) => {
        const vcpus = read.number(['nodes', i, field, 'vcpus']);
        const memoryMb = read.number(['nodes', i, field, 'memoryMb']);
        return vcpus === undefined && memoryMb === undefined ? undefined : { vcpus: vcpus ?? 0, memoryMb: memoryMb ?? 0 };
      };
      const id = read.nodeId(['nodes', i, 'id']);
      if (id === undefined || id === null) return;
      const capacity = res('capacity');
      nodes.push({ id, name: read.text(['nodes', i, 'name']) ?? id, schedulable: read.boolean(['nodes', i, 'schedulable']) ?? true, ...(capacity ? { capacity } : {}), before: res('before') ?? { vcpus: 0, memoryMb: 0 }, after: res('after') ?? { vcpus: 0, memoryMb: 0 } });
    });
  }

  const plan: MigrationPlan = {
    cluster,
    kind,
    ...(node !== undefined && node !== null ? { node } : {}),
    ...(alsoNodes && alsoNodes.length > 0 ? { alsoNodes } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(window.notBefore || window.notAfter ? { window } : {}),
    concurrency,
    stopOnFailure,
    entries,
    blockers,
    nodes,
  };
  return { plan, entryIndex, diagnostics, locator, ok: !diagnostics.some((d) => d.severity === 'error') };
}

type Report = (severity: PlanDiagnostic['severity'], code: DiagnosticCode, message: string, path: readonly (string | number)[], range?: TextRange) => void;
type RangeOf = (node: { range?: [number, number, number] | null } | null | undefined) => TextRange | undefined;

/** Warns at the key (not the value) of each field the document's format does not have. */
function unknownFields(map: YAMLMap, known: readonly string[], at: readonly (string | number)[], report: Report, rangeOf: RangeOf): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!known.includes(key)) report('warning', 'unknown-field', `unknown field "${key}" (known: ${known.join(', ')})`, [...at, key], rangeOf(pair.key as YamlNode | null));
  }
}

function unknownFieldsAt(doc: Document, at: readonly (string | number)[], known: readonly string[], report: Report, rangeOf: RangeOf): void {
  const node = doc.getIn(at, true);
  if (isMap(node)) unknownFields(node, known, at, report, rangeOf);
  else if (!(isScalar(node) && node.value === null)) report('error', 'malformed', `${at.join('.')} must be a mapping (${known.join(', ')})`, at);
}

/** Typed reads of single fields, each reporting its own problem at its own place. */
function fieldReader(doc: Document, report: Report) {
  const scalar = (path: readonly (string | number)[]) => {
    const node = doc.getIn(path, true);
    return node === undefined ? { present: false as const } : { present: true as const, node, value: isScalar(node) ? node.value : node };
  };
  const label = (path: readonly (string | number)[]) => path.filter((p) => typeof p === 'string').join('.');
  return {
    text(path: readonly (string | number)[], opts: { required?: boolean } = {}): string | undefined {
      const s = scalar(path);
      if (!s.present || s.value === null) {
        if (opts.required) report('error', 'malformed', `${label(path)} is missing`, path);
        return undefined;
      }
      if (typeof s.value === 'string' && s.value.trim() !== '') return s.value;
      if (typeof s.value === 'number' || typeof s.value === 'boolean') return String(s.value);
      report('error', 'malformed', `${label(path)} must be a non-empty text`, path);
      return undefined;
    },
    nodeId(path: readonly (string | number)[], opts: { required?: boolean; nullable?: boolean } = {}): string | null | undefined {
      const s = scalar(path);
      if (!s.present || s.value === null) {
        if (opts.required && !(opts.nullable && s.present)) report('error', 'malformed', `${label(path)} is missing${opts.nullable ? ' (a node id, or null to let the cluster choose)' : ''}`, path);
        return s.present && opts.nullable ? null : undefined;
      }
      if (typeof s.value === 'string' && s.value.trim() !== '') return s.value.trim();
      if (typeof s.value === 'number' && Number.isSafeInteger(s.value) && s.value >= 0) return String(s.value);
      report('error', 'malformed', `${label(path)} must be a node id`, path);
      return undefined;
    },
    number(path: readonly (string | number)[], opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
      const s = scalar(path);
      if (!s.present || s.value === null) return undefined;
      const v = s.value;
      const ok = typeof v === 'number' && Number.isFinite(v) && (!opts.integer || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max);
      if (ok) return v;
      const range = opts.min !== undefined && opts.max !== undefined ? ` from ${opts.min} to ${opts.max}` : opts.min !== undefined ? ` of at least ${opts.min}` : '';
      report('error', 'malformed', `${label(path)} must be ${opts.integer ? 'a whole number' : 'a number'}${range}`, path);
      return undefined;
    },
    boolean(path: readonly (string | number)[]): boolean | undefined {
      const s = scalar(path);
      if (!s.present || s.value === null) return undefined;
      if (typeof s.value === 'boolean') return s.value;
      report('error', 'malformed', `${label(path)} must be true or false`, path);
      return undefined;
    },
    textList(path: readonly (string | number)[]): string[] | undefined {
      const node = doc.getIn(path, true);
      if (node === undefined || (isScalar(node) && node.value === null)) return undefined;
      if (!isSeq(node)) {
        report('error', 'malformed', `${label(path)} must be a list of VM ids`, path);
        return undefined;
      }
      const out: string[] = [];
      node.items.forEach((item, i) => {
        if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number') && String(item.value).trim() !== '') out.push(String(item.value).trim());
        else report('error', 'malformed', `${label(path)} must be a list of VM ids`, [...path, i]);
      });
      return out;
    },
  };
}
