# SPDX-License-Identifier: GPL-2.0-or-later
# B3: new TCP connections per second through the router, and the
# first-packet latency (connect() to established, p50 and p99), with the
# forward among N natgw forwards, among N linear iptables-legacy DNAT rules
# (the forward last), and with no NAT at all (plain routing).
# Source it; bench_b3.

# client (203.0.113.100) -- eth0 router lan -- server (192.0.2.10)
b3_topology() {
	ns_new B3_C && ns_new B3_R && ns_new B3_S || return 1
	local a="v$RANDOM$RANDOM" b="v$RANDOM$RANDOM" c="v$RANDOM$RANDOM" d="v$RANDOM$RANDOM"
	ip link add "$a" type veth peer name "$b" && ip link add "$c" type veth peer name "$d" ||
		return 1
	ip link set "$a" netns "$B3_C" && ip link set "$b" netns "$B3_R" &&
		ip link set "$c" netns "$B3_R" && ip link set "$d" netns "$B3_S" || return 1
	ip -n "$B3_C" link set "$a" name c0 && ip -n "$B3_R" link set "$b" name eth0 &&
		ip -n "$B3_R" link set "$c" name lan && ip -n "$B3_S" link set "$d" name s0
	ip -n "$B3_C" addr add 203.0.113.100/24 dev c0
	ip -n "$B3_R" addr add 203.0.113.5/24 dev eth0
	ip -n "$B3_R" addr add 192.0.2.1/24 dev lan
	ip -n "$B3_S" addr add 192.0.2.10/24 dev s0
	ip -n "$B3_C" link set c0 up && ip -n "$B3_R" link set eth0 up &&
		ip -n "$B3_R" link set lan up && ip -n "$B3_S" link set s0 up
	ip -n "$B3_C" route add 192.0.2.0/24 via 203.0.113.5	# plain routing
	ip -n "$B3_S" route add default via 192.0.2.1
	ip netns exec "$B3_R" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$B3_S" "$CONNLOAD" serve 192.0.2.10 8080 >/dev/null 2>&1 &
	sleep 0.2
}

# b3_load ADDR: one load run from the client; "rate p50 p99"
b3_load() {
	local line
	line=$(ip netns exec "$B3_C" "$CONNLOAD" connect "$1" 8080 --seconds "$B3_SECONDS" \
		--parallel 32) || return 1
	local failed
	failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
	[ "$failed" -lt 100 ] || echo "bench: B3: $failed connections failed ($line)" >&2
	sed -n 's/.*rate=\([0-9]*\) p50_us=\([0-9]*\) p99_us=\([0-9]*\).*/\1 \2 \3/p' <<<"$line"
}

# b3_case NAME ADDR: RUNS load runs; sets B3_RATE[NAME] and the cell text.
# conntrack is emptied between runs, so each starts alike.
b3_case() {
	local rates=() p50s=() p99s=() r a b
	for _ in $(seq "$B3_RUNS"); do
		ip netns exec "$B3_R" conntrack -F 2>/dev/null
		read -r r a b <<<"$(b3_load "$2")" || return 1
		[ -n "$r" ] || { echo "bench: B3: no result for $1" >&2; return 1; }
		rates+=("$r") p50s+=("$a") p99s+=("$b")
		csv B3 "conn-rate" "$1" 1 "$r" conn/s
		csv B3 "latency-p50" "$1" 1 "$a" us
		csv B3 "latency-p99" "$1" 1 "$b" us
	done
	local m lo hi
	read -r m lo hi <<<"$(stats "${rates[@]}")"
	B3_RATE[$1]=$m
	read -r a _ _ <<<"$(stats "${p50s[@]}")"
	read -r b _ _ <<<"$(stats "${p99s[@]}")"
	md "| $1 | $m ($lo–$hi) | $a µs | $b µs |"
	echo "  $1: $m connections/s, p50 $a µs, p99 $b µs" >&2
}

bench_b3() {
	B3_SECONDS=3 B3_RUNS=3
	local big=100000 mid=10000
	$QUICK && B3_SECONDS=1 B3_RUNS=1 big=10000 mid=1000
	say "B3: connections per second through the router"
	b3_topology || return 1
	declare -gA B3_RATE=()
	md "## B3: new connections through the router" "" \
	   "New TCP connections per second from one client through the router to one server, 32 in flight, each reset as soon as it is established; $B3_RUNS runs of $B3_SECONDS s, median (min–max) rate, and the median of each run's first-packet latency (connect() to established, \`bench/connload.c\`). The forward used is the last of N: natgw's N forwards are \`bench/gen-dnat.sh\` plus it; iptables-legacy's are N linear DNAT rules with it appended." "" \
	   "| case | connections/s | latency p50 | latency p99 |" "|---|---|---|---|"
	b3_case "plain routing, no NAT" 192.0.2.10 || return 1
	local n
	for n in 10 "$big"; do
		"$TOP/bench/gen-dnat.sh" yaml "$n" >"$BENCH_TMP/b3.yaml"
		printf '  - name: b3\n    port: 8080\n    to: 192.0.2.10\n    address: 203.0.113.5\n' \
			>>"$BENCH_TMP/b3.yaml"
		ip netns exec "$B3_R" "$NATGW" apply -q "$BENCH_TMP/b3.yaml" || return 1
		b3_case "natgw, $n forwards" 203.0.113.5 || return 1
	done
	ip netns exec "$B3_R" "$NATGW" down -q -c "$BENCH_TMP/b3.yaml" || return 1
	for n in "$mid" "$big"; do
		"$TOP/bench/gen-dnat.sh" iptables "$n" | sed '$d' >"$BENCH_TMP/b3.ipt"
		printf '%s\nCOMMIT\n' "-A PREROUTING -d 203.0.113.5/32 -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.10" \
			>>"$BENCH_TMP/b3.ipt"
		ip netns exec "$B3_R" iptables-legacy-restore "$BENCH_TMP/b3.ipt" || return 1
		b3_case "iptables-legacy, $n rules" 203.0.113.5 || return 1
	done
	ns_del "$B3_C"	# and the server in it
	ns_del "$B3_R"
	ns_del "$B3_S"
	local flat vs_legacy vs_plain
	flat=$(ratio "${B3_RATE[natgw, $big forwards]}" "${B3_RATE[natgw, 10 forwards]}")
	vs_legacy=$(ratio "${B3_RATE[natgw, $big forwards]}" "${B3_RATE[iptables-legacy, $big rules]}")
	vs_plain=$(ratio "${B3_RATE[natgw, $big forwards]}" "${B3_RATE[plain routing, no NAT]}")
	md "" "| goal | measured | |" "|---|---|---|" \
	   "| natgw at $big forwards at least 0.9x natgw at 10 | ${flat}x | $(at_least "$flat" 0.9) |" \
	   "| at least 5x iptables-legacy at $big rules | ${vs_legacy}x | $(at_least "$vs_legacy" 5) |" \
	   "| at least 0.8x plain routing | ${vs_plain}x | $(at_least "$vs_plain" 0.8) |" ""
}
