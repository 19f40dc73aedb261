#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How natgw mappings lists the connections of an endpoint-independent
# ("full cone") UDP mapping, checked against conntrack's own view: X's
# outbound flow to R1, the inbound flow of R3 (which X never contacted and
# which reaches X through the external socket E), and a LAN host reaching X
# through E (hairpin). Over IPv4 and IPv6; from conntrack directly, through
# natgw run (fresh dump and --cached), and in --watch. For each: remote is
# the peer's socket, external the router's socket, internal the LAN host's
# socket, and kind stays the rule's kind (snat).
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

cat >"$NGW_TMP/natgw.yaml" <<'YAML'
version: 1
gateway:
  wan: eth0
  lan: br-lan
snat:
  - name: console
    from: [192.0.2.10, "2001:db8:1::10"]
    proto: udp
    endpoint_independent: true
  - name: lan-out
    from: [192.0.2.0/24, "2001:db8:1::/64"]
YAML
check "apply" natgw apply "$NGW_TMP/natgw.yaml"
addr client c0 2001:db8:ff::103/64	# R3 over IPv6; over IPv4 it is 198.51.100.7
serve client udp 203.0.113.100 7000
serve client udp 2001:db8:ff::100 7000

# ct_view DIRECTION CONNTRACK_FILTER...: "remote external internal" of the
# one entry conntrack -L lists in the router with this filter, read from
# conntrack's tuples alone: inbound (in: the kernel rewrote the
# destination) remote = original source, external = original destination,
# internal = reply source; outbound (out: only the source rewritten)
# internal = original source, external = reply destination, remote =
# original destination. Nothing when conntrack lists no entry or several.
ct_view() {
	local dir=$1
	shift
	on router conntrack -L "$@" 2>/dev/null | awk -v dir="$dir" '
		function sock(a, p) { return (a ~ /:/ ? "[" a "]" : a) ":" p }
		{
			n++
			split("", f)
			for (i = 1; i <= NF; i++) {
				if (split($i, kv, "=") != 2 || kv[1] !~ /^(src|dst|sport|dport)$/)
					continue
				k = kv[1] ((kv[1] "o") in f ? "r" : "o")
				f[k] = kv[2]
			}
			if (dir == "in")
				v = sock(f["srco"], f["sporto"]) " " sock(f["dsto"], f["dporto"]) " " \
				    sock(f["srcr"], f["sportr"])
			else
				v = sock(f["dsto"], f["dporto"]) " " sock(f["dstr"], f["dportr"]) " " \
				    sock(f["srco"], f["sporto"])
		}
		END { if (n == 1) print v }'
}

# natgw_view SOCKET [MAPPINGS ARGS...]: "kind rule remote external
# internal" of every mapping natgw mappings --json lists with SOCKET as one
# of its three sockets that is not the FULL-CONE line
natgw_view() {
	local s=$1
	shift
	natgw mappings --json "$@" | jq -r --arg s "$s" '.[] | select(.state != "FULL-CONE") |
		select([.remote, .external, .internal] | index($s)) |
		"\(.kind) \(.rule) \(.remote) \(.external) \(.internal)"'
}

# table_view SOCKET: "RULE PROTO REMOTE EXTERNAL INTERNAL" of the text
# table's rows with SOCKET in one of its socket columns
table_view() {
	natgw mappings | awk -v s="$1" '$6 != "FULL-CONE" && ($3 == s || $4 == s || $5 == s) {
		print $1, $2, $3, $4, $5 }'
}

# same WHAT EXPECTED ACTUAL: the two lines must be equal
same() {
	printf '%s\n' "$2" >"$NGW_TMP/want"
	printf '%s\n' "$3" >"$NGW_TMP/got"
	check_same "$1" "$NGW_TMP/want" "$NGW_TMP/got"
}

# listing FAMILY X R1 R3 E_ADDR PORT R3_PORT HAIRPIN_FROM HAIRPIN_PORT HAIRPIN_SOURCE:
# X at X:PORT, R3 sends from R3:R3_PORT, the hairpin from
# HAIRPIN_FROM:HAIRPIN_PORT, which X sees as HAIRPIN_SOURCE ("[...]" for IPv6)
listing() {
	local fam=$1 x=$2 r1=$3 r3=$4 e=$5 port=$6 r3port=$7 hp=$8 hpport=$9 hplocal=${10}
	local sx se sr1 sr3 shp want
	sx=$(sock "$x" "$port") se=$(sock "$e" "$port") sr1=$(sock "$r1" 7000)
	sr3=$(sock "$r3" "$r3port") shp=$(sock "$hp" "$hpport")

	# X talks to R1 for the whole listing (keeps the mapping, answers R3)
	bg server "$NGW_PROBE" udppeer udp "$x" "$port" --to "$sr1" --every 500 --seconds 30 \
		>"$NGW_TMP/x.$fam.out"
	sleep 0.5
	check_output "$fam: R1 sees X as $se" "^from $(re "$sr1"): peer=$(re "$se") " \
		cat "$NGW_TMP/x.$fam.out"
	check_output "$fam: R3, never contacted, reaches X through E" \
		"^peer=$(re "$sr3") local=$(re "$sx")\$" \
		on client "$NGW_PROBE" connect udp "$e" "$port" --from "$r3" --sport "$r3port" \
		--timeout 1000
	check_output "$fam: a LAN host reaches X through E (hairpin)" \
		"^peer=$(re "$hplocal"):[0-9]+ local=$(re "$sx")\$" \
		on lanhost "$NGW_PROBE" connect udp "$e" "$port" --from "$hp" --sport "$hpport" \
		--timeout 1000

	# R3's connection: conntrack rewrote its destination, not its source
	want=$(ct_view in -f "$fam" -p udp --dst-nat --orig-src "$r3" --orig-port-src "$r3port")
	same "$fam: conntrack's view of R3's inbound connection (remote external internal)" \
		"$sr3 $se $sx" "$want"
	check_fails "$fam: (conntrack did not rewrite its source)" 1 \
		sh -c "ip netns exec $(ns_name router) conntrack -L -f $fam -p udp --src-nat \
			--orig-src $r3 --orig-port-src $r3port 2>/dev/null | grep ."
	same "$fam: natgw mappings --json lists R3's inbound connection as conntrack has it" \
		"snat console $want" "$(natgw_view "$sr3")"
	same "$fam: the text table's REMOTE, EXTERNAL and INTERNAL columns too" \
		"console udp $want" "$(table_view "$sr3")"

	# X's own flow to R1: outbound, as before
	want=$(ct_view out -f "$fam" -p udp --src-nat --orig-src "$x" --orig-port-src "$port" \
		--orig-dst "$r1")
	same "$fam: conntrack's view of X's outbound flow" "$sr1 $se $sx" "$want"
	same "$fam: natgw mappings lists X's outbound flow as conntrack has it" \
		"snat console $want" "$(natgw_view "$sr1")"

	# the hairpin: both rewritten; listed from the LAN host that sent to E
	want=$(ct_view in -f "$fam" -p udp --dst-nat --orig-src "$hp" --orig-port-src "$hpport")
	same "$fam: conntrack's view of the hairpin (remote external internal)" \
		"$shp $se $sx" "$want"
	same "$fam: natgw mappings lists the hairpin as conntrack has it" \
		"snat console $want" "$(natgw_view "$shp")"

	check_output "$fam: the mapping itself is still listed, remote any" \
		"^console +udp +\\* +$(re "$se") +$(re "$sx") +FULL-CONE " natgw mappings
}

