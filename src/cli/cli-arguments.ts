// Turns argv into one typed command, or a UsageError whose message is the one line to print.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

export interface BlixardClusterArgument {
  name: string;
  endpoints: string[];
}

export interface WatchArguments {
  command: 'watch';
  db: string;
  kubeconfig: string[];
  contexts: string[];
  blixard: BlixardClusterArgument[];
}

export type HistoryFilter = { kind: 'all' } | { kind: 'active' } | { kind: 'id'; id: string } | { kind: 'vm'; vm: string } | { kind: 'datacenter'; datacenter: string };

export interface HistoryArguments {
  command: 'history';
  db: string;
  filter: HistoryFilter;
  limit?: number;
  json: boolean;
}

export type CliArguments = WatchArguments | HistoryArguments | { command: 'help' } | { command: 'version' };

const COMMON = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const WATCH_OPTIONS = {
  ...COMMON,
  db: { type: 'string' },
  kubeconfig: { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
  blixard: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

const HISTORY_OPTIONS = {
  ...COMMON,
  db: { type: 'string' },
  active: { type: 'boolean' },
  id: { type: 'string' },
  vm: { type: 'string' },
  datacenter: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const ENDPOINT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

export function parseCliArguments(argv: readonly string[]): CliArguments {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('a command is needed: watch or history (see --help)');
  if (first === '-h' || first === '--help' || first === 'help') return { command: 'help' };
  if (first === '--version') return { command: 'version' };
  switch (first) {
    case 'watch':
      return parseWatch(rest);
    case 'history':
      return parseHistory(rest);
    default:
      throw new UsageError(first.startsWith('-') ? `unknown option ${quote(first)} before the command (see --help)` : `unknown command ${quote(first)}: use watch or history (see --help)`);
  }
}

function parseWatch(args: string[]): CliArguments {
  const { values } = parseStrict(args, WATCH_OPTIONS);
  if (values.help) return { command: 'help' };
  const blixard = (values.blixard ?? []).map(parseBlixardArgument);
  const names = new Set<string>();
  for (const b of blixard) {
    if (names.has(b.name)) throw new UsageError(`--blixard ${quote(b.name)} is given twice`);
    names.add(b.name);
  }
  return {
    command: 'watch',
    db: requireDb(values.db),
    kubeconfig: nonEmpty(values.kubeconfig ?? [], '--kubeconfig'),
    contexts: nonEmpty(values.context ?? [], '--context'),
    blixard,
  };
}

function parseHistory(args: string[]): CliArguments {
  const { values } = parseStrict(args, HISTORY_OPTIONS);
  if (values.help) return { command: 'help' };
  const filters: HistoryFilter[] = [];
  if (values.active) filters.push({ kind: 'active' });
  if (values.id !== undefined) filters.push({ kind: 'id', id: nonEmpty([values.id], '--id')[0] });
  if (values.vm !== undefined) filters.push({ kind: 'vm', vm: nonEmpty([values.vm], '--vm')[0] });
  if (values.datacenter !== undefined) filters.push({ kind: 'datacenter', datacenter: nonEmpty([values.datacenter], '--datacenter')[0] });
  if (filters.length > 1) throw new UsageError('give at most one of --active, --id, --vm, --datacenter');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit needs a whole number of at least 1, not ${quote(values.limit)}`);
  }
  return { command: 'history', db: requireDb(values.db), filter: filters[0] ?? { kind: 'all' }, limit, json: values.json === true };
}

function parseStrict<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(explainParseError(err));
  }
}

/** Node's parseArgs messages are long and suggest `--`; say the problem in one short line. */
function explainParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = String(e?.message ?? err).split('\n')[0];
  const quoted = /'([^']*)'/.exec(message)?.[1];
  switch (e?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quote(quoted ?? message)} (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quote(quoted ?? message)} (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = /Option '([^']*)'/.exec(message)?.[1]?.split(' ')[0] ?? 'an option';
      if (/argument missing/.test(message)) return `${option} needs a value (see --help)`;
      if (/ambiguous/.test(message)) return `${option} needs a value, not another option (write ${option}=-VALUE for a value starting with "-")`;
      return `${option} takes no value (see --help)`;
    }
    default:
      return `${message} (see --help)`;
  }
}

function parseBlixardArgument(value: string): BlixardClusterArgument {
  const eq = value.indexOf('=');
  const name = eq > 0 ? value.slice(0, eq).trim() : '';
  const endpoints = eq > 0 ? value.slice(eq + 1).split(',').map((e) => e.trim()).filter(Boolean) : [];
  if (!name || endpoints.length === 0) throw new UsageError(`--blixard needs NAME=HOST:PORT[,HOST:PORT], not ${quote(value)}`);
  for (const endpoint of endpoints) {
    const port = Number(ENDPOINT.exec(endpoint)?.[2]);
    if (!(port > 0 && port < 65536)) throw new UsageError(`--blixard ${quote(name)}: ${quote(endpoint)} is not HOST:PORT`);
  }
  return { name, endpoints };
}

function requireDb(db: string | undefined): string {
  if (db === undefined || db.trim() === '') throw new UsageError('--db FILE is required (see --help)');
  return db;
}

function nonEmpty(values: string[], flag: string): string[] {
  for (const v of values) if (v.trim() === '') throw new UsageError(`${flag} needs a value (see --help)`);
  return values;
}

function quote(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown);
}
