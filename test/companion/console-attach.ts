// A raw ConsoleService.AttachConsole call for the console tests, collecting what the daemon sends.
// Not a test file itself.

import * as grpc from '@grpc/grpc-js';
import type { ConsoleOutput__Output } from '../../proto/gen/blixard/ConsoleOutput';
import { loadBlixardPackage } from '../../companion/blixard-node/rpc/grpc-server';

type Duplex = grpc.ClientDuplexStream<object, ConsoleOutput__Output>;

export interface AttachedConsole {
  call: Duplex;
  messages: ConsoleOutput__Output[];
  text: () => string;
  error: () => grpc.ServiceError | undefined;
  ended: () => boolean;
}

/** Opens the call on `endpoint` and sends `first` (vm_name, tail_bytes, resume). */
export function attachConsole(endpoint: string, first: object): AttachedConsole {
  const client = new (loadBlixardPackage().ConsoleService)(endpoint, grpc.credentials.createInsecure());
  const call = (client as unknown as { AttachConsole(): Duplex }).AttachConsole();
  const messages: ConsoleOutput__Output[] = [];
  let error: grpc.ServiceError | undefined;
  let ended = false;
  call.on('data', (m: ConsoleOutput__Output) => messages.push(m));
  call.on('error', (e: grpc.ServiceError) => (error = e));
  call.on('end', () => {
    ended = true;
    client.close();
  });
  call.write(first);
  return { call, messages, text: () => Buffer.concat(messages.map((m) => m.data)).toString('utf8'), error: () => error, ended: () => ended || !!error };
}

/** The heartbeat counters in a console's text, in order (simulated and QEMU test guests alike). */
export function heartbeats(text: string): number[] {
  return [...text.matchAll(/heartbeat (\d+)/g)].map((m) => Number(m[1]));
}
