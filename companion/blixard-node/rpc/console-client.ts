// `blixard-node console VM --endpoint HOST:PORT`: a VM's serial console on this terminal. Prints
// the console's tail, then live output; sends stdin to the guest (raw mode on a TTY, so keys go
// as typed); Ctrl-] detaches. When the daemon answers `moved` (the VM runs elsewhere, or just
// migrated) it attaches to that node, asking for its whole tail — which holds only what the
// guest printed since it arrived — so the output continues without a gap or a repeat. When the
// daemon serving it goes away (killed, restarted, shutting down) it attaches again — that daemon
// first, then every node of the cluster (GetClusterStatus, read once at the first attach) and any
// it was sent to, with a backoff, for --reconnect-seconds — resuming after the
// last position it printed (ConsoleInput.resume), and says so on one line each way.

import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { ConsoleOutput__Output } from '../../../proto/gen/blixard/ConsoleOutput';
import { loadBlixardPackage } from './grpc-server';
import { MAX_TAIL_BYTES } from './console-service';
import { isOkStatus, isTransientStatus } from './status-table';
import { UsageError } from '../cli-options';
import { ConsoleCursor, ConsoleReconnect, DEFAULT_RECONNECT } from '../../../src/model/console-resume';

export const CONSOLE_USAGE = `Usage: blixard-node console VM --endpoint HOST:PORT [--tail-bytes N] [--reconnect-seconds N] [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]
  Prints VM's serial console (the log's tail, then live output) and sends what you type to the guest;
  follows the VM when it migrates, and attaches again (for up to --reconnect-seconds, default 60;
  0: never) when the daemon serving it goes away. Ctrl-] detaches.
`;

/** Ctrl-]: telnet's and virsh console's escape, rarely needed by a guest. */
const DETACH = 0x1d;
const CHANNEL_OPTIONS = { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 2_000 };

/** How long the one GetClusterStatus that lists the cluster's nodes (for reconnecting) may take. */
const MEMBERS_DEADLINE_MS = 3000;
/** A VM whose nodes keep sending the client on without attaching is given up after this many hops. */
const MAX_HOPS_WITHOUT_ATTACH = 20;

export interface ConsoleArgs {
  vmName: string;
  endpoint: string;
  tailBytes: number;
  /** How long to keep trying to attach again after the stream was cut off; 0: not at all. */
  reconnectSeconds?: number;
  tls?: { caFile: string; certFile?: string; keyFile?: string };
}

