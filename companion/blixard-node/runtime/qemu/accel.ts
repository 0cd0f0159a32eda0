// Which accelerator QEMU gets. KVM when it really works, TCG otherwise: /dev/kvm can be present
// and a stock guest kernel still abort under it (`failed to set MSR 0x10a` on hosts with nested or
// partial virtualisation), so the answer comes from a short probe boot of the test guest, once per
// process. BLIXARD_QEMU_ACCEL=kvm|tcg skips the probe.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { BOOT_LINE, type GuestBoot } from './test-guest';

export type Accel = 'kvm' | 'tcg';

export interface AccelChoice {
  accel: Accel;
  /** Why: "kvm probe booted", "/dev/kvm: ENOENT", the probe's last stderr line, … */
  reason: string;
}

export interface AccelProbeOptions {
  qemuBinary?: string;
  /** A guest that prints BOOT_LINE (the built-in test guest). */
  guest: GuestBoot;
  /** How long the probe may take before KVM counts as not working (default 20000 ms). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

let cached: Promise<AccelChoice> | undefined;

/** The accelerator for this process: probed on first call, the same answer afterwards. */
export function chooseAccel(options: AccelProbeOptions): Promise<AccelChoice> {
  cached ??= probeAccel(options);
  return cached;
}

export async function probeAccel(options: AccelProbeOptions): Promise<AccelChoice> {
  const forced = (options.env ?? process.env).BLIXARD_QEMU_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, reason: 'BLIXARD_QEMU_ACCEL' };
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch (error) {
    return { accel: 'tcg', reason: `/dev/kvm: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  const failure = await probeBoot(options);
  return failure === undefined ? { accel: 'kvm', reason: 'kvm probe booted' } : { accel: 'tcg', reason: `kvm probe failed: ${failure}` };
}

/** Boots the guest under KVM until its boot line; undefined on success, else why not. */
function probeBoot(options: AccelProbeOptions): Promise<string | undefined> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const { guest } = options;
  const child = spawn(
    options.qemuBinary ?? 'qemu-system-x86_64',
    ['-M', 'pc', '-accel', 'kvm', '-m', '64', '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio',
      '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', guest.append],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (result: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(result);
    };
    const timer = setTimeout(() => settle(`no boot line within ${timeoutMs} ms`), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-4096);
      if (BOOT_LINE.test(stdout)) settle(undefined);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    child.on('error', (error) => settle(error.message));
    child.on('exit', (code, signal) => {
      const last = stderr.trim().split('\n').pop();
      settle(last || `QEMU exited (${signal ?? `code ${code}`})`);
    });
  });
}
