// The one logging surface of the core: a subset of vscode.LogOutputChannel, so the extension
// passes its channel straight in and the CLI a stderr writer. A component that says less asks
// for less (`Pick<Logger, 'info' | 'warn'>`), so a caller need not invent levels it never hears.

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = keyof Logger;

/** Hears nothing: the default where no logger is given (tests, a library caller). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