sock() { case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac; }
re() { printf '%s' "$1" | sed 's/[].[*^$\\]/\\&/g'; }

listing ipv4 192.0.2.10 203.0.113.100 198.51.100.7 203.0.113.5 40000 50007 \
	192.0.2.20 50020 192.0.2.1
listing ipv6 2001:db8:1::10 2001:db8:ff::100 2001:db8:ff::103 2001:db8:ff::5 40006 50007 \
	2001:db8:1::20 50020 '[2001:db8:1::1]'

# The same through natgw run: its translation table, from a dump and
# events; then --cached; then --watch for a new inbound connection
bg router "$NGW_BIN" run -v -c "$NGW_TMP/natgw.yaml" 2>"$NGW_TMP/daemon.log"
DPID=${NGW_PIDS[-1]}
check "natgw run starts" wait_running "$NGW_TMP/daemon.log"
for fam in ipv4 ipv6; do
	if [ $fam = ipv4 ]; then
		r3=198.51.100.7 sr3=198.51.100.7:50007 hp=192.0.2.20 shp=192.0.2.20:50020
	else
		r3=2001:db8:ff::103 sr3='[2001:db8:ff::103]:50007' hp=2001:db8:1::20
		shp='[2001:db8:1::20]:50020'
	fi
	want=$(ct_view in -f $fam -p udp --dst-nat --orig-src $r3 --orig-port-src 50007)
	check "$fam: conntrack still has R3's connection" test -n "$want"
	same "$fam: the daemon lists R3's inbound connection as conntrack has it" \
		"snat console $want" "$(natgw_view "$sr3")"
	same "$fam: --cached (the daemon's table as its events left it) too" \
		"snat console $want" "$(natgw_view "$sr3" --cached)"
	same "$fam: the daemon's text table too" "console udp $want" "$(table_view "$sr3")"
	want=$(ct_view in -f $fam -p udp --dst-nat --orig-src $hp --orig-port-src 50020)
	same "$fam: the daemon lists the hairpin as conntrack has it" \
		"snat console $want" "$(natgw_view "$shp" --cached)"
done
check "(the daemon answered)" grep -Eq '^natgw: control socket: mappings \(pid [0-9]+\)$' \
	"$NGW_TMP/daemon.log"

# a new inbound connection while the daemon and a watcher run: the
# daemon's table learns it from an event, the watcher reports it
bg router "$NGW_BIN" mappings --watch --json >"$NGW_TMP/watch.out" 2>&1
WATCH=${NGW_PIDS[-1]}
sleep 0.5
check_output "ipv4: R3 again, from another port" \
	'^peer=198\.51\.100\.7:50008 local=192\.0\.2\.10:40000$' \
	on client "$NGW_PROBE" connect udp 203.0.113.5 40000 --from 198.51.100.7 --sport 50008 \
	--timeout 1000
sleep 0.5
kill -INT "$WATCH"
wait "$WATCH"
want=$(ct_view in -f ipv4 -p udp --dst-nat --orig-src 198.51.100.7 --orig-port-src 50008)
same "conntrack's view of it" "198.51.100.7:50008 203.0.113.5:40000 192.0.2.10:40000" "$want"
same "--watch reports it as conntrack has it" "new snat console $want" \
	"$(jq -r 'select(.event == "new" and ([.remote, .external, .internal] |
		index("198.51.100.7:50008"))) |
		"\(.event) \(.kind) \(.rule) \(.remote) \(.external) \(.internal)"' "$NGW_TMP/watch.out")"
same "the daemon's table (from the event) has it as conntrack has it" "snat console $want" \
	"$(natgw_view 198.51.100.7:50008 --cached)"
check "the daemon is still running" kill -0 "$DPID"
check_fails "and logged nothing about the inbound connections" 1 \
	grep -Eq 'collision|both got external|max_per_host' "$NGW_TMP/daemon.log"
kill "$DPID"
wait "$DPID" 2>/dev/null

finish
