// Entry of the `blixard-migrations` command (bundled to dist/cli/blixard-migrations.js).
// Parses the flags, runs one command, and turns every outcome into an exit code:
// 0 done, 1 failed, 2 bad usage. No stack trace ever reaches the terminal.

import { describeError } from '../model/errors';
import { parseCliArguments, type CliArguments } from './cli-arguments';
import { processIo, type CliIo } from './cli-io';
import { USAGE } from './usage';
import { UsageError } from './usage-error';

/** How long a signalled watch may take to write what is pending before the process exits anyway. */
const FORCED_EXIT_MS = 1500;

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let args: CliArguments;
  try {
    args = parseCliArguments(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`blixard-migrations: ${err.message}`);
      return 2;
    }
    throw err;
  }
  switch (args.command) {
    case 'help':
      io.out(USAGE.trimEnd());
      return 0;
    case 'version':
      io.out(readVersion());
      return 0;
    case 'history': {
      const [{ runHistory }, { openQueryHistory }] = await Promise.all([import('./history-command'), import('./cli-history')]);
      return runHistory(args, io, openQueryHistory);
    }
    case 'plan': {
      const [{ runPlan }, { buildCliSources }] = await Promise.all([import('./plan-command'), import('./cli-sources')]);
      return runPlan(args, io, { buildSources: buildCliSources });
    }
    case 'run-plan': {
      const [{ runRunPlan }, { buildCliSources }] = await Promise.all([import('./run-plan-command'), import('./cli-sources')]);
      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (stop.signal.aborted) {
          // A second Ctrl-C means "now": FILE.state.json holds where the plan stands.
          io.err(`${signal} again: exiting without waiting (run it again to resume)`);
          process.exit(1);
        }
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        return await runRunPlan(args, io, stop.signal, { buildSources: buildCliSources });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
    case 'serve':
    case 'watch': {
      const [{ runWatch }, { runServe }, { buildCliSources }] = await Promise.all([import('./watch-command'), import('./serve-command'), import('./cli-sources')]);
      const stop = new AbortController();
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          // A second Ctrl-C means "now": the journal already holds what was recorded.
          io.err(`${signal} again: exiting without waiting`);
          process.exit(1);
        }
        stopping = true;
        io.err(`${signal}: writing the history and stopping…`);
        stop.abort();
        // Ctrl-C is honoured within two seconds whatever the watch is waiting on (a server that
        // never answers, thousands of clusters closing): what was recorded is in the journal.
        setTimeout(() => {
          io.err(`${signal}: still stopping after ${FORCED_EXIT_MS / 1000} s; exiting now (the journal keeps what was recorded)`);
          process.exit(1);
        }, FORCED_EXIT_MS).unref();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // A closed stdout (`… | head`) ends the watch like a signal, without an EPIPE crash.
      process.stdout.on('error', () => {
        if (!stopping) onSignal('SIGPIPE');
      });
      try {
        return await (args.command === 'serve' ? runServe(args, io, stop.signal, { buildSources: buildCliSources }) : runWatch(args, io, stop.signal, { buildSources: buildCliSources }));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
  }
}

function readVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Sources may keep sockets or timers alive after they were disposed; the work is done.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (err: unknown) => {
      process.stderr.write(`blixard-migrations: ${describeError(err)}\n`);
      process.exit(1);
    },
  );
}
