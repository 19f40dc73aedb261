# SPDX-License-Identifier: GPL-2.0-or-later
# B6: the daemon's memory with N forwards loaded and M mappings tracked: its
# resident set before and after conntrack is filled with M entries of
# natgw's, per tracked mapping. The fill happens while the daemon is
# stopped, so its event queue overflows and it rebuilds its table from one
# dump: the time of that repair is reported too (B5's recovery figure).
# Source it; bench_b6.

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

bench_b6() {
	local n=100000 m=1000000
	$QUICK && n=10000 m=50000	# under any machine's default conntrack limit
	conntrack_room "$m"
	say "B6: the daemon with $n forwards and $m mappings"
	local ns log pid
	ns_new ns || return 1
	log=$BENCH_TMP/b6.log
	"$TOP/bench/gen-dnat.sh" yaml "$n" >"$BENCH_TMP/b6.yaml"
	ip netns exec "$ns" "$NATGW" run -v -c "$BENCH_TMP/b6.yaml" 2>"$log" &
	pid=$!
	for _ in $(seq 600); do
		grep -q '^natgw: running' "$log" && break
		sleep 0.1
	done
	grep -q '^natgw: running' "$log" || { echo "bench: B6: the daemon did not start" >&2; cat "$log" >&2; return 1; }
	sleep 0.5
	local before after
	before=$(rss_kib $pid)
	kill -STOP $pid
	ip netns exec "$ns" "$CTFILL" "$m" "$m" "$(rule_mark "$ns" f0)" >/dev/null || return 1
	kill -CONT $pid
	for _ in $(seq 600); do
		grep -q "resynchronised from a dump in [0-9]* ms: $m mappings" "$log" && break
		sleep 0.1
	done
	local line
	line=$(grep "resynchronised from a dump in [0-9]* ms: $m mappings" "$log" | tail -1)
	[ -n "$line" ] || { echo "bench: B6: the daemon did not report $m mappings" >&2; tail -3 "$log" >&2; return 1; }
	sleep 0.5
	after=$(rss_kib $pid)
	kill $pid
	wait $pid 2>/dev/null
	# B5's goal: the repair against one listing of the same table (what
	# B4 measures), natgw's own, without the daemon (its table stays)
	local dump
	settle
	dump=$(seconds_of ip netns exec "$ns" "$NATGW" mappings --json) || return 1
	ns_del "$ns"
	local per repair heap0 heap1 rss_per
	# the allocator's count: the resident set alone understates, since the
	# table reuses memory the first apply freed
	heap0=$(sed -n 's/.*heap in use at start: \([0-9]*\) KiB.*/\1/p' "$log" | tail -1)
	heap1=$(sed -n 's/.*heap in use after the resync: \([0-9]*\) KiB.*/\1/p' "$log" | tail -1)
	per=$(awk -v a="$heap1" -v b="$heap0" -v m="$m" 'BEGIN { printf "%.0f", (a - b) * 1024 / m }')
	rss_per=$(awk -v a="$after" -v b="$before" -v m="$m" 'BEGIN { printf "%.0f", (a - b) * 1024 / m }')
	repair=$(sed -n 's/.*resynchronised from a dump in \([0-9]*\) ms.*/\1/p' <<<"$line")
	csv B6 rss-before natgw "$n" "$before" KiB
	csv B6 rss-after natgw "$m" "$after" KiB
	csv B6 heap-before natgw "$n" "$heap0" KiB
	csv B6 heap-after natgw "$m" "$heap1" KiB
	csv B6 bytes-per-mapping natgw "$m" "$per" B
	csv B5 overrun-repair natgw "$m" "$(awk -v r="$repair" 'BEGIN { print r / 1000 }')" s
	csv B5 listing-same-table natgw "$m" "$dump" s
	local dump_ms repair_share
	dump_ms=$(awk -v d="$dump" 'BEGIN { printf "%.0f", d * 1000 }')
	repair_share=$(awk -v r="$repair" -v d="$dump_ms" 'BEGIN { printf "%.2f", r / d }')
	md "## B6: the daemon's memory" "" \
	   "\`natgw run\` with $n forwards (\`bench/gen-dnat.sh\`), then $m conntrack entries of natgw's (\`bench/ctfill.c\`), filled while the daemon was stopped; its resident set (VmRSS) after it started, and after it had rebuilt its translation table." "" \
	   "| | heap in use (the allocator's count, \`natgw run -v\`) | resident set (VmRSS) |" "|---|---|---|" \
	   "| $n forwards, no mappings | $(awk -v k="$heap0" 'BEGIN { printf "%.1f MiB", k / 1024 }') | $(awk -v k="$before" 'BEGIN { printf "%.1f MiB", k / 1024 }') |" \
	   "| $n forwards, $m mappings | $(awk -v k="$heap1" 'BEGIN { printf "%.1f MiB", k / 1024 }') | $(awk -v k="$after" 'BEGIN { printf "%.1f MiB", k / 1024 }') |" \
	   "| per tracked mapping | $per bytes | $rss_per bytes |" "" \
	   "The resident set grows less than the heap because the table reuses pages the first apply freed; the heap's figure is the one judged." "" \
	   "Rebuilding the table of $m mappings after the forced overrun took $repair ms (the daemon's log: \`$(sed 's/^natgw: //' <<<"$line")\`). One listing of the same table (\`natgw mappings --json\`, without the daemon: one conntrack dump, as B4 measures) took $dump_ms ms." "" \
	   "| goal | measured | |" "|---|---|---|" \
	   "| at most 128 bytes per tracked mapping | $per bytes | $(at_most "$per" 128) |" \
	   "| B5: recovery after a forced overrun faster than one dump of the same table | $repair ms, $repair_share of the listing's $dump_ms ms | $(at_most "$repair_share" 0.99) |" ""
}
