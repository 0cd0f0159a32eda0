// blixard.ConsoleService: a VM's serial console, attached live. The daemon that runs the VM
// serves it (tail, then live output; input to the guest); any other daemon answers `moved` with
// the node that runs it, and so does the source of a live migration once the VM has left — the
// client attaches there, which is how it follows the VM without the user doing anything.
// Daemons never call each other (they coordinate through the store alone), so the client, which
// already holds credentials every daemon of its cluster accepts, does the following. Every
// `data` carries its log position and `attached` the log's id: a client cut off (this daemon
// killed or shutting down — the call then ends UNAVAILABLE, the VM runs on) attaches again with
// `resume` and gets what followed, nothing twice.

import type * as grpc from '@grpc/grpc-js';
import type { ConsoleInput__Output } from '../../../proto/gen/blixard/ConsoleInput';
import type { ConsoleOutput } from '../../../proto/gen/blixard/ConsoleOutput';
import type { NodeContext } from '../agent/node-context';
import { consolesOf, type VmConsole } from '../runtime/vm-console';
import type { VmRecord } from '../state/cluster-records';
import { ACTIVE_VM_STATES } from '../state/cluster-records';
import { DaemonStoppingError, FailedPreconditionError, InvalidArgumentError, NotFoundError, quote } from '../errors';
import { ResourceLimitError } from './call-errors';
import { serializeResponse, type ServiceHandlers } from './grpc-server';
import { PacedStream } from './paced-stream';
import { DEFAULT_STREAM_LIMITS, StreamBufferBudget, type StreamLimits } from './stream-buffer-budget';
import { requireRequest, requireVmName } from './request-validation';
import { toServiceError } from './status-table';
import type { Complete } from './wire-format';

/** The most of a console's log one attach may ask to replay. */
export const MAX_TAIL_BYTES = 1024 * 1024;
/** The most input one message may carry (a large paste arrives in several). */
export const MAX_INPUT_BYTES = 64 * 1024;
/** Output is sent in messages of at most this size (a long tail is split). */
const OUTPUT_CHUNK_BYTES = 64 * 1024;
/**
 * How long an attach waits for the console of a VM the store says runs here: right after a
 * migration the client can arrive before this daemon's agent has taken the VM over.
 */
export const CONSOLE_APPEAR_WAIT_MS = 10_000;

type Output = Complete<ConsoleOutput>;
const NO_OUTPUT: Output = { data: Buffer.alloc(0), attached: null, moved: null, ended: '', logId: '', position: '0' } as unknown as Output;

