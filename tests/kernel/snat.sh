#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Source NAT as a server outside sees it: masquerade with a port range,
# snat to an address, a static source-port mapping whose replies reach the
# internal socket, IPv6 masquerade, rule order, and conntrack's marks.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

on router ip addr add 203.0.113.6/24 dev eth0	# the address "servers" leave with
cat >"$NGW_TMP/natgw.yaml" <<'YAML'
version: 1
gateway:
  wan: eth0
snat:
  - name: phone
    proto: udp
    from: 192.0.2.20:5060
    to: 203.0.113.5:15060
  - name: lanhost-tcp
    proto: tcp
    from: 192.0.2.20/32
    to: masquerade
    ports: 20000-20099
  - name: servers
    from: 192.0.2.10
    to: 203.0.113.6
  - name: lan-out
    from: [192.0.2.0/24, 2001:db8:1::/64]
YAML
check "apply" natgw apply "$NGW_TMP/natgw.yaml"

# the client is the outside world; 198.51.100.7 is a server behind it
serve client tcp 198.51.100.7 80
serve client udp 198.51.100.7 5060
serve client udp 198.51.100.7 53
serve client tcp 2001:db8:ff::100 80

check_output "static source-port mapping: the server sees the exact external socket" \
	'^peer=203\.0\.113\.5:15060 local=198\.51\.100\.7:5060$' \
	probe lanhost connect udp 198.51.100.7 5060 --sport 5060
check_output "... and its reply reached the internal socket" '^peer=203\.0\.113\.5:15060 ' \
	probe lanhost connect udp 198.51.100.7 5060 --sport 5060
check_output "masquerade with ports: a source port in 20000-20099" \
	'^peer=203\.0\.113\.5:200[0-9][0-9] local=198\.51\.100\.7:80$' \
	probe lanhost connect tcp 198.51.100.7 80
check_output "rule order: lanhost's udp is not in the tcp rule, so lan-out takes it" \
	'^peer=203\.0\.113\.5:[0-9]+ local=198\.51\.100\.7:53$' \
	probe lanhost connect udp 198.51.100.7 53
check_output "snat to an address" '^peer=203\.0\.113\.6:[0-9]+ local=198\.51\.100\.7:80$' \
	probe server connect tcp 198.51.100.7 80
check_output "IPv6 masquerade" '^peer=\[2001:db8:ff::5\]:[0-9]+ local=\[2001:db8:ff::100\]:80$' \
	probe lanhost connect tcp 2001:db8:ff::100 80

check_output "conntrack: the phone's mapping carries the phone rule's mark" \
	'src=192\.0\.2\.20 dst=198\.51\.100\.7 sport=5060 dport=5060 src=198\.51\.100\.7 dst=203\.0\.113\.5 sport=5060 dport=15060' \
	on router conntrack -L -p udp --mark "$(($(mark_of phone)))"
check_output "conntrack: the servers rule's connection carries its mark" 'dst=203\.0\.113\.6 ' \
	on router conntrack -L -p tcp --mark "$(($(mark_of servers)))"
check_output "natgw show: lan-out counted traffic" '"rule":"lan-out"[^}]*"packets":[1-9]' \
	natgw show --json

finish
