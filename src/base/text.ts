// Text that came from a cluster, a file or a webview and is shown on one line: a tree row, the
// status bar, a hover, a table cell, a terminal line, a log line. One class of characters may
// never reach those as they are, wherever they are shown; browser-safe (the webviews import it).

/**
 * Characters that move, end or reorder a line instead of being read:
 * - C0 controls (U+0000–U+001F: newline, carriage return, ESC that starts a terminal escape) and
 *   DEL (U+007F);
 * - C1 controls (U+0080–U+009F: NEL ends a line, CSI starts a terminal escape on its own);
 * - the line and paragraph separators U+2028 and U+2029 (a line break to JavaScript, editors and
 *   VS Code's renderers);
 * - the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069: they
 *   are invisible and reorder everything after them up to the end of the line, so a name holding
 *   one can read as another name and turn the rest of a row around ("Trojan Source",
 *   CVE-2021-42574). The marks U+200E/U+200F are not in the class: they open no span and only
 *   steer the neutral characters next to them, which right-to-left names may need.
 */
// eslint-disable-next-line no-control-regex -- control characters are what the class names
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_CHARACTER_RUNS = new RegExp(`${CONTROL_CHARACTERS.source}+`, 'g');

/** The text on one line and inert: each run of control characters becomes one space. */
export function flattenControlCharacters(text: string): string {
  return String(text).replace(CONTROL_CHARACTER_RUNS, ' ');
}

/** True when `text` holds a character flattenControlCharacters() would replace (an id or a filter that may not). */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTERS.test(text);
}
