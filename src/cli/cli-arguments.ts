// Turns argv into one typed command, or a UsageError whose message is the one line to print.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';
import { DEFAULT_LISTEN, parseListenAddress, refusalOf, type ListenAddress } from '../serve/listen-address';
import { planIdProblem } from '../model/plan-id';

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

export type HistoryFilter = { kind: 'all' } | { kind: 'active' } | { kind: 'id'; id: string } | { kind: 'vm'; vm: string } | { kind: 'datacenter'; datacenter: string } | { kind: 'plan'; planId: string };

export interface HistoryArguments {
  command: 'history';
  db: string;
  filter: HistoryFilter;
  limit?: number;
  json: boolean;
}

/** Which clusters a command reaches: the same flags as `watch`. */
export type ClusterArguments = Omit<WatchArguments, 'command' | 'db'>;

export interface PlanArguments extends ClusterArguments {
  command: 'plan';
  request: { kind: 'evacuate'; nodeId: string } | { kind: 'rebalance'; threshold?: number } | { kind: 'migrate'; vmIds: string[]; to: { node: string } | 'spread' | 'any' };
  /** The cluster's name (--blixard NAME or kubeconfig context) when more than one is given. */
  cluster?: string;
  out?: string;
  concurrency: { perCluster?: number; perSourceNode?: number };
  window: { notBefore?: string; notAfter?: string };
  stopOnFailure: boolean;
}

export interface RunPlanArguments extends ClusterArguments {
  command: 'run-plan';
  file: string;
  dryRun: boolean;
  db?: string;
}

export interface ServeArguments extends ClusterArguments {
  command: 'serve';
  db: string;
  listen: ListenAddress;
  tokenFile?: string;
  tls?: { certFile: string; keyFile: string };
  readOnly: boolean;
  insecure: boolean;
  /** Requests per second per client address (0: no limit); undefined: the server's default. */
  rateLimit?: number;
}

export type CliArguments = ServeArguments | WatchArguments | HistoryArguments | PlanArguments | RunPlanArguments | { command: 'help' } | { command: 'version' };

