// The ways a database file gets damaged that the history must recognise, each with the reason
// it gives: cut short, pages overwritten with the header intact, and all zeros.

import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';

export const DAMAGES: ReadonlyArray<readonly [string, (file: string) => void, RegExp]> = [
  ['truncated', (file) => truncateSync(file, Math.floor(statSync(file).size / 3)), /truncated: \d+ bytes where the header says \d+/],
  [
    'garbage pages',
    (file) => {
      const bytes = readFileSync(file);
      bytes.fill(0x5a, 4096 + 100, bytes.length - 100); // pages overwritten, size and header kept
      writeFileSync(file, bytes);
    },
    /integrity check failed|malformed|not a database/,
  ],
  ['zero-filled', (file) => writeFileSync(file, Buffer.alloc(statSync(file).size)), /not an SQLite database/],
];
