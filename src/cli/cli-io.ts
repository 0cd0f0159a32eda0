// Where a command writes: stdout for its results (the lines, the table, the JSON), stderr for
// what a person running it should know. Commands get this rather than touching process.*,
// so they run the same under test.

export interface CliIo {
  /** One result line (no trailing newline). */
  out(line: string): void;
  /** One diagnostic line (no trailing newline). */
  err(line: string): void;
}

export function processIo(): CliIo {
  return {
    out: (line) => {
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      process.stderr.write(`${line}\n`);
    },
  };
}
