#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `ports` on an snat rule without a proto (SPEC section 2): `from` + `ports`
# alone masquerades all of the LAN's traffic, TCP, UDP and UDP-Lite from
# source ports in the range, ICMP, ICMPv6, GRE and protocol 253 without one
# (an echo keeps its id); IPv4 and IPv6; `to: ADDR:LO-HI` the same; every
# connection carries the rule's mark and is counted; nft -f of `plan --nft`
# builds the same table; and another range replaces the rule in one apply.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

on router ip addr add 203.0.113.6/24 dev eth0	# the address "servers" leave with
C=$NGW_TMP/natgw.yaml
config_from base - >"$C" <<'YAML'
snat:
  - name: servers
    from: 192.0.2.10
    to: 203.0.113.6:21000-21099
  - name: lan-out
    from: [192.0.2.0/24, 2001:db8:1::/64]
    ports: 20000-20099
YAML
check "apply: ports without a proto" natgw apply "$C"
check_output "plan --nft: the protocols with ports get the range" \
	'ip saddr 192\.0\.2\.0/24 meta l4proto \{ tcp, udp, dccp, sctp, udplite \} masquerade to :20000-20099 comment "lan-out"$' \
	natgw plan --nft "$C"
check_output "plan --nft: every other protocol is masqueraded without one" \
	'ip6 saddr 2001:db8:1::/64 masquerade comment "lan-out"$' natgw plan --nft "$C"

# the client is the outside world: 198.51.100.7 and 2001:db8:ff::100 are
# servers behind it, which count what reaches them and from where
serve client tcp 198.51.100.7 80
serve client udp 198.51.100.7 53
serve client tcp 2001:db8:ff::100 80
serve client udp 2001:db8:ff::100 53
on client nft -f - <<'NFT'
table inet seen {
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 203.0.113.5 icmp type echo-request counter name echo4
		ip6 saddr 2001:db8:ff::5 icmpv6 type echo-request counter name echo6
		ip saddr 203.0.113.5 ip protocol gre counter name gre4
		ip6 saddr 2001:db8:ff::5 meta l4proto gre counter name gre6
		ip saddr 203.0.113.5 ip protocol 253 counter name other4
		ip6 saddr 2001:db8:ff::5 meta l4proto 253 counter name other6
		ip saddr 192.0.2.0/24 counter name untranslated4
		ip6 saddr 2001:db8:1::/64 counter name untranslated6
	}
	counter echo4 {}
	counter echo6 {}
	counter gre4 {}
	counter gre6 {}
	counter other4 {}
	counter other6 {}
	counter untranslated4 {}
	counter untranslated6 {}
}
NFT

# packets_of RULE: its packet counter, as natgw show --json reads it back
packets_of() {
	natgw show --json | tr '{' '\n' | grep "\"rule\":\"$1\"" |
		sed 's/.*"packets":\([0-9]*\).*/\1/'
}
# counted NAME: packets of the client's named counter
counted() {
	on client nft list counter inet seen "$1" | sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}

mark=$(mark_of lan-out)
in_range='200[0-9][0-9]'
check_output "TCP: the server sees the router's address and a port in 20000-20099" \
	"^peer=203\\.0\\.113\\.5:$in_range local=198\\.51\\.100\\.7:80\$" \
	probe lanhost connect tcp 198.51.100.7 80
check_output "UDP: the same" "^peer=203\\.0\\.113\\.5:$in_range local=198\\.51\\.100\\.7:53\$" \
	probe lanhost connect udp 198.51.100.7 53
check_output "IPv6 TCP: the router's IPv6 address and a port in the range" \
	"^peer=\\[2001:db8:ff::5\\]:$in_range local=\\[2001:db8:ff::100\\]:80\$" \
	probe lanhost connect tcp 2001:db8:ff::100 80
check_output "IPv6 UDP: the same" \
	"^peer=\\[2001:db8:ff::5\\]:$in_range local=\\[2001:db8:ff::100\\]:53\$" \
	probe lanhost connect udp 2001:db8:ff::100 53
check_output "conntrack: the TCP connection, translated into the range, carries lan-out's mark" \
	"src=192\\.0\\.2\\.20 dst=198\\.51\\.100\\.7 sport=[0-9]+ dport=80 .*src=198\\.51\\.100\\.7 dst=203\\.0\\.113\\.5 sport=80 dport=$in_range " \
	on router conntrack -L -p tcp --mark "$((mark))"
check_output "conntrack: the UDP one too" \
	"src=192\\.0\\.2\\.20 dst=198\\.51\\.100\\.7 sport=[0-9]+ dport=53 .*src=198\\.51\\.100\\.7 dst=203\\.0\\.113\\.5 sport=53 dport=$in_range " \
	on router conntrack -L -p udp --mark "$((mark))"
