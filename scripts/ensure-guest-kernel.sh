#!/usr/bin/env bash
# Fetches the guest kernel the daemon's qemu runtime boots its built-in test guest with, once,
# into a cache folder outside the repository (../shared/TESTING.md, "Real VMs: QEMU"): Debian's
# cloud kernel, whose versioned package `apt-cache depends linux-image-cloud-amd64` names,
# downloaded with `apt-get download` (no root needed, nothing installed) and unpacked with
# `dpkg-deb -x`; only boot/vmlinuz-* is kept, with the two modules the test guest loads to hear
# the ACPI power button (button.ko, evdev.ko: both =m in the cloud kernel). Idempotent and atomic: it builds in a temporary
# folder and renames it into place, so an interrupted run leaves nothing half-made.
# Prints the path of the kernel on success.
set -euo pipefail
CACHE="${BLIXARD_CACHE:-$HOME/.cache/blixard-migrations}"
DEST="$CACHE/guest-kernel"
log() { echo "[guest-kernel] $*" >&2; }
fail() {
  log "$1"
  log "hint: the qemu runtime needs a Debian cloud kernel: with network access to the Debian mirrors run"
  log "  apt-get update && bash scripts/ensure-guest-kernel.sh"
  log "or put an x86_64 bzImage that boots with console=ttyS0 at $DEST/vmlinuz, its button.ko and evdev.ko in $DEST/modules, and touch $DEST/.complete"
  exit 1
}

MODULES=(kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko)
if [ -f "$DEST/.complete" ] && [ -e "$DEST/vmlinuz" ] && [ -f "$DEST/modules/button.ko" ] && [ -f "$DEST/modules/evdev.ko" ]; then echo "$DEST/vmlinuz"; exit 0; fi

command -v apt-cache >/dev/null && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
  || fail "apt-cache, apt-get and dpkg-deb are needed (a Debian or Ubuntu host)"
PACKAGE="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
  | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1)"
[ -n "$PACKAGE" ] || fail "apt-cache does not know linux-image-cloud-amd64 (no package lists yet?)"

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/guest-kernel-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
log "downloading $PACKAGE (one time)"
# apt-get download writes into the current folder; as root it drops to the _apt user, which must
# be able to write there.
chmod 0777 "$WORK"
(cd "$WORK" && apt-get download -qq "$PACKAGE" >/dev/null 2>"$WORK/apt.err") \
  || fail "apt-get download $PACKAGE failed: $(tail -n 1 "$WORK/apt.err")"
DEB="$(ls "$WORK"/*.deb 2>/dev/null | head -n 1)"
[ -n "$DEB" ] || fail "apt-get download $PACKAGE left no .deb"
dpkg-deb -x "$DEB" "$WORK/unpacked" || fail "dpkg-deb -x $DEB failed"
KERNEL="$(ls "$WORK"/unpacked/boot/vmlinuz-* 2>/dev/null | head -n 1)"
[ -n "$KERNEL" ] || fail "$PACKAGE holds no boot/vmlinuz-*"

mkdir -p "$WORK/out/modules"
mv "$KERNEL" "$WORK/out/"
for module in "${MODULES[@]}"; do
  FOUND="$(ls "$WORK"/unpacked/lib/modules/*/"$module" 2>/dev/null | head -n 1)"
  [ -n "$FOUND" ] || fail "$PACKAGE holds no $module"
  mv "$FOUND" "$WORK/out/modules/"
done
ln -s "$(basename "$KERNEL")" "$WORK/out/vmlinuz"
echo "$PACKAGE" > "$WORK/out/package"
touch "$WORK/out/.complete"
rm -rf "$DEST"
mv "$WORK/out" "$DEST"
log "ready: $DEST/vmlinuz -> $(basename "$KERNEL")"
echo "$DEST/vmlinuz"