const COMMON = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const CLUSTER_OPTIONS = {
  kubeconfig: { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
  blixard: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

const WATCH_OPTIONS = {
  ...COMMON,
  db: { type: 'string' },
  ...CLUSTER_OPTIONS,
} as const satisfies ParseArgsConfig['options'];

const SERVE_OPTIONS = {
  ...WATCH_OPTIONS,
  listen: { type: 'string' },
  'token-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'read-only': { type: 'boolean' },
  insecure: { type: 'boolean' },
  'rate-limit': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const HISTORY_OPTIONS = {
  ...COMMON,
  db: { type: 'string' },
  active: { type: 'boolean' },
  id: { type: 'string' },
  vm: { type: 'string' },
  datacenter: { type: 'string' },
  plan: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const PLAN_OPTIONS = {
  ...COMMON,
  ...CLUSTER_OPTIONS,
  cluster: { type: 'string' },
  node: { type: 'string' },
  threshold: { type: 'string' },
  vm: { type: 'string', multiple: true },
  to: { type: 'string' },
  spread: { type: 'boolean' },
  any: { type: 'boolean' },
  out: { type: 'string' },
  'per-cluster': { type: 'string' },
  'per-source-node': { type: 'string' },
  'not-before': { type: 'string' },
  'not-after': { type: 'string' },
  'stop-on-failure': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const RUN_PLAN_OPTIONS = {
  ...COMMON,
  ...CLUSTER_OPTIONS,
  'dry-run': { type: 'boolean' },
  db: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const ENDPOINT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

export function parseCliArguments(argv: readonly string[]): CliArguments {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('a command is needed: watch, serve, history, plan or run-plan (see --help)');
  if (first === '-h' || first === '--help' || first === 'help') return { command: 'help' };
  if (first === '--version') return { command: 'version' };
  switch (first) {
    case 'watch':
      return parseWatch(rest);
    case 'history':
      return parseHistory(rest);
    case 'serve':
      return parseServe(rest);
    case 'plan':
      return parsePlan(rest);
    case 'run-plan':
      return parseRunPlan(rest);
    default:
      throw new UsageError(first.startsWith('-') ? `unknown option ${quote(first)} before the command (see --help)` : `unknown command ${quote(first)}: use watch, serve, history, plan or run-plan (see --help)`);
  }
}

function parseWatch(args: string[]): CliArguments {
  const { values } = parseStrict(args, WATCH_OPTIONS);
  if (values.help) return { command: 'help' };
  const db = requireDb(values.db);
  return { command: 'watch', db, ...parseClusterArguments(values) };
}

function parseServe(args: string[]): CliArguments {
  const { values } = parseStrict(args, SERVE_OPTIONS);
  if (values.help) return { command: 'help' };
  const db = requireDb(values.db);
  let listen = DEFAULT_LISTEN;
  if (values.listen !== undefined) {
    const parsed = parseListenAddress(values.listen);
    if (!parsed) throw new UsageError(`--listen needs HOST:PORT (or [IPv6]:PORT), not ${quote(values.listen)}`);
    listen = parsed;
  }
  const cert = values['tls-cert'] === undefined ? undefined : nonEmpty([values['tls-cert']], '--tls-cert')[0];
  const key = values['tls-key'] === undefined ? undefined : nonEmpty([values['tls-key']], '--tls-key')[0];
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tokenFile = values['token-file'] === undefined ? undefined : nonEmpty([values['token-file']], '--token-file')[0];
  const readOnly = values['read-only'] === true;
  const clusters = parseClusterArguments(values);
  if (readOnly && (clusters.blixard.length > 0 || clusters.kubeconfig.length > 0 || clusters.contexts.length > 0)) throw new UsageError('--read-only serves the history without watching: it takes no cluster options');
  const insecure = values.insecure === true;
  const refusal = refusalOf(listen, { tls: cert !== undefined, token: tokenFile !== undefined, insecure });
  if (refusal) throw new UsageError(refusal);
  let rateLimit: number | undefined;
  if (values['rate-limit'] !== undefined) {
    rateLimit = Number(values['rate-limit']);
    if (!/^\d{1,7}$/.test(values['rate-limit'])) throw new UsageError(`--rate-limit needs requests per second per client (0: none), not ${quote(values['rate-limit'])}`);
  }
  return {
    command: 'serve',
    db,
    listen,
    ...(tokenFile !== undefined ? { tokenFile } : {}),
    ...(cert !== undefined && key !== undefined ? { tls: { certFile: cert, keyFile: key } } : {}),
    readOnly,
    insecure,
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...clusters,
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
  if (values.plan !== undefined) {
    const problem = planIdProblem(values.plan);
    if (problem) throw new UsageError(`--plan ${quote(values.plan)}: ${problem}`);
    filters.push({ kind: 'plan', planId: values.plan });
  }
  if (filters.length > 1) throw new UsageError('give at most one of --active, --id, --vm, --datacenter, --plan');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit needs a whole number of at least 1, not ${quote(values.limit)}`);
  }
  return { command: 'history', db: requireDb(values.db), filter: filters[0] ?? { kind: 'all' }, limit, json: values.json === true };
}

function parseClusterArguments(values: { kubeconfig?: string[]; context?: string[]; blixard?: string[] }): ClusterArguments {
  const blixard = (values.blixard ?? []).map(parseBlixardArgument);
  const names = new Set<string>();
  for (const b of blixard) {
    if (names.has(b.name)) throw new UsageError(`--blixard ${quote(b.name)} is given twice`);
    names.add(b.name);
  }
  return { kubeconfig: nonEmpty(values.kubeconfig ?? [], '--kubeconfig'), contexts: nonEmpty(values.context ?? [], '--context'), blixard };
}

function parsePlan(args: string[]): CliArguments {
  const [what, ...rest] = args;
  if (what === '-h' || what === '--help') return { command: 'help' };
  if (what !== 'evacuate' && what !== 'rebalance' && what !== 'migrate') throw new UsageError(`plan needs what to plan: evacuate, rebalance or migrate${what ? `, not ${quote(what)}` : ''} (see --help)`);
  const { values } = parseStrict(rest, PLAN_OPTIONS);
  if (values.help) return { command: 'help' };
  const allowed: Record<typeof what, string[]> = { evacuate: ['node'], rebalance: ['threshold'], migrate: ['vm', 'to', 'spread', 'any'] };
  for (const flag of ['node', 'threshold', 'vm', 'to', 'spread', 'any'] as const) {
    if (values[flag] !== undefined && !allowed[what].includes(flag)) throw new UsageError(`--${flag} does not go with plan ${what} (see --help)`);
  }
  let request: PlanArguments['request'];
  if (what === 'evacuate') {
    if (values.node === undefined) throw new UsageError('plan evacuate needs --node N');
    request = { kind: 'evacuate', nodeId: nonEmpty([values.node], '--node')[0].trim() };
  } else if (what === 'rebalance') {
    request = { kind: 'rebalance', ...(values.threshold !== undefined ? { threshold: parseThreshold(values.threshold) } : {}) };
  } else {
    const vmIds = nonEmpty(values.vm ?? [], '--vm').map((v) => v.trim());
    if (vmIds.length === 0) throw new UsageError('plan migrate needs at least one --vm NAME');
    const targets = [values.to !== undefined, values.spread === true, values.any === true].filter(Boolean).length;
    if (targets !== 1) throw new UsageError('plan migrate needs one of --to NODE, --spread or --any');
    request = { kind: 'migrate', vmIds, to: values.to !== undefined ? { node: nonEmpty([values.to], '--to')[0].trim() } : values.spread ? 'spread' : 'any' };
  }
  const window: PlanArguments['window'] = {};
  if (values['not-before'] !== undefined) window.notBefore = parseTime(values['not-before'], '--not-before');
  if (values['not-after'] !== undefined) window.notAfter = parseTime(values['not-after'], '--not-after');
  if (window.notBefore && window.notAfter && Date.parse(window.notBefore) >= Date.parse(window.notAfter)) throw new UsageError('--not-before must come before --not-after');
  return {
    command: 'plan',
    request,
    ...parseClusterArguments(values),
    ...(values.cluster !== undefined ? { cluster: nonEmpty([values.cluster], '--cluster')[0] } : {}),
    ...(values.out !== undefined ? { out: nonEmpty([values.out], '--out')[0] } : {}),
    concurrency: {
      ...(values['per-cluster'] !== undefined ? { perCluster: parseCount(values['per-cluster'], '--per-cluster') } : {}),
      ...(values['per-source-node'] !== undefined ? { perSourceNode: parseCount(values['per-source-node'], '--per-source-node') } : {}),
    },
    window,
    stopOnFailure: values['stop-on-failure'] === true,
  };
}

function parseRunPlan(args: string[]): CliArguments {
  const { values, positionals } = parseStrictWithFile(args, RUN_PLAN_OPTIONS);
  if (values.help) return { command: 'help' };
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'run-plan needs the plan FILE' : `run-plan takes one plan FILE, not ${positionals.length}`);
  return {
    command: 'run-plan',
    file: nonEmpty(positionals, 'FILE')[0],
    dryRun: values['dry-run'] === true,
    ...(values.db !== undefined ? { db: requireDb(values.db) } : {}),
    ...parseClusterArguments(values),
  };
}

/** "10%", "0.1" or "10" (percentage points): the spread of use a rebalance may leave. */
function parseThreshold(text: string): number {
  const percent = text.trim().endsWith('%');
  const value = Number(text.trim().replace(/%$/, ''));
  const fraction = percent || value > 1 ? value / 100 : value;
  if (!/^\d+(\.\d+)?%?$/.test(text.trim()) || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) throw new UsageError(`--threshold needs a share such as 10% or 0.1, not ${quote(text)}`);
  return fraction;
}

function parseTime(text: string, flag: string): string {
  const at = Date.parse(text);
  if (!/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(at)) throw new UsageError(`${flag} needs an ISO-8601 time such as 2026-12-05T22:00:00Z, not ${quote(text)}`);
  return new Date(at).toISOString();
}

function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000) throw new UsageError(`${flag} needs a whole number from 1 to 1000, not ${quote(text)}`);
  return n;
}

function parseStrictWithFile<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(explainParseError(err));
  }
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
