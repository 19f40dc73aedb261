#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw doctor on routers whose routes stop a forward: a target the router
# cannot route, a target it routes back out of the WAN, a strict rp_filter
# on a second WAN. Each: the exact line, exit 1, and the forward really
# carries nothing; fixed: exit 0 and traffic flows. Then what must not be
# said: a clean router (also with rp_filter=1 everywhere), the router's own
# address as the target, IPv6, a missing or down interface.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

C=$NGW_TMP/natgw.yaml
config_from base >"$C"
serve server tcp 192.0.2.10 8443
natgw apply -q "$C"
# the router's way to the internet, as every router has one
on router ip route add default via 203.0.113.100

# doctor_says_only WHAT FILE REGEX: natgw doctor FILE exits 1 and prints
# exactly one line, matching REGEX
doctor_says_only() {
	doctor_says "$1" "$2" 1 "$3"
	check "$1: one line only" test "$(wc -l <"$NGW_TMP/doctor.out")" -eq 1
}
# doctor_exits WHAT STATUS FILE: natgw doctor FILE exits exactly STATUS; what
# it printed is kept in last.out for the checks that follow
doctor_exits() {
	local rc
	natgw doctor "$3" >"$NGW_TMP/last.out" 2>&1
	rc=$?
	if [ "$rc" -eq "$2" ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$1 (exit status $rc, expected $2)"
		sed 's/^/  | /' "$NGW_TMP/last.out" >&2
	fi
}
no_finding() {
	check_output "$1" "^natgw: no finding: nothing on this router stops the rules of $2$" \
		natgw doctor "$2"
}
works() {	# works WHAT PORT [ADDRESS]: the client reaches the server through it
	check_output "$1" 'local=(192\.0\.2\.10|198\.51\.100\.200):8443$' \
		probe client connect tcp "${3:-203.0.113.5}" "$2"
}
carries_nothing() {
	check_fails "$1" 1 probe client connect tcp "${3:-203.0.113.5}" "$2" --timeout 1000
}

# --- a clean router: nothing, also with every interface's rp_filter strict
no_finding "a clean router: no finding" "$C"
on router sysctl -qw net.ipv4.conf.all.rp_filter=1
no_finding "rp_filter=1 on a one-WAN router: no finding" "$C"
works "... and the forward works with it" 443
on router sysctl -qw net.ipv4.conf.all.rp_filter=0

# --- a target the router cannot route
on router ip route add unreachable 192.0.2.10
doctor_says_only "an unreachable route to the target" "$C" \
	"^$C:6:5: warning: forward \"web\": the router has an unreachable route \(or rule\) for 192\.0\.2\.10, so the forward's traffic is dropped \(remove that route or rule \(\`ip route show table all type unreachable\`, \`ip rule\`\), or correct the target\)$"
carries_nothing "... and the forward does carry nothing" 443
on router ip route del unreachable 192.0.2.10
check "fixed: doctor exits 0" natgw doctor -q "$C"
works "... and the forward works" 443

# --- a target routed out of the WAN: a LAN subnet behind the server that
# the router has no route for, so its route to the internet side wins
on server ip addr add 198.51.100.200/32 dev lo
serve server tcp 198.51.100.200 8443
config_from base - >"$NGW_TMP/far.yaml" <<'YAML'
  - name: far
    port: 444
    to: 198.51.100.200:8443
YAML
natgw apply -q "$NGW_TMP/far.yaml"
doctor_says_only "a target routed out of the WAN" "$NGW_TMP/far.yaml" \
	"^$NGW_TMP/far\.yaml:9:5: warning: forward \"far\": the router routes 198\.51\.100\.200 out of eth0 via 203\.0\.113\.100, the interface the forward's traffic comes in on, so it never reaches the target \(correct the target, or give the router a route to it by the LAN: \`ip route add 198\.51\.100\.200 via LAN-ROUTER\`\)$"
carries_nothing "... and the forward does carry nothing" 444
on router ip route add 198.51.100.200/32 via 192.0.2.10
check "fixed: doctor exits 0" natgw doctor -q "$NGW_TMP/far.yaml"
works "... and the forward works" 444

# --- strict rp_filter on a second WAN: the client reaches the router's
# eth1 through another provider, and the router's way back to it is eth0
ns_add isp2
link client c1 isp2 x0
link isp2 x1 router eth1
addr client c1 198.51.100.65/26
addr isp2 x0 198.51.100.66/26
addr isp2 x1 198.51.100.129/26
addr router eth1 198.51.100.130/26
on isp2 sysctl -qw net.ipv4.ip_forward=1
on client ip route add 198.51.100.128/26 via 198.51.100.66
config_from base - >"$NGW_TMP/wan2.yaml" <<'YAML'
  - name: web2
    port: 443
    to: 192.0.2.10:8443
    in: eth1
    hairpin: false
YAML
natgw apply -q "$NGW_TMP/wan2.yaml"
on router sysctl -qw net.ipv4.conf.eth1.rp_filter=1
doctor_says_only "strict rp_filter on the second WAN" "$NGW_TMP/wan2.yaml" \
	"^$NGW_TMP/wan2\.yaml:9:5: warning: forward \"web2\": strict rp_filter on eth1 \(net\.ipv4\.conf\.all\.rp_filter=0, net\.ipv4\.conf\.eth1\.rp_filter=1\) drops the forward's traffic that comes in on it, as the router's route back to the internet \(192\.88\.99\.1 stands for it\) leaves by eth0, not eth1 \(sysctl -w net\.ipv4\.conf\.eth1\.rp_filter=2, loose, and set it in /etc/sysctl\.d\)$"
carries_nothing "... and the forward does carry nothing" 443 198.51.100.130
works "... while the first WAN's forward works" 443
on router sysctl -qw net.ipv4.conf.eth1.rp_filter=2
check "fixed (loose): doctor exits 0" natgw doctor -q "$NGW_TMP/wan2.yaml"
works "... and the forward works" 443 198.51.100.130
# strict from conf/all counts as well: max(all, eth1)
on router sysctl -qw net.ipv4.conf.eth1.rp_filter=0 net.ipv4.conf.all.rp_filter=1
doctor_exits "conf/all strict: doctor exits 1" 1 "$NGW_TMP/wan2.yaml"
check_output "... naming conf/all" 'rp_filter on eth1 \(net\.ipv4\.conf\.all\.rp_filter=1, net\.ipv4\.conf\.eth1\.rp_filter=0\)' \
	cat "$NGW_TMP/last.out"
carries_nothing "... and the forward does carry nothing" 443 198.51.100.130
on router sysctl -qw net.ipv4.conf.eth1.rp_filter=2
check "the fix it names, with conf/all still 1: doctor exits 0" natgw doctor -q "$NGW_TMP/wan2.yaml"
works "... and the forward works" 443 198.51.100.130
on router sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth1.rp_filter=1
natgw doctor --json "$NGW_TMP/wan2.yaml" >"$NGW_TMP/doctor.json"
check_output "in JSON: cause rp_filter, blocks" \
	'^\[\{"severity":"warning","blocks":true,"rule":"web2","kind":"forward","cause":"rp_filter",' \
	cat "$NGW_TMP/doctor.json"
# a forward that names its remotes is judged by them: the route back to
# 198.51.100.65 (the first host of its 198.51.100.64/26, the client's side
# of isp2) leaves by eth0 as well
config_from base - >"$NGW_TMP/from.yaml" <<'YAML'
  - name: web2
    port: 443
    to: 192.0.2.10:8443
    in: eth1
    hairpin: false
    from: 198.51.100.64/26
YAML
doctor_exits "with from: judged by its first source" 1 "$NGW_TMP/from.yaml"
check_output "... naming it" 'the router.s route back to 198\.51\.100\.65 leaves by eth0, not eth1' \
	cat "$NGW_TMP/last.out"
on router ip route add 198.51.100.64/26 via 198.51.100.129
check "... and with the route back by eth1, nothing" natgw doctor -q "$NGW_TMP/from.yaml"
on router ip route del 198.51.100.64/26 via 198.51.100.129
on router sysctl -qw net.ipv4.conf.eth1.rp_filter=0

# --- what must not be said
# a rich configuration, on a router with rp_filter=1 everywhere: forwards
# with and without `in`, address-bound, port ranges, udp and both, IPv6,
# `from`, the router's own addresses as targets, snat rules
on router sysctl -qw net.ipv4.conf.all.rp_filter=1
config_from base - >"$NGW_TMP/rich.yaml" <<'YAML'
  - name: dns
    proto: both
    port: 53
    to: 192.0.2.20
    address: 203.0.113.5
  - name: range
    proto: udp
    port: 10000-10009
    to: 192.0.2.10:20000-20009
    from: [203.0.113.0/24]
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: own
    port: 8022
    to: 192.0.2.1:22
  - name: own-wan
    port: 8023
    to: 203.0.113.5:22
  - name: own6
    port: 8024
    to: "[2001:db8:1::1]:22"
  - name: v6-in
    proto: udp
    port: 5000
    to: "[2001:db8:1::20]"
    in: eth0
snat:
  - name: lan-out
    from: 192.0.2.0/24
  - name: lan6-out
    from: 2001:db8:1::/64
    to: 2001:db8:ff::5
YAML
no_finding "a rich, clean configuration: no finding" "$NGW_TMP/rich.yaml"
on router sysctl -qw net.ipv4.conf.all.rp_filter=0

# IPv6: an unreachable route to an IPv6 target
config_from base - >"$NGW_TMP/v6.yaml" <<'YAML'
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
YAML
on router ip -6 route add unreachable 2001:db8:1::10
doctor_says_only "IPv6: an unreachable route" "$NGW_TMP/v6.yaml" \
	"^$NGW_TMP/v6\.yaml:9:5: warning: forward \"web6\": the router has an unreachable route \(or rule\) for 2001:db8:1::10, so the forward's traffic is dropped \(remove that route or rule \(\`ip -6 route show table all type unreachable\`, \`ip -6 rule\`\), or correct the target\)$"
on router ip -6 route del unreachable 2001:db8:1::10
check "... removed: exit 0" natgw doctor -q "$NGW_TMP/v6.yaml"

# 100 forwards to one unroutable target, 3 to others: one line, not 103
{
	config_from base
	for i in $(seq 100); do printf '  - name: m%d
    port: %d
    to: 192.0.2.10
' "$i" $((2000 + i)); done
	for i in 1 2 3; do printf '  - name: o%d
    port: %d
    to: 192.0.2.%d
' "$i" $((3000 + i)) $((30 + i)); done
} >"$NGW_TMP/many.yaml"
on router ip route add prohibit 192.0.2.0/25
doctor_exits "a prohibit route for many forwards" 1 "$NGW_TMP/many.yaml"
check_output "... is one line, counting the other targets" \
	'forward "web": the router has a prohibit route \(or rule\) for 192\.0\.2\.10 \(and 3 more targets of forwards\), so' \
	cat "$NGW_TMP/last.out"
check "... one line only" test "$(grep -c . "$NGW_TMP/last.out")" -eq 1
on router ip route del prohibit 192.0.2.0/25

# a routing rule for the WAN interface only
on router ip rule add iif eth0 to 192.0.2.10 prohibit
doctor_says_only "a prohibit rule for the WAN interface" "$C" \
	"^$C:6:5: warning: forward \"web\": for traffic that comes in on eth0, the router has a prohibit route \(or rule\) for 192\.0\.2\.10, so the forward's traffic is dropped \(remove the routing rule for eth0 that \`ip rule\` shows, or correct the target\)$"
carries_nothing "... and the forward does carry nothing" 443
on router ip rule del iif eth0 to 192.0.2.10 prohibit
works "... removed: the forward works" 443

# forwarding turned off again on the WAN interface alone
on router sysctl -qw net.ipv4.conf.eth0.forwarding=0
doctor_says_only "forwarding off on the WAN interface alone" "$C" \
	"^$C:6:5: warning: forward \"web\": net\.ipv4\.conf\.eth0\.forwarding is 0, so the router forwards nothing that comes in on eth0 \(sysctl -w net\.ipv4\.conf\.eth0\.forwarding=1, and set it in /etc/sysctl\.d\)$"
carries_nothing "... and the forward does carry nothing" 443
on router sysctl -qw net.ipv4.conf.eth0.forwarding=1
works "... on again: the forward works" 443

# a WAN interface that does not exist: the interface check's line only
config_from base - >"$NGW_TMP/ppp.yaml" <<'YAML'
  - name: vpn
    port: 1194
    proto: udp
    to: 192.0.2.10
    in: ppp0
  - name: vpn-any
    port: 1195
    proto: udp
    to: 192.0.2.10
    in: ppp+
YAML
doctor_exits "a missing WAN interface: exit 0" 0 "$NGW_TMP/ppp.yaml"
check "... and one line, the interface check's" test "$(grep -c . "$NGW_TMP/last.out")" -eq 1
check_output "... which it is" 'forward "vpn": interface "ppp0" does not exist now' cat "$NGW_TMP/last.out"
on router ip route add unreachable 192.0.2.10
doctor_exits "... with an unreachable target: exit 1" 1 "$NGW_TMP/ppp.yaml"
check "... and two lines, one each" test "$(grep -c . "$NGW_TMP/last.out")" -eq 2
on router ip route del unreachable 192.0.2.10

# interfaces that are down: the second WAN (nothing to say about routes),
# the LAN (its routes go, the default route takes the target out of eth0)
on router ip link set eth1 down
check "the second WAN down: exit 0" natgw doctor -q "$NGW_TMP/wan2.yaml"
on router ip link set eth1 up
on router ip link set br-lan down
doctor_exits "the LAN down: exit 1" 1 "$C"
check_output "... the target leaves by the WAN" 'forward "web": the router routes 192\.0\.2\.10 out of eth0 via 203\.0\.113\.100' \
	cat "$NGW_TMP/last.out"
on router ip link set br-lan up
for _ in $(seq 50); do
	on router ip route show 192.0.2.0/24 | grep -q . && break
	sleep 0.05
done
no_finding "the LAN up again: no finding" "$C"

finish
