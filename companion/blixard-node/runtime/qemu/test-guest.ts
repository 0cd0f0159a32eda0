// The built-in test guest: Debian's cloud kernel (fetched by scripts/ensure-guest-kernel.sh) and an
// initramfs made here at run time from the host's static busybox. Its /init prints one boot line,
// then a heartbeat line with an increasing counter every second on the serial console, offers a
// shell on the console, and powers off when the ACPI power button is pressed (system_powerdown).
// The initramfs is cached by the hash of everything in it, so it is built once per busybox/kernel.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';

export const BUSYBOX_PATH = '/bin/busybox';

/** What the test guest prints; the runtime and the tests read the console with these. */
export const BOOT_LINE = /blixard-guest: booted (\S+)/;
export const HEARTBEAT_LINE = /blixard-guest: heartbeat (\d+)/;

/** The cache folder of scripts/ensure-*.sh (BLIXARD_CACHE, default ~/.cache/blixard-migrations). */
export function blixardCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BLIXARD_CACHE || path.join(os.homedir(), '.cache', 'blixard-migrations');
}

export const QEMU_INSTALL_HINT =
  'the qemu runtime needs QEMU, a static busybox and the guest kernel: as root run ' +
  '`bash scripts/ensure-system-deps.sh && bash scripts/ensure-guest-kernel.sh` ' +
  '(or `apt-get install -y qemu-system-x86 busybox-static`, then `bash scripts/ensure-guest-kernel.sh`)';

export class TestGuestUnavailableError extends Error {
  constructor(what: string) {
    super(`${what}; ${QEMU_INSTALL_HINT}`);
    this.name = 'TestGuestUnavailableError';
  }
}

export interface GuestBoot {
  kernel: string;
  initrd: string;
  /** The kernel command line. */
  append: string;
}

// busybox sh. The power button reaches user space as an input event on the "Power Button" device
// (the cloud kernel builds button and evdev as modules, so they ride in the initramfs); reading
// one event from it is all the "acpid" this guest needs.
const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
name=guest
for word in $(cat /proc/cmdline); do
  case "$word" in blixard.hostname=*) name="\${word#blixard.hostname=}" ;; esac
done
hostname "$name"
insmod /lib/modules/evdev.ko 2>/dev/null
insmod /lib/modules/button.ko 2>/dev/null
button=
for input in /sys/class/input/event*; do
  if [ "$(cat "$input/device/name" 2>/dev/null)" = "Power Button" ]; then button="/dev/input/\${input##*/}"; fi
done
if [ -n "$button" ]; then
  ( while :; do
      # One input_event (24 bytes on x86_64); an error (node not there yet) is not a press.
      bytes=$(dd if="$button" bs=24 count=1 2>/dev/null | wc -c)
      [ "$bytes" -eq 24 ] && break
      sleep 1
    done
    echo "blixard-guest: power button, powering off"
    sync; poweroff -f ) &
else
  echo "blixard-guest: no power button device; system_powerdown will not stop this guest"
fi
echo "blixard-guest: booted $name"
setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1' &
count=0
while true; do
  count=$((count + 1))
  echo "blixard-guest: heartbeat $count"
  sleep 1
done
`;

export interface TestGuestOptions {
  cacheDir?: string;
  /** Printed in the boot line and set as the guest's hostname. */
  hostname?: string;
}

/** The kernel, a cached initramfs and the command line of the built-in test guest. */
export async function builtInTestGuest(options: TestGuestOptions = {}): Promise<GuestBoot> {
  const cacheDir = options.cacheDir ?? blixardCacheDir();
  const kernelDir = path.join(cacheDir, 'guest-kernel');
  const kernel = path.join(kernelDir, 'vmlinuz');
  const modules = ['evdev.ko', 'button.ko'].map((name) => path.join(kernelDir, 'modules', name));
  for (const file of [kernel, ...modules]) {
    if (!fs.existsSync(file)) throw new TestGuestUnavailableError(`the guest kernel is missing (${file})`);
  }
  if (!fs.existsSync(BUSYBOX_PATH)) throw new TestGuestUnavailableError(`${BUSYBOX_PATH} is missing`);
  const initrd = await ensureInitramfs(path.join(cacheDir, 'test-guest'), modules);
  const hostname = (options.hostname ?? 'guest').replace(/[^A-Za-z0-9._-]/g, '-');
  return { kernel, initrd, append: `console=ttyS0 quiet panic=-1 blixard.hostname=${hostname}` };
}

async function ensureInitramfs(dir: string, modules: string[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(INIT_SCRIPT);
  for (const file of [BUSYBOX_PATH, ...modules]) hash.update(await fs.promises.readFile(file));
  const target = path.join(dir, `initramfs-${hash.digest('hex').slice(0, 16)}.cpio.gz`);
  if (fs.existsSync(target)) return target;

  await fs.promises.mkdir(dir, { recursive: true });
  const staging = await fs.promises.mkdtemp(path.join(dir, 'build-'));
  try {
    for (const sub of ['bin', 'lib/modules', 'proc', 'sys', 'dev', 'tmp']) await fs.promises.mkdir(path.join(staging, sub), { recursive: true });
    await fs.promises.copyFile(BUSYBOX_PATH, path.join(staging, 'bin/busybox'));
    await fs.promises.chmod(path.join(staging, 'bin/busybox'), 0o755);
    for (const file of modules) await fs.promises.copyFile(file, path.join(staging, 'lib/modules', path.basename(file)));
    await fs.promises.writeFile(path.join(staging, 'init'), INIT_SCRIPT, { mode: 0o755 });
    const entries = ['.', ...(await listTree(staging))];
    const partial = `${target}.${process.pid}.tmp`;
    await packCpio(staging, entries, partial);
    // Rename last: a reader sees a whole initramfs or none.
    await fs.promises.rename(partial, target);
    return target;
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

async function listTree(root: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await fs.promises.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    names.push(relative);
    if (entry.isDirectory()) names.push(...(await listTree(root, relative)));
  }
  return names;
}

/** busybox's own cpio (Debian's cpio is not installed by default), newc format, gzipped. */
async function packCpio(cwd: string, entries: string[], output: string): Promise<void> {
  const cpio = spawn(BUSYBOX_PATH, ['cpio', '-o', '-H', 'newc'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  cpio.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    cpio.on('error', reject);
    cpio.on('close', resolve);
  });
  cpio.stdin.end(entries.join('\n') + '\n');
  await pipeline(cpio.stdout, createGzip(), fs.createWriteStream(output));
  const code = await exited;
  if (code !== 0) throw new Error(`busybox cpio failed (exit ${code}): ${stderr.trim()}`);
}
