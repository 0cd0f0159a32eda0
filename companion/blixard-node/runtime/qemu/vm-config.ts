// What a VM boots with the qemu runtime, and the checks that refuse a VM before anything runs.
// CreateVm's config_path may name a small JSON file (runtime/qemu/README.md):
//   { "kernel": "/path/vmlinuz", "initrd": "/path/initrd.gz", "cmdline": "console=ttyS0 …", "disk": "/path/disk.raw" }
// Every member is optional; without a file (or without "kernel") the VM boots the built-in test guest.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { FailedPreconditionError, InvalidArgumentError, quote } from '../../errors';
import type { RuntimeVmRequest } from '../vm-runtime';
import { builtInTestGuest, type GuestBoot } from './test-guest';
import type { BootReadiness } from './boot-watch';

/** The cloud kernel resets in a loop below about 80 MiB (measured in phase 1). */
export const MIN_GUEST_MEMORY_MB = 80;

export interface VmConfigFile {
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disk?: string;
}

export interface VmBoot {
  boot: GuestBoot;
  disk?: string;
  /** The built-in test guest is up when it prints its boot line; any other guest when it prints its first console line. */
  readyWhen: BootReadiness;
}

const MEMBERS = new Set(['kernel', 'initrd', 'cmdline', 'disk']);
/** A config file is a few paths; anything larger is not one. */
const MAX_CONFIG_BYTES = 64 * 1024;

/** Reads and checks a VM config file; missing → FailedPreconditionError, malformed → InvalidArgumentError. */
export async function readVmConfig(configPath: string): Promise<VmConfigFile> {
  let text: string;
  let handle: fs.promises.FileHandle | undefined;
  try {
    // Opened once and checked through the handle: a FIFO, a device or a huge file named here
    // must not hang or swell the daemon.
    handle = await fs.promises.open(configPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InvalidArgumentError(`VM config file ${quote(configPath)} is not a regular file`);
    if (stat.size > MAX_CONFIG_BYTES) throw new InvalidArgumentError(`VM config file ${quote(configPath)} is ${stat.size} bytes; at most ${MAX_CONFIG_BYTES} are read`);
    text = await handle.readFile('utf8');
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new FailedPreconditionError(`VM config file ${quote(configPath)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    await handle?.close();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`VM config file ${quote(configPath)} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`VM config file ${quote(configPath)} must hold a JSON object with kernel, initrd, cmdline and disk`);
  }
  const config: VmConfigFile = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!MEMBERS.has(key)) throw new InvalidArgumentError(`VM config file ${quote(configPath)}: unknown member ${quote(key)} (known: kernel, initrd, cmdline, disk)`);
    if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`VM config file ${quote(configPath)}: ${key} must be a non-empty string`);
    config[key as keyof VmConfigFile] = value;
  }
  if (!config.kernel && (config.initrd || config.cmdline)) {
    throw new InvalidArgumentError(`VM config file ${quote(configPath)}: initrd and cmdline need a kernel`);
  }
  for (const key of ['kernel', 'initrd', 'disk'] as const) {
    const file = config[key];
    if (file && !fs.existsSync(file)) throw new FailedPreconditionError(`VM config file ${quote(configPath)}: ${key} ${quote(file)} does not exist`);
  }
  return config;
}

/** Refuses what the qemu runtime could never run on this host. */
export async function checkQemuVm(vm: RuntimeVmRequest): Promise<void> {
  if (vm.memoryMb < MIN_GUEST_MEMORY_MB) {
    throw new InvalidArgumentError(
      `VM ${quote(vm.name)} asks for ${vm.memoryMb} MB memory; the qemu runtime needs at least ${MIN_GUEST_MEMORY_MB} MB (the guest kernel does not boot in less)`,
    );
  }
  const hostMb = Math.floor(os.totalmem() / (1024 * 1024));
  if (vm.memoryMb > hostMb) throw new FailedPreconditionError(`VM ${quote(vm.name)} asks for ${vm.memoryMb} MB memory, more than this host has (${hostMb} MB)`);
  const hostCpus = os.cpus().length;
  if (vm.vcpus > hostCpus) throw new FailedPreconditionError(`VM ${quote(vm.name)} asks for ${vm.vcpus} vCPUs, more than this host has (${hostCpus})`);
  if (vm.configPath) await readVmConfig(vm.configPath);
}

/** What QEMU boots for `vm`: its config file's kernel, or the built-in test guest. */
export async function resolveBoot(vm: { name: string; configPath?: string }): Promise<VmBoot> {
  const config = vm.configPath ? await readVmConfig(vm.configPath) : {};
  if (!config.kernel) return { boot: await builtInTestGuest({ hostname: vm.name }), disk: config.disk, readyWhen: 'boot-line' };
  return {
    boot: { kernel: config.kernel, initrd: config.initrd ?? '', append: config.cmdline ?? 'console=ttyS0' },
    disk: config.disk,
    readyWhen: 'console-output',
  };
}
