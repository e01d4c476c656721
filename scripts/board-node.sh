#!/usr/bin/env bash
# Unpacks a board's Node.js into a folder, without changing this machine: Debian bookworm's own
# `nodejs` (18.20, what Raspberry Pi OS bookworm ships) for arm64, with every library it needs, so
# `qemu-aarch64-static -L DIR DIR/usr/bin/node` runs the gateway as a Pi would.
#
# apt runs against a private state folder (its own sources, lists, cache and an empty dpkg status)
# so it resolves the whole dependency closure, libc included, and the system's apt setup, dpkg
# architectures and installed packages are left as they were. Only qemu-user-static is installed
# system-wide (scripts/deps.sh).
#
# Usage: scripts/board-node.sh DIR [ARCH]   (ARCH: arm64, the default, or armhf)
# Prints DIR/root, the sysroot; a second run with the same DIR reuses it.
set -euo pipefail
dir=${1:?usage: board-node.sh DIR [ARCH]}
arch=${2:-arm64}
root="$dir/root"
if [ -x "$root/usr/bin/node" ]; then
  echo "$root"
  exit 0
fi
state="$dir/apt"
mkdir -p "$state/etc/apt/sources.list.d" "$state/etc/apt/preferences.d" "$state/var/lib/apt/lists/partial" \
  "$state/var/cache/apt/archives/partial" "$state/var/lib/dpkg"
: > "$state/var/lib/dpkg/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${ZM_DEBIAN_MIRROR:-http://deb.debian.org}
cat > "$state/etc/apt/sources.list" <<EOF
deb [arch=$arch signed-by=$keyring] $mirror/debian bookworm main
deb [arch=$arch signed-by=$keyring] $mirror/debian bookworm-updates main
deb [arch=$arch signed-by=$keyring] $mirror/debian-security bookworm-security main
EOF
opts=(-o "Dir=$state" -o "Dir::State::status=$state/var/lib/dpkg/status"
  -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q)
apt-get "${opts[@]}" update >&2
apt-get "${opts[@]}" install -y --download-only --no-install-recommends nodejs >&2
mkdir -p "$root.partial"
for deb in "$state"/var/cache/apt/archives/*.deb; do
  dpkg -x "$deb" "$root.partial"
done
rm -rf "$root"
mv "$root.partial" "$root"
echo "$root"
