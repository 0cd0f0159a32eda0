// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ConsoleInput as _blixard_ConsoleInput, ConsoleInput__Output as _blixard_ConsoleInput__Output } from '../blixard/ConsoleInput';
import type { ConsoleOutput as _blixard_ConsoleOutput, ConsoleOutput__Output as _blixard_ConsoleOutput__Output } from '../blixard/ConsoleOutput';

/**
 * The VMs' serial consoles: a service of its own, since a console is neither upstream's
 * ClusterService nor migration bookkeeping, and a daemon without it answers UNIMPLEMENTED.
 */
export interface ConsoleServiceClient extends grpc.Client {
  /**
   * The client's first message names the VM and how much of its console log to replay
   * (vm_name, tail_bytes); every later one carries input for the guest's serial port (data).
   * On the node that runs the VM the server sends `attached`, then the log's tail, then live
   * output, each as `data`. When the VM runs on another node — from the start, or because it
   * migrated there — the server's last message is `moved` (that node's id and address) and the
   * call ends OK: the client attaches there and so follows the VM. When the VM stops or is
   * deleted, the last message is `ended` with the reason. The tail holds only what the guest
   * printed since it booted or arrived on that node. A daemon shutting down ends the call
   * UNAVAILABLE (the VM runs on), as a killed one does: the client attaches again, with `resume`.
   */
  AttachConsole(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_blixard_ConsoleInput, _blixard_ConsoleOutput__Output>;
  AttachConsole(options?: grpc.CallOptions): grpc.ClientDuplexStream<_blixard_ConsoleInput, _blixard_ConsoleOutput__Output>;
  /**
   * The client's first message names the VM and how much of its console log to replay
   * (vm_name, tail_bytes); every later one carries input for the guest's serial port (data).
   * On the node that runs the VM the server sends `attached`, then the log's tail, then live
   * output, each as `data`. When the VM runs on another node — from the start, or because it
   * migrated there — the server's last message is `moved` (that node's id and address) and the
   * call ends OK: the client attaches there and so follows the VM. When the VM stops or is
   * deleted, the last message is `ended` with the reason. The tail holds only what the guest
   * printed since it booted or arrived on that node. A daemon shutting down ends the call
   * UNAVAILABLE (the VM runs on), as a killed one does: the client attaches again, with `resume`.
   */
  attachConsole(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_blixard_ConsoleInput, _blixard_ConsoleOutput__Output>;
  attachConsole(options?: grpc.CallOptions): grpc.ClientDuplexStream<_blixard_ConsoleInput, _blixard_ConsoleOutput__Output>;
  
}

/**
 * The VMs' serial consoles: a service of its own, since a console is neither upstream's
 * ClusterService nor migration bookkeeping, and a daemon without it answers UNIMPLEMENTED.
 */
export interface ConsoleServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The client's first message names the VM and how much of its console log to replay
   * (vm_name, tail_bytes); every later one carries input for the guest's serial port (data).
   * On the node that runs the VM the server sends `attached`, then the log's tail, then live
   * output, each as `data`. When the VM runs on another node — from the start, or because it
   * migrated there — the server's last message is `moved` (that node's id and address) and the
   * call ends OK: the client attaches there and so follows the VM. When the VM stops or is
   * deleted, the last message is `ended` with the reason. The tail holds only what the guest
   * printed since it booted or arrived on that node. A daemon shutting down ends the call
   * UNAVAILABLE (the VM runs on), as a killed one does: the client attaches again, with `resume`.
   */
  AttachConsole: grpc.handleBidiStreamingCall<_blixard_ConsoleInput__Output, _blixard_ConsoleOutput>;
  
}

export interface ConsoleServiceDefinition extends grpc.ServiceDefinition {
  AttachConsole: MethodDefinition<_blixard_ConsoleInput, _blixard_ConsoleOutput, _blixard_ConsoleInput__Output, _blixard_ConsoleOutput__Output>
}
