#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-dnat.sh yaml|iptables N: the same N port forwards (tcp, one external
# address and port each, all different, to a LAN host) as a natgw.yaml or
# as N linear iptables DNAT rules in iptables-restore form: the same work
# for natgw, nft and iptables in B1.
set -eu
form=${1:?usage: gen-dnat.sh yaml|iptables N}
n=${2:?usage: gen-dnat.sh yaml|iptables N}
awk -v n="$n" -v form="$form" 'BEGIN {
	if (form == "yaml") {
		print "version: 1\ngateway:\n  wan: eth0\nforwards:"
	} else {
		print "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]"
		print ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]"
	}
	for (i = 0; i < n; i++) {
		host = i % 250 + 1
		port = 1024 + int(i / 250)
		if (form == "yaml")
			printf "  - name: f%d\n    port: %d\n    to: 192.0.2.%d\n    address: 203.0.113.%d\n",
			       i, port, host, host
		else
			printf "-A PREROUTING -d 203.0.113.%d/32 -i eth0 -p tcp -m tcp --dport %d -j DNAT --to-destination 192.0.2.%d\n",
			       host, port, host
	}
	if (form != "yaml")
		print "COMMIT"
}'
