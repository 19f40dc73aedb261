#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw doctor on an snat rule whose `ports` share ports with the router:
#  - a forwarded port inside the range, on the same address: a LAN
#    connection given that port takes what its remote sends to the forward
#    (shown with traffic); doctor says so and exits 1; the range narrowed,
#    it exits 0, the forward reaches its target and the snat works;
#  - the range inside net.ipv4.ip_local_port_range (the router's own
#    dynamic ports, IPv6 included): doctor says so, exit 1; a router socket on
#    such a port loses a remote's datagrams to the LAN host (shown); a
#    dynamic range beside it, or the ports reserved, and nothing is said.
# And what must not be said: no snat rule, ports on another protocol, a
# forward on another address, a full-cone rule, a clean rich router.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

ct_flush() { on router conntrack -F >/dev/null 2>&1; }

serve server tcp 192.0.2.10 8443
serve client udp 198.51.100.7 53
serve client tcp 198.51.100.7 80
serve client tcp 2001:db8:ff::100 80
serve server udp 192.0.2.10 20005

# ---------------------------------------------------------------------------
# a forwarded port inside the rule's range
C=$NGW_TMP/fwd.yaml
config_from base - >"$C" <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
snat:
  - name: lan-out
    from: 192.0.2.0/24
    ports: 20000-20009
YAML
natgw apply -q "$C"
doctor_says "a forwarded port in the range" "$C" 1 \
	"^$C:14:5: warning: snat \"lan-out\": its ports 20000-20009 hold udp port 20005 of forward \"game\" on the same address: once a LAN connection leaves from that port, what its remote sends to the forward goes to that LAN host, not to 192\\.0\\.2\\.10 \\(narrow the rule's ports to leave out 20005, or move the forward\\)$"
natgw doctor --json "$C" >"$NGW_TMP/doctor.json"
check_output "... JSON: blocks, cause forwarded_port" \
	'"blocks":true,"rule":"lan-out","kind":"snat","cause":"forwarded_port"' \
	cat "$NGW_TMP/doctor.json"

# What goes wrong: a LAN peer-to-peer socket on 20005 (masquerade keeps a
# source port that is in the range) talks to 198.51.100.7:53; that remote
# socket then sends to the forward and reaches the LAN host, not the server
bg lanhost "$NGW_PROBE" udppeer udp 192.0.2.20 20005 --to 198.51.100.7:53 --seconds 3 \
	>"$NGW_TMP/peer.out"
PEER=${NGW_PIDS[-1]}
sleep 0.5
check_output "the LAN host's datagram left from the forwarded port" \
	'^from 198\.51\.100\.7:53: peer=203\.0\.113\.5:20005 local=198\.51\.100\.7:53$' cat "$NGW_TMP/peer.out"
check_output "broken: that remote's datagram to the forward reaches the LAN host" \
	'^peer=198\.51\.100\.7:53 local=192\.0\.2\.20:20005$' \
	probe client connect udp 203.0.113.5 20005 --from 198.51.100.7 --sport 53
check_output "... another remote socket still reaches the server" \
	'^peer=198\.51\.100\.7:5000 local=192\.0\.2\.10:20005$' \
	probe client connect udp 203.0.113.5 20005 --from 198.51.100.7 --sport 5000
wait "$PEER"
forget "$PEER"
ct_flush

# fixed: the rule's range narrowed
sed -i 's/ports: 20000-20009/ports: 20010-20019/' "$C"
natgw apply -q "$C"
doctor_clean "narrowed: no finding, exit 0" "$C"
bg lanhost "$NGW_PROBE" udppeer udp 192.0.2.20 20005 --to 198.51.100.7:53 --seconds 3 \
	>"$NGW_TMP/peer.out"
PEER=${NGW_PIDS[-1]}
sleep 0.5
check_output "the LAN host's datagram leaves from the new range" \
	'^from 198\.51\.100\.7:53: peer=203\.0\.113\.5:2001[0-9] local=198\.51\.100\.7:53$' \
	cat "$NGW_TMP/peer.out"
check_output "... and the same remote socket reaches the forward's target" \
	'^peer=198\.51\.100\.7:53 local=192\.0\.2\.10:20005$' \
	probe client connect udp 203.0.113.5 20005 --from 198.51.100.7 --sport 53
check_output "... and an snat connection out works" \
	'^peer=203\.0\.113\.5:2001[0-9] local=198\.51\.100\.7:80$' \
	probe lanhost connect tcp 198.51.100.7 80
wait "$PEER"
forget "$PEER"
ct_flush

# attacks on the forwarded-port cause
attack() {	# attack WHAT STATUS REGEX-or-"" : the snat section from stdin
	local f=$NGW_TMP/attack.yaml
	config_from base - >"$f"
	if [ -z "$3" ]; then
		doctor_clean "$1" "$f"
	else
		doctor_says "$1" "$f" "$2" "$3"
	fi
}
attack "a tcp rule beside a udp forward: nothing" 0 "" <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
snat:
  - name: lan-out
    from: 192.0.2.0/24
    proto: tcp
    ports: 20000-20009