export function consoleServiceHandlers(ctx: NodeContext, limits: StreamLimits = DEFAULT_STREAM_LIMITS): ServiceHandlers<'ConsoleService'> {
  const { view, log, nodeId } = ctx;
  const consoles = consolesOf(ctx.runtime);
  const budget = new StreamBufferBudget(limits);
  const streamsPerConnection = new Map<string, number>();
  const serialize = (fields: Partial<Output>) => serializeResponse('ConsoleService', 'AttachConsole', { ...NO_OUTPUT, ...fields } as Output);
  const addressOf = (id: number) => view.members.get(id)?.value.address;

  const attachConsole: grpc.handleBidiStreamingCall<unknown, unknown> = (call) => {
    // PacedStream writes, ends and listens; a duplex call does all that as a server stream does.
    const writable = call as unknown as grpc.ServerWritableStream<unknown, unknown>;
    let console: VmConsole | undefined;
    let stream: PacedStream | undefined;
    let opening = false;
    let done = false;
    const cleanups: (() => void)[] = [];
    const cleanUp = () => {
      done = true;
      for (const c of cleanups.splice(0)) c();
    };
    call.on('cancelled', cleanUp);
    call.on('close', cleanUp);
    const refuse = (err: unknown) => {
      if (done) return;
      cleanUp();
      call.emit('error', toServiceError(err, log, 'AttachConsole'));
    };
    /** The last message, then the end of the call (OK). */
    const finish = (fields: Partial<Output>) => {
      if (done) return;
      const out = stream ?? new PacedStream(writable, budget, () => {});
      out.send(serialize(fields));
      cleanUp();
      out.end();
    };
    /** Where the VM is now, from this daemon's view: serve it, send the client on, or end. */
    const whereabouts = (vm: VmRecord | undefined, name: string): 'here' | Partial<Output> => {
      if (!vm) return { ended: `VM ${quote(name)} was deleted` };
      if (vm.nodeId === nodeId) {
        if (vm.state === 'RUNNING') return 'here';
        return { ended: vm.state === 'FAILED' ? `VM ${quote(name)} failed${vm.stateMessage ? `: ${vm.stateMessage}` : ''}` : `VM ${quote(name)} is ${vm.state.toLowerCase()}` };
      }
      const address = addressOf(vm.nodeId);
      if (ACTIVE_VM_STATES.has(vm.state) && address) return { moved: { nodeId: String(vm.nodeId), address } };
      return { ended: `VM ${quote(name)} is ${vm.state.toLowerCase()} on node ${vm.nodeId}` };
    };

    const open = async (req: ReturnType<typeof requireRequest<ConsoleInput__Output>>) => {
      const name = requireVmName(req.vmName, 'vm_name');
      const tailBytes = req.tailBytes ?? 0;
      if (typeof tailBytes !== 'number' || !Number.isInteger(tailBytes) || tailBytes < 0 || tailBytes > MAX_TAIL_BYTES) {
        throw new InvalidArgumentError(`tail_bytes must be between 0 and ${MAX_TAIL_BYTES}`);
      }
      const resume = parseResume(req.resume);
      const first = view.vms.get(name)?.value;
      if (!first) throw new NotFoundError(`VM ${quote(name)} not found`);
      const where = whereabouts(first, name);
      if (where !== 'here') {
        if (where.moved) return finish(where);
        throw new FailedPreconditionError(`VM ${quote(name)} is not running (${first.state.toLowerCase()})`);
      }
      const connection = call.getPeer();
      const openStreams = streamsPerConnection.get(connection) ?? 0;
      if (openStreams >= limits.maxStreamsPerConnection) {
        throw new ResourceLimitError(`this connection already has ${openStreams} console streams open (the daemon's limit per connection); close one first`);
      }
      streamsPerConnection.set(connection, openStreams + 1);
      cleanups.push(() => {
        const left = (streamsPerConnection.get(connection) ?? 1) - 1;
        if (left > 0) streamsPerConnection.set(connection, left);
        else streamsPerConnection.delete(connection);
      });
      const found = await waitForConsole(name);
      if (done) return;
      const now = whereabouts(view.vms.get(name)?.value, name);
      if (now !== 'here') return finish(now);
      if (!found) throw new FailedPreconditionError(`VM ${quote(name)} has no serial console on node ${nodeId} (runtime ${ctx.runtime.kind})`);
      console = found;
      stream = new PacedStream(writable, budget, cleanUp);
      // Output up to `sent` has gone; live chunks are cut to what follows it, so the replay and a
      // chunk the log's follower read at the same moment never send the same byte twice.
      let sent = -1;
      const send = (data: Buffer, end: number) => {
        const fresh = sent < 0 ? data : data.subarray(Math.max(0, data.length - (end - sent)));
        if (end <= sent || fresh.length === 0) return;
        for (let at = 0; at < fresh.length; at += OUTPUT_CHUNK_BYTES) {
          const piece = fresh.subarray(at, at + OUTPUT_CHUNK_BYTES);
          stream?.send(serialize({ data: piece, position: String(end - fresh.length + at + piece.length) }));
        }
        sent = end;
      };
      // Resuming: what followed on this log, or this log's current life (the client read another, on another node or an earlier life).
      const replay = found.read(resume?.logId === found.logId ? resume.position : undefined, resume ? MAX_TAIL_BYTES : tailBytes);
      // `position` with `attached`: where the replay begins, what a client that receives nothing more resumes from.
      stream.send(serialize({ attached: { nodeId: String(nodeId), address: addressOf(nodeId) ?? '' }, logId: found.logId, position: String(replay.end - replay.data.length) }));
      send(replay.data, replay.end);
      if (sent < 0) sent = replay.end;
      cleanups.push(found.onData(send));
      const subscription = view.onChange((changes) => {
        if (changes.some((c) => c.kind === 'vm' && c.name === name)) {
          const next = whereabouts(view.vms.get(name)?.value, name);
          if (next === 'here') return;
          // The VM left (or stopped): what the log got since its follower last read goes first —
          // the guest's last lines here, printed just before the switchover.
          const rest = found.read(Math.max(0, sent), MAX_TAIL_BYTES);
          send(rest.data, rest.end);
          finish(next);
        }
      });
      cleanups.push(() => subscription.dispose());
      // UNAVAILABLE, not `ended`: the VM runs on (a QEMU outlives its daemon), so the client comes back.
      const onShutdown = () => refuse(new DaemonStoppingError());
      ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
      cleanups.push(() => ctx.shutdown.removeEventListener('abort', onShutdown));
      if (Buffer.isBuffer(req.data) && req.data.length) found.write(req.data);
    };

    /** The VM's console, once the runtime has it (undefined: none came in time). */
    const waitForConsole = async (name: string): Promise<VmConsole | undefined> => {
      const deadline = Date.now() + CONSOLE_APPEAR_WAIT_MS;
      for (;;) {
        const found = consoles?.open(name);
        if (found || !consoles || done || Date.now() >= deadline || ctx.shutdown.aborted) return found;
        if (whereabouts(view.vms.get(name)?.value, name) !== 'here') return undefined;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    call.on('data', (raw: unknown) => {
      if (done) return;
      try {
        const req = requireRequest<ConsoleInput__Output>(raw);
        if (!opening) {
          opening = true;
          open(req).catch(refuse);
          return;
        }
        const data = req.data;
        if (!Buffer.isBuffer(data)) throw new InvalidArgumentError('data must be bytes');
        if (data.length > MAX_INPUT_BYTES) throw new InvalidArgumentError(`data must be at most ${MAX_INPUT_BYTES} bytes per message (got ${data.length})`);
        // Input that arrives before the console is attached (or after it ended) has no guest to go to.
        if (data.length) console?.write(data);
      } catch (err) {
        refuse(err);
      }
    });
  };

  return { AttachConsole: attachConsole };
}

/** The resume field, checked: the log id and position an earlier attach reported. */
function parseResume(raw: unknown): { logId: string; position: number } | undefined {
  if (raw === null || raw === undefined) return undefined;
  const { logId, position } = raw as { logId?: unknown; position?: unknown };
  if (typeof logId !== 'string' || logId.length > 64 || !/^\d{1,15}$/.test(String(position))) {
    throw new InvalidArgumentError('resume needs the log_id (at most 64 characters) and the position an earlier attach reported');
  }
  return { logId, position: Number(position) };
}
