# SPDX-License-Identifier: GPL-2.0-or-later
# B4: time and peak memory to list natgw's mappings from a conntrack table
# of N entries, 10% of them natgw's, against conntrack -L, conntrack -L
# filtered by natgw's mark, and reading /proc/net/nf_conntrack. A third
# table holds 1M entries but only as many of natgw's as the smallest, so
# natgw's memory can be seen not to follow the table's size.
# Source it; bench_b4.

b4_measure() {	# b4_measure NS TOOL: "seconds peak_KiB" of one listing
	local cmd
	case $2 in
	natgw) cmd=("$NATGW" mappings --json) ;;
	conntrack) cmd=(conntrack -L) ;;
	conntrack-mark) cmd=(conntrack -L --mark 0x4e000000/0xff000000) ;;
	proc) cmd=(cat /proc/net/nf_conntrack) ;;
	esac
	local start=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o "$BENCH_TMP/b4.time" \
		ip netns exec "$1" "${cmd[@]}" >"$BENCH_TMP/b4.out" 2>/dev/null || return 1
	awk -v a="$start" -v b="$EPOCHREALTIME" -v m="$(cat "$BENCH_TMP/b4.time")" \
		'BEGIN { printf "%.4f %s\n", b - a, m }'
}

bench_b4() {
	local cases=("100000 10000" "1000000 100000" "1000000 10000") runs=3
	# quick: small enough that no machine's default conntrack limit is raised
	$QUICK && cases=("10000 1000" "50000 1000") runs=1
	local max=0 c
	for c in "${cases[@]}"; do
		set -- $c
		[ "$1" -gt "$max" ] && max=$1
	done
	# the conntrack table must hold the largest case: raised for the run,
	# put back afterwards (bench_cleanup)
	conntrack_room "$max"
	printf 'version: 1\nforwards:\n  - name: web\n    port: 53\n    proto: udp\n    to: 192.0.2.10:8443\n' \
		>"$BENCH_TMP/b4.yaml"
	md "## B4: listing natgw's mappings from a large conntrack table" "" \
	   "Wall time (median of $runs, with the spread) and peak memory (maximum resident set, from GNU time) of one full listing, output to /dev/null; ratio: the peer's time / natgw's. The table is filled by \`bench/ctfill.c\` through ctnetlink; natgw's entries carry its mark and are listed with \`natgw mappings --json\` (rule names from its table)." "" \
	   "| conntrack entries (natgw's) | natgw mappings | conntrack -L | ratio | conntrack -L --mark | ratio | cat /proc/net/nf_conntrack | ratio |" \
	   "|---|---|---|---|---|---|---|---|"
	local ns n k tool t m
	declare -A mem=()
	for c in "${cases[@]}"; do
		set -- $c
		n=$1 k=$2
		say "B4: $n conntrack entries, $k of them natgw's"
		ns_new ns || return 1
		ip netns exec "$ns" "$NATGW" apply -q "$BENCH_TMP/b4.yaml" || return 1
		ip netns exec "$ns" "$CTFILL" "$n" "$k" "$(rule_mark "$ns" web)" >/dev/null || return 1
		declare -A med=() cell=()
		for tool in natgw conntrack conntrack-mark proc; do
			local ts=() ms=()
			for _ in $(seq $runs); do
				read -r t m <<<"$(b4_measure "$ns" $tool)" || return 1
				ts+=("$t")
				ms+=("$m")
				csv B4 "list-$k-of-$n" "$tool" "$n" "$t" s
				csv B4 "peak-$k-of-$n" "$tool" "$n" "$m" KiB
			done
			if [ $tool = natgw ]; then
				local listed
				listed=$(grep -o '"kind":' "$BENCH_TMP/b4.out" | wc -l)
				[ "$listed" -eq "$k" ] || {
					echo "bench: B4: natgw listed $listed mappings, not $k" >&2
					return 1
				}
			fi
			read -r t lo hi <<<"$(stats "${ts[@]}")"
			read -r m _ _ <<<"$(stats "${ms[@]}")"
			med[$tool]=$t
			cell[$tool]="$(fmt_s "$t") ($(fmt_s "$lo")–$(fmt_s "$hi")), $(awk -v k="$m" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
			echo "  $tool: $(fmt_s "$t"), $m KiB" >&2
		done
		mem[$n.$k]=${ms[0]}
		md "| $n ($k) | ${cell[natgw]} | ${cell[conntrack]} | $(ratio "${med[conntrack]}" "${med[natgw]}") | ${cell[conntrack-mark]} | $(ratio "${med[conntrack-mark]}" "${med[natgw]}") | ${cell[proc]} | $(ratio "${med[proc]}" "${med[natgw]}") |"
		if [ $((k * 10)) -eq "$n" ]; then	# the goal is about tables 10% natgw's
			B4_RATIO=$(ratio "${med[conntrack]}" "${med[natgw]}")
			B4_N=$n B4_K=$k
		fi
		ns_del "$ns"
	done
	# flatness: the same number of natgw's mappings in a 10x larger table
	local small big
	set -- ${cases[0]}
	small=${mem[$1.$2]}
	set -- ${cases[-1]}
	big=${mem[$1.$2]}
	local growth
	growth=$(ratio "$big" "$small")
	set -- ${cases[0]}
	local n0=$1 k0=$2
	set -- ${cases[-1]}
	md "" "| goal | measured | |" "|---|---|---|" \
	   "| at least 2x faster than \`conntrack -L\` ($B4_N entries, $B4_K of natgw's) | ${B4_RATIO}x | $(at_least "$B4_RATIO" 2) |" \
	   "| memory flat in table size: natgw's peak for $k0 mappings among $1 entries / among $n0 | ${growth} | $(at_most "$growth" 1.2) |" ""
}
