// Field selectors (key=value, key==value, key!=value, comma-joined) checked against the
// field labels a resource type supports; anything else is refused like the apiserver does.
import type { KubeObject } from './kube-object';
import type { ResourceType } from './resource-types';
import { badRequest } from './status-errors';

export interface FieldSelector {
  readonly text: string;
  matches(object: KubeObject): boolean;
  /** The name this selector pins (metadata.name=X), so a watch can skip everything else cheaply. */
  readonly exactName?: string;
}

export const ALL_FIELDS: FieldSelector = { text: '', matches: () => true };

function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) { current += ch + text[i + 1]; i++; continue; }
    if (ch === separator) { out.push(current); current = ''; continue; }
    current += ch;
  }
  out.push(current);
  return out;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(text: string | null | undefined, type: ResourceType): FieldSelector {
  const source = (text ?? '').trim();
  if (!source) return ALL_FIELDS;
  const terms = splitUnescaped(source, ',').map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw badRequest(`invalid selector: '${source}'; can't understand '${term}'`);
    const field = m[1].trim();
    const extract = type.fieldLabels[field];
    if (!extract) throw badRequest(`field label not supported: ${field}`);
    return { field, negate: m[2] === '!=', value: unescape(m[3]), extract };
  });
  const exactName = terms.find((t) => t.field === 'metadata.name' && !t.negate)?.value;
  return {
    text: source,
    exactName,
    matches: (object) => terms.every((t) => (t.extract(object) === t.value) !== t.negate),
  };
}
