// The logging surface the KubeVirt source writes to. Shaped so a VS Code LogOutputChannel or a
// console-backed logger fits as is; everything passed here is already scrubbed of credentials.

export interface SourceLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: SourceLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
