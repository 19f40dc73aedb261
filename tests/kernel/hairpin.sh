#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hairpin (NAT reflection): a LAN client reaches a forward through the
# router's external address, IPv4 and IPv6, also at an external address
# added after the apply; replies come back through the router.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

config_from base - >"$NGW_TMP/natgw.yaml" <<'YAML'
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: private
    port: 9000
    to: 192.0.2.10
    hairpin: false
  - name: everywhere
    port: 9100
    to: 192.0.2.10
    in: [eth0, br-lan]
YAML
check "apply" natgw apply "$NGW_TMP/natgw.yaml"
serve server tcp 192.0.2.10 8443
serve server tcp 2001:db8:1::10 8443
serve server tcp 192.0.2.10 9000
serve server tcp 192.0.2.10 9100

# The target sees the router as the peer: without that masquerade its
# replies would go straight to the LAN client and the connection would fail.
check_output "hairpin from a LAN client (IPv4)" \
	'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.10:8443$' probe lanhost connect tcp 203.0.113.5 443
check_output "hairpin from a LAN client (IPv6)" \
	'^peer=\[2001:db8:1::1\]:[0-9]+ local=\[2001:db8:1::10\]:8443$' \
	probe lanhost connect tcp 2001:db8:ff::5 443
check_output "the same forward from outside keeps the client's address" \
	'^peer=203\.0\.113\.100:[0-9]+ local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443
check_fails "the router's own LAN address is not an external address" 1 \
	probe lanhost connect tcp 192.0.2.1 443 --timeout 1000
check_fails "hairpin: false keeps LAN clients out" 1 \
	probe lanhost connect tcp 203.0.113.5 9000 --timeout 1000
check_output "... but not outside clients" 'local=192\.0\.2\.10:9000$' \
	probe client connect tcp 203.0.113.5 9000
check_output "a forward listening on the LAN interface itself" 'local=192\.0\.2\.10:9100$' \
	probe lanhost connect tcp 192.0.2.1 9100

# The WAN address changes, as a new DHCP lease would; nothing is re-applied.
on router sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
on router ip addr add 203.0.113.77/24 dev eth0
on router ip addr del 203.0.113.5/24 dev eth0
check_output "a new WAN address forwards without an apply" \
	'^peer=203\.0\.113\.100:[0-9]+ local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.77 443
check_output "hairpin to the new WAN address without an apply" \
	'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.10:8443$' \
	probe lanhost connect tcp 203.0.113.77 443
check_fails "the old address is no longer the router's" 1 \
	probe lanhost connect tcp 203.0.113.5 443 --timeout 1000
check_output "conntrack: the hairpin connection was masqueraded to the router" \
	'src=192\.0\.2\.20 dst=203\.0\.113\.77 .* src=192\.0\.2\.10 dst=192\.0\.2\.1 ' \
	on router conntrack -L -p tcp --orig-port-dst 443

# Both hosts hang off one bridge. With br_netfilter, bridged frames pass the
# IP hooks too (bridge-nf-call-iptables, 1 by default); hairpin must work
# either way, since natgw routes both directions through the router.
if on router test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
	for v in 0 1; do
		on router sysctl -qw net.bridge.bridge-nf-call-iptables=$v \
			net.bridge.bridge-nf-call-ip6tables=$v
		check_output "hairpin between two hosts of one bridge, bridge-nf-call-iptables=$v" \
			'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.10:8443$' \
			probe lanhost connect tcp 203.0.113.77 443
		check_output "the same over IPv6, bridge-nf-call-ip6tables=$v" \
			'^peer=\[2001:db8:1::1\]:[0-9]+ local=\[2001:db8:1::10\]:8443$' \
			probe lanhost connect tcp 2001:db8:ff::5 443
	done
else
	echo "hairpin: br_netfilter is not loaded: bridged frames never pass natgw's hooks," \
		"so bridge-nf-call-iptables has nothing to change here"
fi

finish
