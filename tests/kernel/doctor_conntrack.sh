#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw doctor and the size of conntrack's table:
#  - endpoint-independent mappings that may need more entries than
#    net.netfilter.nf_conntrack_max: doctor exits 1; max_per_host
#    lowered, no finding, and the full-cone rule carries traffic;
#  - the router's table 90 % full (filled with natgw-ctfill): doctor exits
#    1 while traffic still flows; full: exit 1, and new forwarded
#    and translated connections are dropped; emptied: exit 0, both work.
# nf_conntrack_count is per network namespace, nf_conntrack_max one for the
# machine (read-only in a namespace): the test fills the router's own table
# against the machine's limit and never writes the limit.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
CTFILL=$(realpath "$3")

MAX=$(on router cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo 0)
count() { on router cat /proc/sys/net/netfilter/nf_conntrack_count; }


serve server tcp 192.0.2.10 8443
serve client tcp 198.51.100.7 80
serve client udp 198.51.100.7 53
check "nf_conntrack_max is read-only in the router's namespace (one for the machine)" \
	on router test ! -w /proc/sys/net/netfilter/nf_conntrack_max

# --- endpoint-independent mappings that may outgrow the table
# A addresses x 64512 ports: just more external sockets than MAX entries
A=$((MAX / 64512 + 1))
if [ "$MAX" -gt 0 ] && [ "$A" -le 50 ]; then
	for i in $(seq 6 $((4 + A))); do
		on router ip addr add "203.0.113.$i/24" dev eth0
	done
	C=$NGW_TMP/cone.yaml
	cone() {	# cone MAX_PER_HOST
		config_from base - <<YAML
snat:
  - name: games
    from: 192.0.2.0/24
    proto: udp
    to: 203.0.113.5-203.0.113.$((4 + A))
    endpoint_independent: true
    max_per_host: $1
YAML
	}
	cone 65535 >"$C"
	natgw apply -q "$C"
	NEED=$((A * 64512))
	doctor_says "mappings that may outgrow nf_conntrack_max" "$C" 1 \
		"^$C:10:5: warning: snat \"games\": net\\.netfilter\\.nf_conntrack_max is $MAX, below the $NEED entries the endpoint-independent mappings may take \\(max_per_host for each internal host, at most one per external socket\\); once they fill the table the kernel drops new connections of every rule \\(sysctl -w net\\.netfilter\\.nf_conntrack_max=$NEED \\(global: on the host, not in a container\\), and set it in /etc/sysctl\\.d; or lower max_per_host\\)$"
	# fixed by the rule: 256 hosts x MAX/256 mappings fit
	cone $((MAX / 256)) >"$C"
	natgw apply -q "$C"
	doctor_clean "max_per_host lowered: no finding" "$C"
	check_output "... and the full-cone rule carries traffic" \
		'^peer=203\.0\.113\.[0-9]+:[0-9]+ local=198\.51\.100\.7:53$' \
		probe lanhost connect udp 198.51.100.7 53
else
	echo "doctor_conntrack: nf_conntrack_max is $MAX; the endpoint-independent case needs it under $((50 * 64512)): skipped"
fi

# --- the table nearly full, then full
C=$NGW_TMP/natgw.yaml
config_from base - >"$C" <<'YAML'
snat:
  - name: lan-out
    from: 192.0.2.0/24
YAML
natgw apply -q "$C"
on router conntrack -F >/dev/null 2>&1
doctor_clean "an empty table: no finding" "$C"
if [ "$MAX" -lt 1000 ] || [ "$MAX" -gt 2097152 ]; then
	echo "doctor_conntrack: nf_conntrack_max is $MAX; filling it is skipped (the unit test has the thresholds)"
	finish
	exit
fi

# 92 %: ctfill's entries are answered ones, which the kernel never evicts
FIRST=$((MAX * 92 / 100 - $(count)))
t0=$(date +%s%N)
on router "$CTFILL" "$FIRST" 0 0x4e000001 assured
N=$(count)
PCT=$((N * 100 / MAX))
doctor_says "the table ${PCT} % full" "$C" 1 \
	"^$C:6:5: warning: forward \"web\": the conntrack table is $PCT% full \\($N of $MAX entries, net\\.netfilter\\.nf_conntrack_count and nf_conntrack_max\\); once it is full the kernel drops new connections, forwarded or translated \\(sysctl -w net\\.netfilter\\.nf_conntrack_max=$((MAX * 2)) \\(global: on the host, not in a container\\), and set it in /etc/sysctl\\.d; \`conntrack -L\` shows what fills it\\)$"
natgw doctor --json "$C" >"$NGW_TMP/full.json"
check_output "... JSON: it blocks" \
	'"blocks":true,"rule":"web","kind":"forward","cause":"conntrack_full"' cat "$NGW_TMP/full.json"
check_output "... the forward still works" 'local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 443

# full: the first FIRST of ctfill's entries exist already (refused), the
# rest fill the table. The probe's connection above goes first: closed, it
# would expire within seconds and leave a slot free
on router conntrack -D -s 203.0.113.100 >/dev/null 2>&1
on router "$CTFILL" $((FIRST + MAX - $(count))) 0 0x4e000001 assured 2>/dev/null
echo "doctor_conntrack: $MAX entries made in $((($(date +%s%N) - t0) / 1000000)) ms"
check_output "the table is full" "^$MAX\$" count
doctor_says "a full table" "$C" 1 \
	"^$C:6:5: warning: forward \"web\": the conntrack table is full \\($MAX of $MAX entries, net\\.netfilter\\.nf_conntrack_count and nf_conntrack_max\\): the kernel drops the first packet of every new connection it cannot make room for, forwarded or translated \\(sysctl -w net\\.netfilter\\.nf_conntrack_max=$((MAX * 2)) \\(global: on the host, not in a container\\), and set it in /etc/sysctl\\.d; \`conntrack -L\` shows what fills it\\)$"
natgw doctor --json "$C" >"$NGW_TMP/doctor.json"
check_output "... JSON: it blocks" '"blocks":true,"rule":"web","kind":"forward","cause":"conntrack_full"' \
	cat "$NGW_TMP/doctor.json"
check_fails "... and the forward carries nothing" 1 probe client connect tcp 203.0.113.5 443 --timeout 1000
check_fails "... nor the snat rule" 1 probe lanhost connect tcp 198.51.100.7 80 --timeout 1000

# emptied (what raising the limit does for new connections): no finding
on router conntrack -F >/dev/null 2>&1
doctor_clean "emptied: no finding" "$C"
check_output "... the forward works" 'local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 443
check_output "... and the snat" '^peer=203\.0\.113\.5:[0-9]+ local=198\.51\.100\.7:80$' \
	probe lanhost connect tcp 198.51.100.7 80

finish
