#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw flush against every kind of conntrack entry a plain masquerade rule
# makes: ICMP and ICMPv6 echo, TCP (an open connection), UDP, GRE (its keys
# travel as ports) and a protocol conntrack knows only by number. Each has
# its own tuple in ctnetlink; a delete must carry it, or the kernel refuses
# (EINVAL). With --rule, for every rule, and through apply's
# flush_on_change; conntrack -L, in the router, is the judge.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

config() {	# config FROM...: the out rule's sources
	cat <<YAML
version: 1
gateway:
  wan: eth0
  flush_on_change: true
snat:
  - name: servers
    from: 192.0.2.10
    to: masquerade
  - name: out
    from: [$(IFS=,; echo "$*")]
    to: masquerade
YAML
}
config 192.0.2.0/24 '"2001:db8:1::/64"' >"$NGW_TMP/a.yaml"
config 192.0.2.0/24 '"2001:db8:1::/64"' '"2001:db8:2::/64"' >"$NGW_TMP/b.yaml"
check "apply" natgw apply "$NGW_TMP/a.yaml"

serve client tcp 198.51.100.7 80
serve client udp 198.51.100.7 5060

# status_is WHAT STATUS COMMAND...: COMMAND must exit with exactly STATUS;
# what it printed stays in $NGW_TMP/status.out
status_is() {
	local what=$1 want=$2 got
	shift 2
	"$@" >"$NGW_TMP/status.out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$what: exit status $got, expected $want"
		sed 's/^/  | /' "$NGW_TMP/status.out" >&2
	fi
}

# ids MARK: the ids of the conntrack entries with exactly this mark (0:
# every entry), sorted. The last id= of a line is the entry's (ICMP's
# identifier is written id= too).
ids() {
	local filter=()
	[ "$1" != 0 ] && filter=(--mark "$(($1))")
	on router conntrack -L "${filter[@]}" -o id 2>/dev/null |
		sed -n 's/.* id=\([0-9]*\)$/\1/p' | sort
}

# kinds MARK: the protocols of its entries, as conntrack names them
kinds() {
	on router conntrack -L --mark "$(($1))" 2>/dev/null | awk '{ print $1 }' | sort -u |
		tr '\n' ' '
}

# entries N: through the out rule, an ICMP echo, an ICMPv6 echo, a UDP
# exchange, an open TCP connection (idle after one exchange, so nothing
# makes its entry again once it is deleted; end_hold N ends it), a GRE
# packet and a packet of protocol 253; and a UDP exchange through the
# servers rule. Waits until conntrack has all of them.
entries() {
	probe lanhost ping 198.51.100.7 >/dev/null
	probe lanhost ping 2001:db8:ff::100 >/dev/null
	probe lanhost connect udp 198.51.100.7 5060 >/dev/null
	probe server connect udp 198.51.100.7 5060 >/dev/null
	bg lanhost "$NGW_PROBE" hold tcp 198.51.100.7 80 --seconds 120 --interval 100000 \
		--until "$NGW_TMP/stop.$1" >"$NGW_TMP/hold.$1" 2>&1
	hold=${NGW_PIDS[-1]}
	# GRE version 0 without a key, carrying an IPv4 header
	probe lanhost raw 47 198.51.100.7 0000080045000014000000004000000000c0000214c6336407
	probe lanhost raw 253 198.51.100.7 6e6174677700
	local out
	out=$(mark_of out)
	for _ in $(seq 100); do
		[ "$(kinds "$out")" = "gre icmp icmpv6 tcp udp unknown " ] && return 0
		sleep 0.05
	done
	echo "entries $1: conntrack has only: $(kinds "$out")" >&2
	return 1
}

end_hold() {	# end_hold N: the TCP connection of entries N closes
	touch "$NGW_TMP/stop.$1"
	wait "$hold"
}

