// A VM's serial console over ConsoleService.AttachConsole, following the VM: the daemon that
// runs it streams the console; any other answers `moved` with the node that does (also the
// source of a live migration once the VM has left), and this attaches there — asking, once the
// user has seen the console, for the new node's whole tail, which holds only what the guest
// printed since it arrived, so nothing is missed or repeated. When the daemon serving the stream
// goes away (killed, restarted, shutting down) the VM runs on: this attaches again — that daemon
// first, then the cluster's other endpoints, with a backoff, for a bounded time — resuming after
// the last position received (ConsoleInput.resume), and tells the listener each way.

import type { ConsoleOutput__Output } from '../../../proto/gen/blixard/ConsoleOutput';
import { describeError } from '../../model/errors';
import { ConsoleCursor, ConsoleReconnect, DEFAULT_RECONNECT } from '../../model/console-resume';
import type { ConsoleAttachment, ConsoleListener } from '../cluster-source';
import type { BlixardClient, ConsoleCall } from './blixard-client';
import { GrpcStatus, toSourceError } from './grpc-error';

/** What the first attach replays of the console's log (the daemon allows up to 1 MiB). */
export const CONSOLE_TAIL_BYTES = 64 * 1024;
/** After a move: the whole tail of the node the VM arrived on (the daemon's limit). */
const FOLLOW_TAIL_BYTES = 1024 * 1024;
/** Nodes whose views disagree may send the client back and forth briefly; past this, give up. */
const MAX_HOPS_WITHOUT_ATTACH = 20;
/** Failures a daemon going away (or coming back) produces; anything else is the cluster's answer. */
const TRANSIENT = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN, GrpcStatus.ABORTED]);

const nodeName = (nodeId: string) => `node-${nodeId}`;

export interface ConsoleFollowOptions {
  /** How long to keep trying to attach again after the stream was cut off (default 60 s; 0: never). */
  reconnectMs?: number;
}

export function attachBlixardConsole(client: BlixardClient, vmName: string, listener: ConsoleListener, options: ConsoleFollowOptions = {}): ConsoleAttachment {
  let current: ConsoleCall | undefined;
  let closed = false;
  let seenConsole = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const cursor = new ConsoleCursor();
  const reconnectMs = options.reconnectMs ?? DEFAULT_RECONNECT.giveUpMs;
  const reconnect = new ConsoleReconnect({ ...DEFAULT_RECONNECT, giveUpMs: reconnectMs });
  const end = (reason: string) => {
    if (closed) return;
    closed = true;
    listener.ended(reason);
  };
  const later = (ms: number, then: () => void) => {
    retry = setTimeout(then, ms);
  };
  /** The stream was cut off (or an attempt to come back failed): the next daemon, or the end. */
  const tryAgain = (address: string, why: string) => {
    if (!reconnect.reconnecting) listener.reconnecting(`${vmName} (${address}: ${why})`);
    reconnect.lost(address);
    const step = reconnect.next();
    if (!step) return end(`gave up reconnecting to ${vmName} after ${Math.round(reconnect.elapsedMs() / 1000)} s: ${why}`);
    later(step.delayMs, () => attach(step.address, 0));
  };

  /** `fallbacks`: the cluster's other endpoints, tried in turn while none has answered (one may be down). */
  const attach = (address: string, hops: number, fallbacks: readonly string[] = []) => {
    if (closed) return;
    let opened: ConsoleCall;
    try {
      opened = client.openConsole(address);
    } catch (err) {
      return end(describeError(err));
    }
    current = opened;
    const { call } = opened;
    let moved: { nodeId: string; address: string } | undefined;
    let ended = '';
    let attachedHere = false;
    call.on('data', (out: ConsoleOutput__Output) => {
      if (closed) return;
      if (out.attached) {
        attachedHere = true;
        seenConsole = true;
        cursor.attached(out.logId, out.position);
        reconnect.learn(out.attached.address);
        if (reconnect.reconnecting) {
          reconnect.succeeded();
          listener.reconnected(nodeName(out.attached.nodeId));
        } else listener.attached(nodeName(out.attached.nodeId));
      }
      if (out.data?.length) {
        listener.output(out.data);
        cursor.received(out.position);
      }
      if (out.moved) moved = { nodeId: out.moved.nodeId, address: out.moved.address };
      if (out.ended) ended = out.ended;
    });
    // The call's status decides, not 'end' or 'error': grpc-js may end the readable side before it reports a failure.
    call.on('error', () => {});
    call.on('status', (status) => {
      opened.release();
      if (closed) return;
      if (status.code !== GrpcStatus.OK) {
        // Once the user has a console, a daemon going away is not its end: the VM runs on.
        if (reconnectMs > 0 && (cursor.hasAttached || reconnect.reconnecting) && TRANSIENT.has(status.code)) return tryAgain(address, status.details || `code ${status.code}`);
        if (status.code === GrpcStatus.UNAVAILABLE && !attachedHere && fallbacks.length) return attach(fallbacks[0], hops, fallbacks.slice(1));
        return end(toSourceError(status, { cluster: client.clusterName, endpoint: address, action: `attach to the console of ${vmName}`, deadlineMs: 0 }).message);
      }
      if (!moved) return end(ended || 'the console stream ended');
      reconnect.learn(moved.address);
      const nextHops = attachedHere ? 1 : hops + 1;
      if (nextHops > MAX_HOPS_WITHOUT_ATTACH) return end(`${vmName} keeps moving between nodes; try again`);
      if (attachedHere) listener.moved(nodeName(moved.nodeId));
      const target = moved.address;
      // A view that lags may send the client back once: a short pause lets the daemons agree.
      later(attachedHere ? 0 : 100 * Math.min(nextHops, 10), () => attach(target, nextHops));
    });
    // After a move the new node's whole tail is what followed; after a cut-off, `resume` says where we stopped.
    call.write({ vmName, tailBytes: seenConsole ? FOLLOW_TAIL_BYTES : CONSOLE_TAIL_BYTES, resume: cursor.resume() ?? null });
  };
  const [first, ...others] = client.endpointOrder().map((i) => client.endpoints[i].address);
  for (const e of client.endpoints) reconnect.learn(e.address);
  if (first === undefined) end(`Blixard cluster "${client.clusterName}" has no endpoints`);
  else attach(first, 0, others);

  return {
    write(data: string) {
      if (!closed && data) current?.call.write({ data: Buffer.from(data, 'utf8') });
    },
    dispose() {
      if (retry) clearTimeout(retry);
      const call = current?.call;
      end('detached');
      call?.cancel();
    },
  };
}
