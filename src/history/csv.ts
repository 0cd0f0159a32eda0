// CSV as RFC 4180 writes it: fields with a comma, quote or line break are quoted, quotes doubled,
// lines end in CRLF. Text that a spreadsheet would run as a formula (= + - @ at the start) gets a
// leading apostrophe: VM and node names come from clusters, and an export must not become a way
// to run a formula on the operator's machine.

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | null | undefined, isText = true): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (isText && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: string[]): string {
  return fields.join(',') + '\r\n';
}
