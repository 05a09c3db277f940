#!/usr/bin/env bash
# Checks the units with systemd's own tools: `systemd-analyze verify` on each unit (with the
# built binary in ExecStart), the system unit's `systemd-analyze security` exposure, and that
# sysusers + tmpfiles create the state folder and its inbox. Usage: systemd/check.sh BINDIR
set -euo pipefail
bindir=$(realpath "$1")
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/units/user" "$work/runtime" "$work/root/etc"
chmod 700 "$work/runtime"
for unit in reel.service user/reel.service; do
	sed "s|@bindir@|$bindir|" "$unit" > "$work/units/$unit"
done
systemd-analyze verify "$work/units/reel.service"
XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user verify "$work/units/user/reel.service"
echo "systemd-analyze verify: reel.service (system) and reel.service (user) are valid"
systemd-analyze security --offline=true --no-pager "$work/units/reel.service" | tail -n 1

systemd-sysusers --root="$work/root" - < reel.sysusers
systemd-tmpfiles --root="$work/root" --create - < reel.tmpfiles
inbox="$work/root/var/lib/reel/inbox"
# Owners by number: this machine's own passwd does not know the user made under $work/root.
owner=$(awk -F: '$1 == "reel" { print $3 ":" $4 }' "$work/root/etc/passwd")
mode=$(stat -c '%a %u:%g' "$inbox")
[ "$mode" = "2770 $owner" ] || { echo "tmpfiles made $inbox as $mode, not 2770 $owner (reel:reel)" >&2; exit 1; }
echo "sysusers + tmpfiles: /var/lib/reel/inbox is created, mode 2770, owned by reel:reel"