check_output "conntrack: IPv6 UDP too" \
	"src=2001:db8:1::20 dst=2001:db8:ff::100 sport=[0-9]+ dport=53 .*src=2001:db8:ff::100 dst=2001:db8:ff::5 sport=53 dport=$in_range " \
	on router conntrack -L -f ipv6 -p udp --mark "$((mark))"

# to ADDR:PORT-PORT without a proto: the same split
servers=$(mark_of servers)
check_output "snat to an address with ports: TCP from the address and a port in 21000-21099" \
	'^peer=203\.0\.113\.6:210[0-9][0-9] local=198\.51\.100\.7:80$' \
	probe server connect tcp 198.51.100.7 80
check_output "... UDP too" '^peer=203\.0\.113\.6:210[0-9][0-9] local=198\.51\.100\.7:53$' \
	probe server connect udp 198.51.100.7 53
probe server ping 198.51.100.7 >"$NGW_TMP/ping-servers" 2>&1
check_output "... and ICMP: the echo reply came back" '^reply from 198\.51\.100\.7 id=[0-9]+$' \
	cat "$NGW_TMP/ping-servers"
id=$(sed -n 's/.* id=\([0-9]*\)$/\1/p' "$NGW_TMP/ping-servers")
check_output "conntrack: the echo left from the address, its id kept, with the servers rule's mark" \
	"src=192\\.0\\.2\\.10 dst=198\\.51\\.100\\.7 type=8 code=0 id=${id:-X} src=198\\.51\\.100\\.7 dst=203\\.0\\.113\\.6 type=0 code=0 id=${id:-X} " \
	on router conntrack -L -p icmp --mark "$((servers))"

# UDP-Lite: a third protocol with ports (skipped where the kernel has no
# UDP-Lite sockets any more). Linux's conntrack checks a forwarded UDP-Lite
# datagram's checksum against a UDP pseudo header (udplite_error() hands
# nf_checksum_partial() IPPROTO_UDP), finds it wrong and leaves the
# datagram untracked, so no NAT translates it; without that check it is
# tracked, and translated as TCP and UDP are.
if serve client udplite 198.51.100.7 5000 2>/dev/null; then
	serve client udplite 2001:db8:ff::100 5000
	on router sysctl -qw net.netfilter.nf_conntrack_checksum=0
	check_output "UDP-Lite: a port in the range" \
		"^peer=203\\.0\\.113\\.5:$in_range local=198\\.51\\.100\\.7:5000\$" \
		probe lanhost connect udplite 198.51.100.7 5000
	check_output "IPv6 UDP-Lite: a port in the range" \
		"^peer=\\[2001:db8:ff::5\\]:$in_range local=\\[2001:db8:ff::100\\]:5000\$" \
		probe lanhost connect udplite 2001:db8:ff::100 5000
	check_output "conntrack: the UDP-Lite flow, translated into the range, carries lan-out's mark" \
		"^udplite .*src=192\\.0\\.2\\.20 dst=198\\.51\\.100\\.7 sport=[0-9]+ dport=5000 src=198\\.51\\.100\\.7 dst=203\\.0\\.113\\.5 sport=5000 dport=$in_range " \
		on router conntrack -L --mark "$((mark))"
	on router sysctl -qw net.netfilter.nf_conntrack_checksum=1
else
	echo "snat_ports: this kernel has no UDP-Lite sockets; its checks skipped"
fi

# Protocols without ports: masqueraded all the same, without the range
before=$(packets_of lan-out)
probe lanhost ping 198.51.100.7 >"$NGW_TMP/ping4" 2>&1
check_output "ICMP: the echo reply came back through the router" '^reply from 198\.51\.100\.7 id=[0-9]+$' \
	cat "$NGW_TMP/ping4"
id4=$(sed -n 's/.* id=\([0-9]*\)$/\1/p' "$NGW_TMP/ping4")
check_output "ICMP: the server saw the echo request from the router's address" '^[1-9][0-9]*$' \
	counted echo4
check_output "conntrack: the echo keeps its id (no port range on ICMP) and carries lan-out's mark" \
	"src=192\\.0\\.2\\.20 dst=198\\.51\\.100\\.7 type=8 code=0 id=${id4:-X} src=198\\.51\\.100\\.7 dst=203\\.0\\.113\\.5 type=0 code=0 id=${id4:-X} " \
	on router conntrack -L -p icmp --mark "$((mark))"
