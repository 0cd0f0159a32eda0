// Label selectors as the apiserver parses them: equality (=, ==, !=) and set-based
// (in, notin, key, !key) requirements joined by commas.
import { badRequest } from './status-errors';

type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: Set<string> }
  | { key: string; op: 'exists' | 'notexists' };

export interface LabelSelector {
  readonly text: string;
  matches(labels: Record<string, string> | undefined): boolean;
}

export const EVERYTHING: LabelSelector = { text: '', matches: () => true };

export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  const source = (text ?? '').trim();
  if (!source) return EVERYTHING;
  const requirements = splitTopLevel(source).map((part) => parseRequirement(part.trim(), source));
  return {
    text: source,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r) => {
        const has = Object.prototype.hasOwnProperty.call(l, r.key);
        switch (r.op) {
          case 'eq': return has && l[r.key] === r.value;
          case 'neq': return !has || l[r.key] !== r.value;
          case 'in': return has && r.values.has(l[r.key]);
          case 'notin': return !has || !r.values.has(l[r.key]);
          case 'exists': return has;
          case 'notexists': return !has;
        }
      });
    },
  };
}

/** Splits on commas that are not inside the parentheses of an in/notin list. */
function splitTopLevel(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) { parts.push(source.slice(start, i)); start = i + 1; }
  }
  parts.push(source.slice(start));
  return parts;
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(value: string, whole: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw badRequest(`unable to parse requirement: invalid label value: "${value}" in selector "${whole}"`);
  return value;
}

function parseRequirement(part: string, whole: string): Requirement {
  if (!part) throw badRequest(`unable to parse requirement: found '', expected: identifier in selector "${whole}"`);
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), whole), op: 'notexists' };
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch) {
    const values = new Set(setMatch[3].split(',').map((v) => checkValue(v.trim(), whole)));
    return { key: checkKey(setMatch[1], whole), op: setMatch[2] as 'in' | 'notin', values };
  }
  const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (eqMatch) {
    return { key: checkKey(eqMatch[1], whole), op: eqMatch[2] === '!=' ? 'neq' : 'eq', value: checkValue(eqMatch[3].trim(), whole) };
  }
  if (/[<>]/.test(part)) throw badRequest(`unable to parse requirement: operator not supported by this server in selector "${whole}"`);
  return { key: checkKey(part, whole), op: 'exists' };
}
