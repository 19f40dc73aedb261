# SPDX-License-Identifier: GPL-2.0-or-later
# B5: does the daemon's translation table keep up with conntrack? Bursts of
# new natgw entries, each as fast as ctnetlink takes them; after each, how
# long until the daemon's table (natgw mappings --cached --count, no dump)
# equals conntrack's count, at most 1 s counted. The peer, conntrack -E with
# its default buffer, counts the events it saw. A loss the daemon does not
# report and repair is an undetected loss. Source it; bench_b5.

b5_count_daemon() {
	"$NATGW" mappings --cached --count 2>/dev/null | sed -n 's/^\([0-9]*\) mappings\{0,1\}$/\1/p'
}

bench_b5() {
	local bursts=(1000 10000 100000 500000)
	$QUICK && bursts=(1000 10000)
	conntrack_room "${bursts[-1]}"
	say "B5: bursts of new mappings against the daemon and conntrack -E"
	local ns log pid
	ns_new ns || return 1
	log=$BENCH_TMP/b5.log
	printf 'version: 1\nforwards:\n  - name: web\n    port: 53\n    proto: udp\n    to: 192.0.2.10:8443\n' \
		>"$BENCH_TMP/b5.yaml"
	ip netns exec "$ns" "$NATGW" run -c "$BENCH_TMP/b5.yaml" 2>"$log" &
	pid=$!
	for _ in $(seq 100); do grep -q '^natgw: running' "$log" && break; sleep 0.05; done
	ip netns exec "$ns" stdbuf -oL conntrack -E -e NEW >"$BENCH_TMP/b5.events" 2>"$BENCH_TMP/b5.events.err" &
	local peer=$!
	sleep 0.3
	md "## B5: the translation table under bursts of new connections" "" \
	   "Each burst creates K conntrack entries of natgw's through ctnetlink as fast as the kernel takes them (\`bench/ctfill.c\`); the rate is K over the burst's time. Then: how long until \`natgw mappings --cached --count\` (the daemon's table as its events left it, no dump) equals K, waiting at most 1 s; whether the daemon reported a loss (and repaired it from a dump); and how many NEW events \`conntrack -E\` with its default buffer printed." "" \
	   "| burst K | rate (entries/s) | daemon equal after | loss reported by the daemon | conntrack -E saw |" \
	   "|---|---|---|---|---|"
	local k undetected=0 best=0
	for k in "${bursts[@]}"; do
		ip netns exec "$ns" conntrack -F 2>/dev/null
		for _ in $(seq 100); do [ "$(b5_count_daemon)" = 0 ] && break; sleep 0.05; done
		local seen0 lost0 t0 t1 rate
		seen0=$(wc -l <"$BENCH_TMP/b5.events")
		lost0=$(grep -c 'dropped conntrack events' "$log")
		t0=$EPOCHREALTIME
		ip netns exec "$ns" "$CTFILL" "$k" "$k" "$(rule_mark "$ns" web)" >/dev/null || return 1
		t1=$EPOCHREALTIME
		rate=$(awk -v a="$t0" -v b="$t1" -v k="$k" 'BEGIN { printf "%.0f", k / (b - a) }')
		# (a query waits while the daemon repairs its table: the time it
		# answers is the time counted)
		local waited="more than 1 s" n=0 start=$EPOCHREALTIME now in_time=false
		while :; do
			n=$(b5_count_daemon)
			now=$EPOCHREALTIME
			if [ "$n" = "$k" ]; then
				waited=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.0f ms", (b - a) * 1000 }')
				awk -v a="$start" -v b="$now" 'BEGIN { exit !(b - a <= 1) }' && in_time=true
				break
			fi
			awk -v a="$start" -v b="$now" 'BEGIN { exit !(b - a > 1) }' && break
			sleep 0.02
		done
		sleep 0.5
		local seen reported=no warned=""
		seen=$(($(wc -l <"$BENCH_TMP/b5.events") - seen0))
		grep -q ENOBUFS "$BENCH_TMP/b5.events.err" && warned=" (it warned: ENOBUFS)"
		: >"$BENCH_TMP/b5.events.err"
		[ "$(grep -c 'dropped conntrack events' "$log")" -gt "$lost0" ] && reported=yes
		# a table still wrong after 5 s with no loss reported is an undetected loss
		if [ "$n" != "$k" ]; then
			for _ in $(seq 50); do [ "$(b5_count_daemon)" = "$k" ] && break; sleep 0.1; done
			[ "$(b5_count_daemon)" = "$k" ] || [ $reported = yes ] || undetected=$((undetected + 1))
		fi
		$in_time && [ "$rate" -gt "$best" ] && best=$rate
		csv B5 burst-rate ctfill "$k" "$rate" entries/s
		csv B5 conntrack-E-seen conntrack "$k" "$seen" events
		md "| $k | $rate | $waited | $reported | $seen of $k$warned |"
		echo "  $k at $rate/s: daemon equal after $waited, loss reported: $reported; conntrack -E saw $seen" >&2
	done
	kill $peer $pid 2>/dev/null
	wait $pid 2>/dev/null
	ns_del "$ns"
	md "" "| goal | measured | |" "|---|---|---|" \
	   "| zero undetected loss at any rate | $undetected bursts with an undetected loss | $([ $undetected -eq 0 ] && echo met || echo missed) |" \
	   "| highest rate with the table equal within 1 s | $best entries/s | |" "" \
	   "The recovery after a forced overrun is measured in B6 (the daemon stopped while a million entries appear), against one listing of the same table; its goal is judged there." ""
}