# none_left BEFORE_FILE WHAT: none of the ids in BEFORE_FILE is in conntrack
none_left() {
	ids 0 >"$NGW_TMP/now"
	if [ -s "$1" ] && [ -z "$(comm -12 "$1" "$NGW_TMP/now")" ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "conntrack: $2"
		on router conntrack -L -o id 2>/dev/null | sed 's/^/  | /' >&2
	fi
}

out_mark=$(mark_of out)
servers_mark=$(mark_of servers)

# ---- flush --rule: every entry of the rule goes, the other rule's stay ----
check "the out rule made an entry of each protocol" entries 1
check_output "... natgw mappings lists the ICMP one with bare addresses" '^out +icmp +198\.51\.100\.7 +203\.0\.113\.5 +192\.0\.2\.20 +REPLIED ' \
	natgw mappings --rule out
ids "$out_mark" >"$NGW_TMP/out.1"
ids "$servers_mark" >"$NGW_TMP/servers.1"
n=$(wc -l <"$NGW_TMP/out.1")
status_is "flush --rule out" 0 natgw flush --rule out
check_output "... deletes all $n, and says so" "^natgw: flushed $n mappings of rule out$" \
	cat "$NGW_TMP/status.out"
none_left "$NGW_TMP/out.1" "no entry of the out rule is left (ICMP, ICMPv6, TCP, UDP, GRE, 253)"
check_output "conntrack: the servers rule's entry stays" '^[0-9]+$' \
	comm -12 "$NGW_TMP/servers.1" <(ids "$servers_mark")
end_hold 1

# ---- flush of every rule ----
check "again an entry of each protocol" entries 2
cat <(ids "$out_mark") <(ids "$servers_mark") | sort >"$NGW_TMP/all.2"
n=$(wc -l <"$NGW_TMP/all.2")
status_is "flush (every rule)" 0 natgw flush
check_output "... deletes all $n, and says so" "^natgw: flushed $n mappings of every natgw rule$" \
	cat "$NGW_TMP/status.out"
none_left "$NGW_TMP/all.2" "no natgw entry is left"
end_hold 2

# ---- flush_on_change: apply of a changed rule deletes its entries ----
check "again an entry of each protocol" entries 3
ids "$out_mark" >"$NGW_TMP/out.3"
ids "$servers_mark" >"$NGW_TMP/servers.3"
n=$(wc -l <"$NGW_TMP/out.3")
status_is "apply of a changed rule, flush_on_change true" 0 natgw apply "$NGW_TMP/b.yaml"
check_output "... changed out and flushed its $n mappings" \
	"^natgw: applied \+0 -0 ~1 in [0-9.]+ ms, flushed $n mappings$" cat "$NGW_TMP/status.out"
none_left "$NGW_TMP/out.3" "no entry of the changed rule is left (ICMP and TCP included)"
check_output "conntrack: the unchanged servers rule's entry stays" '^[0-9]+$' \
	comm -12 "$NGW_TMP/servers.3" <(ids "$servers_mark")
end_hold 3

# ---- entries in another conntrack zone: a tuple names an entry within
# its zone, so the delete must say which ----
on router nft -f - <<'NFT'
table inet zones {
	chain pre { type filter hook prerouting priority raw; ct zone set 5; }
	chain out { type filter hook output priority raw; ct zone set 5; }
}
NFT
probe lanhost ping 198.51.100.7 >/dev/null
probe lanhost connect udp 198.51.100.7 5060 >/dev/null
ids "$out_mark" >"$NGW_TMP/zone.4"
check_output "conntrack: the out rule's ICMP and UDP entries are in zone 5" '^[2-9][0-9]*$' \
	sh -c "ip netns exec $(ns_name router) conntrack -L -w 5 --mark $((out_mark)) 2>/dev/null | wc -l"
n=$(wc -l <"$NGW_TMP/zone.4")
status_is "flush --rule out of entries in zone 5" 0 natgw flush --rule out
check_output "... deletes all $n, and says so" "^natgw: flushed $n mappings of rule out$" \
	cat "$NGW_TMP/status.out"
none_left "$NGW_TMP/zone.4" "no entry of the out rule is left in zone 5"
on router nft delete table inet zones

finish