probe lanhost ping 2001:db8:ff::100 >"$NGW_TMP/ping6" 2>&1
check_output "ICMPv6: the echo reply came back through the router" \
	'^reply from 2001:db8:ff::100 id=[0-9]+$' cat "$NGW_TMP/ping6"
id6=$(sed -n 's/.* id=\([0-9]*\)$/\1/p' "$NGW_TMP/ping6")
check_output "ICMPv6: the server saw the echo request from the router's address" '^[1-9][0-9]*$' \
	counted echo6
check_output "conntrack: the ICMPv6 echo keeps its id and carries lan-out's mark" \
	"src=2001:db8:1::20 dst=2001:db8:ff::100 type=128 code=0 id=${id6:-X} src=2001:db8:ff::100 dst=2001:db8:ff::5 type=129 code=0 id=${id6:-X} " \
	on router conntrack -L -f ipv6 -p icmpv6 --mark "$((mark))"
# GRE version 0 without a key, carrying an IPv4 header; and protocol 253
gre=0000080045000014000000004000000000c0000214c6336407
check "GRE: a packet from the LAN host" probe lanhost raw 47 198.51.100.7 $gre
check "GRE over IPv6: a packet from the LAN host" probe lanhost raw 47 2001:db8:ff::100 $gre
check "protocol 253: a packet from the LAN host" probe lanhost raw 253 198.51.100.7 6e6174677700
check "protocol 253 over IPv6: a packet from the LAN host" \
	probe lanhost raw 253 2001:db8:ff::100 6e6174677700
sleep 0.2
check_output "GRE: the server saw it from the router's address" '^[1-9][0-9]*$' counted gre4
check_output "GRE over IPv6: the same" '^[1-9][0-9]*$' counted gre6
check_output "protocol 253: the server saw it from the router's address" '^[1-9][0-9]*$' \
	counted other4
check_output "protocol 253 over IPv6: the same" '^[1-9][0-9]*$' counted other6
check_output "conntrack: the GRE flow carries lan-out's mark" \
	'src=192\.0\.2\.20 dst=198\.51\.100\.7 .*src=198\.51\.100\.7 dst=203\.0\.113\.5 ' \
	on router conntrack -L -p gre --mark "$((mark))"
check_output "conntrack: so does the protocol 253 one, over IPv6" \
	'^unknown +253 .*src=2001:db8:1::20 dst=2001:db8:ff::100 .*src=2001:db8:ff::100 dst=2001:db8:ff::5 ' \
	on router conntrack -L -f ipv6 --mark "$((mark))"
check_output "nothing reached the outside with a LAN source" '^0$' counted untranslated4
check_output "... nor with a LAN IPv6 source" '^0$' counted untranslated6
after=$(packets_of lan-out)
# the two echo replies at least: an snat connection is marked in
# postrouting, after the forward hook counted its first packet under no
# rule (so for every snat rule, of any protocol)
check "natgw show: lan-out counted that traffic too ($before -> $after packets)" \
	test "${after:-0}" -ge $((${before:-0} + 2))

# nft -f of plan --nft builds the table natgw builds (the anonymous set of
# the protocols with ports included)
natgw plan --nft "$C" >"$NGW_TMP/script.nft"
ns_add fresh
ns_add mirror
check "nft -f loads plan --nft" on mirror nft -f "$NGW_TMP/script.nft"
check "natgw applies the same config in a fresh namespace" on fresh "$NGW_BIN" apply "$C"
on fresh nft list table inet natgw >"$NGW_TMP/by-natgw"
on mirror nft list table inet natgw >"$NGW_TMP/by-nft"
check_same "nft -f of plan --nft gives the table natgw builds" "$NGW_TMP/by-natgw" "$NGW_TMP/by-nft"
check_output "natgw takes over the table nft built" '^natgw: applied ' \
	on mirror "$NGW_BIN" apply "$C"
check_output "... and reads it back as its own: no changes" '^natgw: no changes ' \
	on mirror "$NGW_BIN" plan "$C"

# Another range: the rule (and the set of protocols it looks up) is
# replaced in one transaction, and new connections use the new range
sed -i 's/ports: 20000-20099/ports: 22000-22099/' "$C"
check_output "apply: another range" '^natgw: applied ' natgw apply "$C"
check_output "plan: nothing left to change" '^natgw: no changes ' natgw plan "$C"
check_output "TCP: a port in 22000-22099 now" \
	'^peer=203\.0\.113\.5:220[0-9][0-9] local=198\.51\.100\.7:80$' \
	probe lanhost connect tcp 198.51.100.7 80
check_output "ICMP: still masqueraded" '^reply from 198\.51\.100\.7 id=[0-9]+$' \
	probe lanhost ping 198.51.100.7

finish