YAML
attack "a forward's port range, proto any: said" 1 \
	'warning: snat "lan-out": its ports 20000-20009 hold tcp and udp ports 19990-20001 of forward "p2p" on the same address: once a LAN connection leaves from one of them, ' <<'YAML'
  - name: p2p
    proto: both
    port: 19990-20001
    to: 192.0.2.10
snat:
  - name: lan-out
    from: 192.0.2.0/24
    ports: 20000-20009
YAML
attack "an IPv6 rule and an IPv6 forward: said" 1 \
	'warning: snat "lan6": its ports 20000-20009 hold udp port 20005 of forward "game6" on the same address: .* not to 2001:db8:1::10 ' <<'YAML'
  - name: game6
    proto: udp
    port: 20005
    to: "[2001:db8:1::10]"
snat:
  - name: lan6
    from: 2001:db8:1::/64
    ports: 20000-20009
YAML
attack "an IPv6 rule and an IPv4 forward: nothing" 0 "" <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
snat:
  - name: lan6
    from: 2001:db8:1::/64
    ports: 20000-20009
YAML
attack "a full-cone rule: its mappings never take a forwarded port, nothing" 0 "" <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
snat:
  - name: cone
    from: 192.0.2.0/24
    proto: udp
    ports: 20000-20009
    endpoint_independent: true
YAML

# several WAN addresses: a second WAN interface with its own address (a
# veth pair inside the router: no dummy module needed)
on router ip link add wan2 type veth peer name wan2-peer
on router ip link set wan2 up
on router ip link set wan2-peer up
on router ip addr add 198.51.100.99/32 dev wan2
attack "masquerade on eth0, the forward bound to wan2's address: nothing" 0 "" <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
    in: wan2
    address: 198.51.100.99
snat:
  - name: lan-out
    from: 192.0.2.0/24
    out: eth0
    ports: 20000-20009
YAML
attack "masquerade on eth0, the forward bound to eth0's address: said" 1 \
	'warning: snat "lan-out": its ports 20000-20009 hold udp port 20005 of forward "game"' <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
    address: 203.0.113.5
snat:
  - name: lan-out
    from: 192.0.2.0/24
    ports: 20000-20009
YAML
attack "snat to wan2's address, a forward on any address: said" 1 \
	'warning: snat "servers": its ports 20000-20009 hold udp port 20005 of forward "game"' <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
snat:
  - name: servers
    from: 192.0.2.10
    to: 198.51.100.99:20000-20009
YAML
attack "snat to wan2's address, the forward bound to eth0's: nothing" 0 "" <<'YAML'
  - name: game
    proto: udp
    port: 20005
    to: 192.0.2.10
    address: 203.0.113.5
snat:
  - name: servers
    from: 192.0.2.10
    to: 198.51.100.99:20000-20009
YAML

# ---------------------------------------------------------------------------
# the rule's range inside the router's own dynamic ports
on router sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
on router sysctl -qw net.ipv4.ip_local_reserved_ports=""
C=$NGW_TMP/local.yaml
config_from base - >"$C" <<'YAML'
snat:
  - name: lan-out
    from: [192.0.2.0/24, 2001:db8:1::/64]
    ports: 40000-40099
YAML
natgw apply -q "$C"
doctor_says "ports in the dynamic range" "$C" 1 \
	"^$C:10:5: warning: snat \"lan-out\": its ports 40000-40099 overlap the router's own dynamic ports \\(net\\.ipv4\\.ip_local_port_range 32768-60999, for IPv6 too\\); the kernel gives a clashing connection another port, but a router socket on such a port loses a remote's traffic to the LAN host the rule gave it for that remote \\(sysctl -w net\\.ipv4\\.ip_local_port_range=\"40100 60999\" or sysctl -w net\\.ipv4\\.ip_local_reserved_ports=40000-40099, and set it in /etc/sysctl\\.d; or narrow the rule's ports\\)$"
natgw doctor --json "$C" >"$NGW_TMP/local.json"
check_output "... JSON: it blocks" \
	'"blocks":true,"rule":"lan-out","kind":"snat","cause":"local_ports"' \
	cat "$NGW_TMP/local.json"

# the range is one for both families: the router's own IPv6 connection
# takes its port from it
on router sysctl -qw net.ipv4.ip_local_port_range="45000 45001"
check_output "IPv6 sockets take their ports from net.ipv4.ip_local_port_range" \
	'^peer=\[2001:db8:ff::5\]:4500[01] local=\[2001:db8:ff::100\]:80$' \
	probe router connect tcp 2001:db8:ff::100 80
on router sysctl -qw net.ipv4.ip_local_port_range="32768 60999"

# the kernel resolves a clash: the LAN host's connection holds 40050 to
# 198.51.100.7:80, the router connects there from 40050 too, and leaves
# from another port
bg lanhost "$NGW_PROBE" hold tcp 198.51.100.7 80 --seconds 2 --from 192.0.2.20
HOLD=${NGW_PIDS[-1]}
sleep 0.3
lanport=$(on router conntrack -L -p tcp --orig-src 192.0.2.20 --dport 80 2>/dev/null |
	sed -n 's/.* dport=\([0-9]*\) .*/\1/p' | tail -1)
