#!/usr/bin/env bash
# Installs what zonemeter needs on a fresh Debian machine: the real servers and peers the tests
# and the demo start (apt), and the npm packages (npm ci). Safe to run again: it only installs
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_apt=${ZM_APT_PACKAGES:-"influxdb mosquitto socat chromium python3-pymodbus python3-serial python3-serial-asyncio mbpoll udev fonts-wqy-microhei qemu-user-static systemd"}
missing=()
for p in $want_apt; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The package install leaves influxd enabled as a service on systemd machines; zonemeter runs its
# own on free loopback ports, so a system one is neither needed nor in the way.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
