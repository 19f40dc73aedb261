#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-forwards.sh N: a valid natgw.yaml with N forwards on stdout, mixing
# what real configs hold: tcp, udp and both; IPv4 and IPv6; single ports and
# port ranges; external addresses; allowed sources. No two rules overlap.
# Used by the scale test and the benchmarks.
set -eu
n=${1:?usage: gen-forwards.sh N}
awk -v n="$n" 'BEGIN {
	print "version: 1"
	print "gateway:"
	print "  wan: eth0"
	print "  lan: br-lan"
	print "forwards:"
	split("tcp udp both", protos, " ")
	for (i = 0; i < n; i++) {
		host = i % 250 + 1
		slot = int(i / 250)
		kind = i % 10
		printf "  - name: f%d\n", i
		printf "    proto: %s\n", protos[i % 3 + 1]
		if (kind == 8) {	# a range, on addresses no other kind uses
			lo = 10000 + slot * 10
			printf "    port: %d-%d\n", lo, lo + 9
			printf "    to: 192.0.2.%d:%d-%d\n", host, lo + 20000, lo + 20009
			printf "    address: 198.51.100.%d\n", host
		} else if (kind == 9) {
			printf "    port: %d\n", 1024 + slot
			printf "    to: \"[2001:db8:1::%x]:%d\"\n", host, 1024 + slot
			printf "    address: 2001:db8::%x\n", host
		} else {
			printf "    port: %d\n", 1024 + slot
			printf "    to: 192.0.2.%d\n", host
			printf "    address: 203.0.113.%d\n", host
			if (kind == 0)
				printf "    from: [198.51.100.0/24, 203.0.113.128/25]\n"
		}
	}
}'
