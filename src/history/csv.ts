// CSV as RFC 4180 writes it: fields with a comma, quote or line break are quoted, quotes doubled,
// lines end in CRLF. Text that a spreadsheet would run as a formula (= + - @ at the start) gets a
// leading apostrophe: VM and node names come from clusters, and an export must not become a way
// to run a formula on the operator's machine.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | null | undefined, isText = true): string {
  if (value === null || value === undefined) return '';
  // A number needs neither (an export writes two million fields: no regex where none can match).
  if (typeof value === 'number' && !isText) return String(value);
  let text = String(value);
  if (isText && FORMULA_START.test(text)) text = `'${text}`;
  return csvQuoted(text);
}

/** `text` quoted if it must be (no formula check: csvField does that first). */
export function csvQuoted(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: string[]): string {
  return fields.join(',') + '\r\n';
}
