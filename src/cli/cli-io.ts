// Where a command writes: stdout for its results (the lines, the table, the JSON), stderr for
// what a person running it should know. Commands get this rather than touching process.*,
// so they run the same under test. Everything written goes through the secret scrubber first:
// this is the one way out of the CLI, so no token a server or plugin echoed reaches a terminal.

import { scrubSecrets } from '../base/secret-registry';

export interface CliIo {
  /** One result line (no trailing newline). */
  out(line: string): void;
  /** One diagnostic line (no trailing newline). */
  err(line: string): void;
}

export function processIo(): CliIo {
  return {
    out: (line) => {
      process.stdout.write(`${scrubSecrets(line)}\n`);
    },
    err: (line) => {
      process.stderr.write(`${scrubSecrets(line)}\n`);
    },
  };
}
