// A VM's serial console over ConsoleService.AttachConsole, following the VM: the daemon that
// runs it streams the console; any other answers `moved` with the node that does (also the
// source of a live migration once the VM has left), and this attaches there — asking, once the
// user has seen the console, for the new node's whole tail, which holds only what the guest
// printed since it arrived, so nothing is missed or repeated.

import type { ConsoleOutput__Output } from '../../../proto/gen/blixard/ConsoleOutput';
import { describeError } from '../../model/errors';
import type { ConsoleAttachment, ConsoleListener } from '../cluster-source';
import type { BlixardClient, ConsoleCall } from './blixard-client';
import { GrpcStatus, toSourceError } from './grpc-error';

/** What the first attach replays of the console's log (the daemon allows up to 1 MiB). */
export const CONSOLE_TAIL_BYTES = 64 * 1024;
/** After a move: the whole tail of the node the VM arrived on (the daemon's limit). */
const FOLLOW_TAIL_BYTES = 1024 * 1024;
/** Nodes whose views disagree may send the client back and forth briefly; past this, give up. */
const MAX_HOPS_WITHOUT_ATTACH = 20;

const nodeName = (nodeId: string) => `node-${nodeId}`;

export function attachBlixardConsole(client: BlixardClient, vmName: string, listener: ConsoleListener): ConsoleAttachment {
  let current: ConsoleCall | undefined;
  let closed = false;
  let seenConsole = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const end = (reason: string) => {
    if (closed) return;
    closed = true;
    listener.ended(reason);
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
        listener.attached(nodeName(out.attached.nodeId));
      }
      if (out.data?.length) listener.output(out.data);
      if (out.moved) moved = { nodeId: out.moved.nodeId, address: out.moved.address };
      if (out.ended) ended = out.ended;
    });
    // The call's status decides, not 'end' or 'error': grpc-js may end the readable side before it reports a failure.
    call.on('error', () => {});
    call.on('status', (status) => {
      opened.release();
      if (closed) return;
      if (status.code !== GrpcStatus.OK) {
        if (status.code === GrpcStatus.UNAVAILABLE && !attachedHere && fallbacks.length) return attach(fallbacks[0], hops, fallbacks.slice(1));
        return end(toSourceError(status, { cluster: client.clusterName, endpoint: address, action: `attach to the console of ${vmName}`, deadlineMs: 0 }).message);
      }
      if (!moved) return end(ended || 'the console stream ended');
      const nextHops = attachedHere ? 1 : hops + 1;
      if (nextHops > MAX_HOPS_WITHOUT_ATTACH) return end(`${vmName} keeps moving between nodes; try again`);
      if (attachedHere) listener.moved(nodeName(moved.nodeId));
      const target = moved.address;
      // A view that lags may send the client back once: a short pause lets the daemons agree.
      retry = setTimeout(() => attach(target, nextHops), attachedHere ? 0 : 100 * Math.min(nextHops, 10));
    });
    call.write({ vmName, tailBytes: seenConsole ? FOLLOW_TAIL_BYTES : CONSOLE_TAIL_BYTES });
  };
  const [first, ...others] = client.endpointOrder().map((i) => client.endpoints[i].address);
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