check "the LAN connection took a port of the range (${lanport:-none})" \
	test "${lanport:-0}" -ge 40000 -a "${lanport:-0}" -le 40099
check_output "the router's own connection from that port still works, from another one" \
	"^peer=203\\.0\\.113\\.5:[0-9]+ local=198\\.51\\.100\\.7:80\$" \
	probe router connect tcp 198.51.100.7 80 --sport "${lanport:-40000}"
check_fails "... not from ${lanport:-40000}" 1 grep -q "^peer=203\\.0\\.113\\.5:${lanport:-40000} " \
	"$NGW_TMP/check.out"
wait "$HOLD"
forget "$HOLD"
ct_flush

# what goes wrong: the router's own socket on 40050 (a resolver or a VPN
# would be given one such port), a LAN socket sending from 40050 to
# 198.51.100.7:53 keeps it (in the range); that remote then reaches the
# LAN host, not the router
bg router "$NGW_PROBE" record udp 203.0.113.5 40050 >"$NGW_TMP/router.out"
bg lanhost "$NGW_PROBE" udppeer udp 192.0.2.20 40050 --to 198.51.100.7:53 --seconds 3 \
	>"$NGW_TMP/peer.out"
PEER=${NGW_PIDS[-1]}
sleep 0.5
check_output "the LAN socket left from 40050" \
	'^from 198\.51\.100\.7:53: peer=203\.0\.113\.5:40050 ' cat "$NGW_TMP/peer.out"
check_output "that remote's datagram to the router's port 40050 reaches the LAN host" \
	'^peer=198\.51\.100\.7:53 local=192\.0\.2\.20:40050$' \
	probe client connect udp 203.0.113.5 40050 --from 198.51.100.7 --sport 53
check_fails "... and not the router's socket" 1 grep -q 'peer=198\.51\.100\.7:53 ' "$NGW_TMP/router.out"
wait "$PEER"
forget "$PEER"
ct_flush

# fixed by the sysctl doctor names: no finding, the snat works
on router sysctl -qw net.ipv4.ip_local_port_range="40100 60999"
doctor_clean "a dynamic range beside the rule's: no finding" "$C"
check_output "... the snat connection leaves from the range" \
	'^peer=203\.0\.113\.5:400[0-9][0-9] local=198\.51\.100\.7:80$' probe lanhost connect tcp 198.51.100.7 80
check_output "... IPv6 too" '^peer=\[2001:db8:ff::5\]:400[0-9][0-9] local=\[2001:db8:ff::100\]:80$' \
	probe lanhost connect tcp 2001:db8:ff::100 80
check_output "... and the forward in works" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443
# or by reserving the rule's ports
on router sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
on router sysctl -qw net.ipv4.ip_local_reserved_ports=40000-40049
doctor_says "half of them reserved: the rest is said" "$C" 1 \
	'ip_local_reserved_ports=40050-40099, and set it'
on router sysctl -qw net.ipv4.ip_local_reserved_ports=40000-40099
doctor_clean "the rule's ports reserved: no finding" "$C"
on router sysctl -qw net.ipv4.ip_local_reserved_ports=""

# nothing to say
attack "no snat rule at all" 0 "" </dev/null
attack "a range outside the dynamic ports" 0 "" <<'YAML'
snat:
  - name: lan-out
    from: [192.0.2.0/24, 2001:db8:1::/64]
    ports: 20000-20099
YAML
attack "an IPv6 rule in the dynamic range: said" 1 \
	'warning: snat "lan6": its ports 50000-50009 overlap the router.s own dynamic ports' <<'YAML'
snat:
  - name: lan6
    from: 2001:db8:1::/64
    ports: 50000-50009
YAML

# a clean router with a rich configuration: no finding at all
R=$NGW_TMP/rich.yaml
config_from base - >"$R" <<'YAML'
  - name: dns
    proto: both
    port: 53
    to: 192.0.2.10
    from: [198.51.100.0/24]
  - name: range
    port: 8000-8099
    to: 192.0.2.10:9000-9099
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: bound
    proto: udp
    port: 20005
    to: 192.0.2.20
    address: 198.51.100.99
    in: wan2
  - name: off
    proto: udp
    port: 20001
    to: 192.0.2.20
    enabled: false
  - name: sip-in
    proto: udp
    port: 15060
    to: 192.0.2.30:5060
snat:
  - name: sip
    proto: udp
    from: 192.0.2.30:5060
    to: 203.0.113.5:15060
  - name: cone
    from: 192.0.2.20
    proto: udp
    endpoint_independent: true
  - name: lan-out
    from: [192.0.2.0/24, 2001:db8:1::/64]
    ports: 20000-20099
YAML
natgw apply -q "$R"
doctor_clean "a clean router with a rich configuration" "$R"
check_output "... and the forward works" 'local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 443
check_output "... and the snat" '^peer=203\.0\.113\.5:200[0-9][0-9] local=198\.51\.100\.7:80$' \
	probe lanhost connect tcp 198.51.100.7 80

finish
