// How the history reports what a person may need to know (a corrupt file moved aside, a lock
// taken over) without printing to the console: the extension passes its LogOutputChannel, the
// CLI a stderr writer.

export interface HistoryLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: HistoryLogger = {
  info() {},
  warn() {},
  error() {},
};
