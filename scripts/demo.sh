#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/demo.sh — natgw on a small network, end to end. Run as root.
#
# Installs what it needs (Debian), builds, creates network namespaces
#
#   client (the internet) ── eth0 ── router ── br-lan ─┬─ server  192.0.2.10
#   203.0.113.100, 198.51.100.7   203.0.113.5        └─ lanhost 192.0.2.20
#
# applies examples/natgw.yaml on the router, sends real TCP and UDP
# through it, and prints what natgw and conntrack see. Everything it
# creates is removed when it ends, also on error or Ctrl-C.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/demo.sh: run as root (it creates network namespaces)" >&2
	exit 1
fi
. scripts/lib/debian-packages.sh
install_debian_packages "${NATGW_BUILD_PACKAGES[@]}" "${NATGW_NET_PACKAGES[@]}" || exit 1
echo "demo: building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

set +e	# from here on, a failed step is shown, and cleanup still runs
. tests/kernel/lib.sh
NGW_BIN=$top/build/gateway/natgw
NGW_PROBE=$top/build/tests/natgw-probe
natgw() { on router "$NGW_BIN" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "network: client, router, server, lanhost (namespaces ${NGW_RUN}-*)"
topo_up || exit 1

say "natgw check, then apply, on the router"
run natgw check examples/natgw.yaml
run natgw apply examples/natgw.yaml

serve server tcp 192.0.2.10 8443
serve server tcp 2001:db8:1::10 8443
serve server tcp 192.0.2.10 22
serve lanhost udp 192.0.2.20 9005
serve client tcp 198.51.100.7 80
serve client udp 198.51.100.7 53

say "forwarded TCP: client -> 203.0.113.5:443 reaches the server on 8443"
run probe client connect tcp 203.0.113.5 443
say "forwarded UDP: client -> 203.0.113.5:8005 reaches the game server on 9005"
run probe client connect udp 203.0.113.5 8005
say "IPv6: client -> [2001:db8:ff::5]:443"
run probe client connect tcp 2001:db8:ff::5 443
say "from: the office (198.51.100.0/24) may use ssh on 2222; others may not"
run probe client connect tcp 203.0.113.5 2222 --from 198.51.100.7
run probe client connect tcp 203.0.113.5 2222 --from 203.0.113.100 --timeout 1000 ||
	echo "(refused, as configured)"
say "hairpin: lanhost -> 203.0.113.5:443 (the server sees the router as its peer)"
run probe lanhost connect tcp 203.0.113.5 443
say "masquerade: lanhost -> an outside server, TCP and UDP"
run probe lanhost connect tcp 198.51.100.7 80
run probe lanhost connect udp 198.51.100.7 53

say "full cone: the console (192.0.2.40) sends from UDP 3074 to one server, which sees the"
printf '   external socket its ports (10100-32767) gave; a host it never contacted reaches\n'
printf '   it there (snat "console", endpoint_independent: true)\n'
addr lanhost eth0 192.0.2.40/24
bg lanhost "$NGW_PROBE" udppeer udp 192.0.2.40 3074 --to 198.51.100.7:53 --seconds 2 \
	>"$NGW_TMP/console.out"
sleep 0.5
run cat "$NGW_TMP/console.out"
external=$(sed -n 's/.* peer=203\.0\.113\.5:\([0-9]*\) .*/\1/p' "$NGW_TMP/console.out" | head -n 1)
run probe client connect udp 203.0.113.5 "${external:-0}" --from 203.0.113.101

say "natgw show: every rule, its counters, read from the kernel"
run natgw show
say "natgw mappings, while a TCP connection is open through web"
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 2 >/dev/null
sleep 0.5
run natgw mappings
say "the same, as conntrack itself lists natgw's entries (mark 0x4e......)"
run on router conntrack -L --mark 0x4e000000/0xff000000
say "natgw flush --rule game: that rule's mappings go, the others stay"
run natgw flush --rule game
run natgw mappings --proto udp
say "plan: what an edit would change (nothing is applied)"
sed 's/to: 192.0.2.10:8443 /to: 192.0.2.11:8443 /' examples/natgw.yaml >"$NGW_TMP/edited.yaml"
run natgw plan "$NGW_TMP/edited.yaml"

say "doctor: a firewall table, as firewalld or ufw make one, drops forwarded traffic"
run on router nft add table inet filter
run on router nft add chain inet filter forward '{ type filter hook forward priority 0; policy drop; }'
run probe client connect tcp 203.0.113.5 443 --timeout 1000 || echo "(nothing gets through)"
run natgw doctor examples/natgw.yaml
echo "(exit status $?)"
say "the fix doctor names: web works again, and doctor finds nothing that stops a forward"
run on router nft insert rule inet filter forward ct status dnat accept
run natgw doctor examples/natgw.yaml
echo "(exit status $?)"
run probe client connect tcp 203.0.113.5 443

say "done; removing the namespaces"
