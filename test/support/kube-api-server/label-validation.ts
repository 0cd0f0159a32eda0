// metadata.labels as the apiserver's ObjectMeta validation checks them: a key is an optional
// DNS-1123 subdomain prefix (≤ 253) and '/', then a name (≤ 63: alphanumeric at both ends, '-',
// '_', '.' inside); a value is empty or such a name. What fails is a 422 with one cause per label,
// worded as the apiserver words it — so a client (ours: the plan id on a VMIM) meets here what a
// real cluster would refuse.

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

export interface LabelProblem {
  field: string;
  message: string;
}

export function labelProblems(labels: unknown): LabelProblem[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [{ field: 'metadata.labels', message: 'Invalid value: must be a map of string keys to string values' }];
  const problems: LabelProblem[] = [];
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const slash = key.indexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) || name.length > 63 || !NAME.test(name)) {
      problems.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
    }
    if (typeof value !== 'string') problems.push({ field: `metadata.labels`, message: `Invalid value: ${JSON.stringify(key)}: must be a string` });
    else if (value !== '' && (value.length > 63 || !NAME.test(value))) {
      problems.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(value)}: ${value.length > 63 ? 'must be no more than 63 characters' : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"}` });
    }
  }
  return problems;
}