export function parseConsoleArgs(argv: string[]): ConsoleArgs {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? (argv[i].split(/=(.*)/s, 2) as [string, string?]) : [argv[i]];
    if (!flag.startsWith('-')) {
      positional.push(flag);
      continue;
    }
    if (!['--endpoint', '--tail-bytes', '--reconnect-seconds', '--tls-ca', '--tls-cert', '--tls-key'].includes(flag)) throw new UsageError(`unknown flag ${flag.slice(0, 60)} for console`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  if (positional.length !== 1) throw new UsageError('console takes one VM name');
  const endpoint = values.get('--endpoint');
  if (!endpoint || !/^.+:\d{1,5}$/.test(endpoint)) throw new UsageError('console needs --endpoint HOST:PORT');
  const tail = values.get('--tail-bytes') ?? '65536';
  if (!/^\d+$/.test(tail) || Number(tail) > MAX_TAIL_BYTES) throw new UsageError(`--tail-bytes must be between 0 and ${MAX_TAIL_BYTES}`);
  const reconnect = values.get('--reconnect-seconds') ?? String(DEFAULT_RECONNECT.giveUpMs / 1000);
  if (!/^\d{1,5}$/.test(reconnect)) throw new UsageError('--reconnect-seconds must be a whole number of seconds (0: never reconnect)');
  const caFile = values.get('--tls-ca');
  const certFile = values.get('--tls-cert');
  const keyFile = values.get('--tls-key');
  if ((certFile || keyFile) && !caFile) throw new UsageError('--tls-cert and --tls-key need --tls-ca');
  if (!!certFile !== !!keyFile) throw new UsageError('--tls-cert and --tls-key go together');
  return { vmName: positional[0], endpoint, tailBytes: Number(tail), reconnectSeconds: Number(reconnect), tls: caFile ? { caFile, certFile, keyFile } : undefined };
}

type Duplex = grpc.ClientDuplexStream<object, ConsoleOutput__Output>;

/** Runs the console until it ends; resolves with the exit code. */
export async function runConsole(args: ConsoleArgs, io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const ConsoleService = loadBlixardPackage().ConsoleService;
  const credentials = args.tls
    ? grpc.credentials.createSsl(readFileSync(args.tls.caFile), args.tls.keyFile ? readFileSync(args.tls.keyFile) : null, args.tls.certFile ? readFileSync(args.tls.certFile) : null)
    : grpc.credentials.createInsecure();
  const clients = new Map<string, grpc.Client>();
  const clientFor = (address: string) => {
    let client = clients.get(address);
    // grpc-js's own channel backoff (1 s growing to 120 s) would keep a restarted daemon's channel in
    // TRANSIENT_FAILURE long after it is back, failing our attempts fast; our rounds decide the pace.
    if (!client) clients.set(address, (client = new ConsoleService(address, credentials, CHANNEL_OPTIONS)));
    return client;
  };
  let current: Duplex | undefined;
  let detached = false;
  // Once the user has seen this VM's console, a later node's whole tail is what followed it.
  let seenConsole = false;
  const note = (text: string) => io.stderr.write(`[console: ${text}]\r\n`);

  const raw = io.stdin.isTTY && typeof io.stdin.setRawMode === 'function';
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const onInput = (chunk: Buffer) => {
    const at = raw ? chunk.indexOf(DETACH) : -1;
    const data = at >= 0 ? chunk.subarray(0, at) : chunk;
    if (data.length) current?.write({ data });
    if (at >= 0) {
      detached = true;
      note('detached');
      current?.cancel();
      finish(0);
    }
  };
  if (raw) io.stdin.setRawMode(true);
  io.stdin.on('data', onInput);

  /** Every node's address, so a reconnect can try the whole cluster, not just the nodes seen so far (best effort). */
  const learnMembers = (address: string) => {
    const cluster = new (loadBlixardPackage().ClusterService)(address, credentials);
    cluster.GetClusterStatus({}, { deadline: Date.now() + MEMBERS_DEADLINE_MS }, (err, res) => {
      cluster.close();
      if (!err) for (const node of res?.nodes ?? []) reconnect.learn(node.address);
    });
  };
  const cursor = new ConsoleCursor();
  const reconnectMs = (args.reconnectSeconds ?? DEFAULT_RECONNECT.giveUpMs / 1000) * 1000;
  const reconnect = new ConsoleReconnect({ ...DEFAULT_RECONNECT, giveUpMs: reconnectMs });
  reconnect.learn(args.endpoint);
  /** The stream was cut off (or an attempt to come back failed): try the next daemon, or give up. */
  const tryAgain = (address: string, why: string) => {
    if (!reconnect.reconnecting) note(`reconnecting to ${args.vmName} (${address}: ${why})`);
    reconnect.lost(address);
    const step = reconnect.next();
    if (!step) {
      note(`gave up reconnecting to ${args.vmName} after ${Math.round(reconnect.elapsedMs() / 1000)} s: ${why}`);
      return finish(1);
    }
    setTimeout(() => attach(step.address, 0), step.delayMs);
  };

  const attach = (address: string, hops: number) => {
    if (detached) return;
    const call = (clientFor(address) as unknown as { AttachConsole(): Duplex }).AttachConsole();
    current = call;
    let next: { address: string; nodeId: string } | undefined;
    let ended = '';
    let attachedHere = false;
    call.on('data', (out: ConsoleOutput__Output) => {
      if (out.attached) {
        attachedHere = true;
        if (!seenConsole) learnMembers(out.attached.address || address);
        seenConsole = true;
        cursor.attached(out.logId, out.position);
        reconnect.learn(out.attached.address);
        if (reconnect.reconnecting) {
          reconnect.succeeded();
          note(`reconnected to ${args.vmName} on node ${out.attached.nodeId}`);
        } else if (hops > 0) note(`${args.vmName} now on node ${out.attached.nodeId}`);
      }
      if (out.data?.length) {
        io.stdout.write(out.data);
        cursor.received(out.position);
      }
      if (out.moved) next = { address: out.moved.address, nodeId: out.moved.nodeId };
      if (out.ended) ended = out.ended;
    });
    // The call's status decides, not 'end' or 'error': grpc-js may end the readable side before it reports a failure.
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => {
      if (detached) return;
      if (!isOkStatus(status.code)) {
        const why = status.details || `the console stream failed (code ${status.code})`;
        // Once the user has a console, a daemon going away is not its end: the VM runs on.
        if (reconnectMs > 0 && (cursor.hasAttached || reconnect.reconnecting) && isTransientStatus(status.code)) return tryAgain(address, why);
        note(why);
        return finish(1);
      }
      if (next) {
        reconnect.learn(next.address);
        const nextHops = attachedHere ? 1 : hops + 1;
        if (nextHops > MAX_HOPS_WITHOUT_ATTACH) {
          note(`${args.vmName} keeps moving between nodes; giving up`);
          return finish(1);
        }
        if (attachedHere) note(`${args.vmName} moved to node ${next.nodeId} (${next.address})`);
        const target = next.address;
        // A node whose view lags may send the client back once; a short pause lets views agree.
        setTimeout(() => attach(target, nextHops), attachedHere ? 0 : 100 * Math.min(nextHops, 10));
        return;
      }
      note(ended || 'the console stream ended');
      finish(0);
    });
    // After a move the new node's whole tail is what followed; after a cut-off, `resume` says where we stopped.
    call.write({ vmName: args.vmName, tailBytes: seenConsole ? MAX_TAIL_BYTES : args.tailBytes, resume: cursor.resume() ?? null });
  };
  attach(args.endpoint, 0);

  const code = await finished;
  io.stdin.off('data', onInput);
  if (raw) io.stdin.setRawMode(false);
  io.stdin.pause();
  for (const client of clients.values()) client.close();
  return code;
}
