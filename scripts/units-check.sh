#!/usr/bin/env bash
# `systemd-analyze verify` over deploy/*.service and *.timer, in a scratch root holding this
# machine's own units and a stand-in /usr/local/bin/pantau (verify checks that ExecStart is
# executable, and the real binary is installed only on a server). Any warning fails: an
# unknown or misspelt key is only a warning to systemd, and would silently do nothing.
# Without systemd-analyze (a container) it says so and passes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "systemd-analyze tidak ada: unit systemd tidak diperiksa"
    exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd" "$root/usr/local/bin" "$root/etc/systemd/system"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\n' > "$root/usr/local/bin/pantau"
chmod 0755 "$root/usr/local/bin/pantau"
units=()
for unit in deploy/*.service deploy/*.timer; do
    cp "$unit" "$root/etc/systemd/system/"
    units+=("/etc/systemd/system/$(basename "$unit")")
done
if ! out=$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1) || [ -n "$out" ]; then
    echo "$out" | sed "s|$root||g"
    echo "systemd-analyze verify: unit di deploy/ bermasalah" >&2
    exit 1
fi
echo "ok systemd-analyze verify: ${units[*]##*/}"
