// Where the core reports what it skipped or could not do. Shaped like a subset of
// vscode.LogOutputChannel so the extension passes its channel straight in; the CLI writes to stderr.

export interface WatchLog {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLog: WatchLog = {
  info() {},
  warn() {},
};
