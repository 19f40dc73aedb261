#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Forwards with real traffic: tcp, udp, both, IPv6, another target port, a
# range mapped by offset, and the from / in / address restrictions.
# Checked with what the server saw, with nft and with conntrack.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

on router ip addr add 203.0.113.6/24 dev eth0	# a second external address
config_from base - >"$NGW_TMP/natgw.yaml" <<'YAML'
  - name: dns
    proto: udp
    port: 53
    to: 192.0.2.10:5353
  - name: both
    proto: both
    port: 7000
    to: 192.0.2.10
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: game
    proto: udp
    port: 8000-8099
    to: 192.0.2.10:9000-9099
  - name: camera
    port: 10000-10009
    to: 192.0.2.10:8080
  - name: admin
    port: 2222
    to: 192.0.2.10:22
    from: [203.0.113.100, 198.51.100.0/24]
  - name: admin6
    port: 2224
    to: "[2001:db8:1::10]:8443"
    from: ["2001:db8:ff::100", "2001:db8:aa::/48"]
  - name: elsewhere
    port: 3000
    to: 192.0.2.10
    in: eth9
  - name: one-address
    port: 4000
    to: 192.0.2.10
    address: 203.0.113.5
YAML
check "apply" natgw apply "$NGW_TMP/natgw.yaml"

serve server tcp 192.0.2.10 8443
serve server udp 192.0.2.10 5353
serve server tcp 192.0.2.10 7000
serve server udp 192.0.2.10 7000
serve server tcp 2001:db8:1::10 8443
serve server udp 192.0.2.10 9005
serve server udp 192.0.2.10 9099
serve server tcp 192.0.2.10 22
serve server tcp 192.0.2.10 8080
serve server tcp 192.0.2.10 3000
serve server tcp 192.0.2.10 4000

S='peer=203\.0\.113\.100:[0-9]+ local=192\.0\.2\.10'
check_output "tcp forward to another port" "$S:8443\$" probe client connect tcp 203.0.113.5 443
check_output "udp forward to another port" "$S:5353\$" probe client connect udp 203.0.113.5 53
check_output "proto both: tcp" "$S:7000\$" probe client connect tcp 203.0.113.5 7000
check_output "proto both: udp" "$S:7000\$" probe client connect udp 203.0.113.5 7000
check_output "IPv6 forward" 'peer=\[2001:db8:ff::100\]:[0-9]+ local=\[2001:db8:1::10\]:8443$' \
	probe client connect tcp 2001:db8:ff::5 443
check_output "range: 8005 reaches 9005" "$S:9005\$" probe client connect udp 203.0.113.5 8005
check_output "range: 8099 reaches 9099" "$S:9099\$" probe client connect udp 203.0.113.5 8099
check_output "range onto one port: 10005 reaches 8080" "$S:8080\$" \
	probe client connect tcp 203.0.113.5 10005
check_output "range onto one port: 10009 reaches 8080" "$S:8080\$" \
	probe client connect tcp 203.0.113.5 10009
check_fails "range onto one port: 10010 is outside it" 1 \
	probe client connect tcp 203.0.113.5 10010 --timeout 1000
check_output "from: the allowed source connects" "$S:22\$" \
	probe client connect tcp 203.0.113.5 2222 --from 203.0.113.100
check_fails "from: another source does not" 1 \
	probe client connect tcp 203.0.113.5 2222 --from 203.0.113.101 --timeout 1000
check_output "from: a source inside an allowed prefix connects" \
	'peer=198\.51\.100\.7:[0-9]+ local=192\.0\.2\.10:22$' \
	probe client connect tcp 203.0.113.5 2222 --from 198.51.100.7
on client ip -6 addr add 2001:db8:ff::101/64 dev c0 nodad	# a source admin6 refuses
check_output "from, IPv6: the allowed source connects" 'local=\[2001:db8:1::10\]:8443$' \
	probe client connect tcp 2001:db8:ff::5 2224 --from 2001:db8:ff::100
check_fails "from, IPv6: another source does not" 1 \
	probe client connect tcp 2001:db8:ff::5 2224 --from 2001:db8:ff::101 --timeout 1000
check_output "nft: the allowed prefixes are (mark . prefix) ranges" \
	'0x4e[0-9a-f]{6} \. 198\.51\.100\.0/24 comment "admin"' on router nft list set inet natgw source4
check_output "nft: IPv6 too" '0x4e[0-9a-f]{6} \. 2001:db8:aa::/48 comment "admin6"' \
	on router nft list set inet natgw source6
check_fails "in: traffic on another interface is not forwarded" 1 \
	probe client connect tcp 203.0.113.5 3000 --timeout 1000
check_output "address: the named external address forwards" "$S:4000\$" \
	probe client connect tcp 203.0.113.5 4000
check_fails "address: another address of the router does not" 1 \
	probe client connect tcp 203.0.113.6 4000 --timeout 1000
check_output "any local address: the second address forwards too" "$S:8443\$" \
	probe client connect tcp 203.0.113.6 443

# What the kernel says, through its own tools.
web_mark=$(mark_of web)
check_output "web has a natgw mark" '^0x4e[0-9a-f]{6}$' echo "$web_mark"
check_output "conntrack: the web connection carries web's mark and the DNAT" \
	'dst=203\.0\.113\.5 sport=[0-9]+ dport=443 src=192\.0\.2\.10 dst=203\.0\.113\.100 sport=8443' \
	on router conntrack -L -p tcp --orig-port-dst 443 --mark "$((web_mark))"
check_output "nft: web's element is in match_in, with its name" \
	'"eth0" \. ipv4 \. tcp \. 443 comment "web" : 0x4e' on router nft list map inet natgw match_in
check_output "nft: the range maps 8005 to 9005 in target4" \
	'\. 8005 comment "game" : 192\.0\.2\.10 \. 9005' on router nft list map inet natgw target4
check_output "nft: web's counter counted packets" \
	'counter packets [1-9][0-9]* bytes [1-9][0-9]* comment "web"' \
	on router nft list set inet natgw rule_counters
check_output "natgw show: web's counter counted packets" '"rule":"web"[^}]*"packets":[1-9]' \
	natgw show --json
check_output "natgw show: a readable table" '^web +forward +[1-9][0-9]* ' natgw show

finish
