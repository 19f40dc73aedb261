# SPDX-License-Identifier: GPL-2.0-or-later
# B1: wall time to install N forwards into an empty namespace: natgw apply,
# nft -f of natgw's own plan --nft script, and N linear DNAT rules through
# iptables-legacy-restore and iptables-nft-restore. Source it; bench_b1.

b1_time() {	# b1_time TOOL FILE: B1_T, the seconds to install FILE in a fresh namespace
	local ns t
	settle	# not while the kernel still frees the last run's namespace
	ns_new ns || return 1
	case $1 in
	natgw) t=$(seconds_of ip netns exec "$ns" "$NATGW" apply -q "$2") ;;
	nft) t=$(seconds_of ip netns exec "$ns" nft -f "$2") ;;
	legacy) t=$(seconds_of ip netns exec "$ns" iptables-legacy-restore "$2") ;;
	iptnft) t=$(seconds_of ip netns exec "$ns" iptables-nft-restore "$2") ;;
	esac
	local status=$?
	ns_del "$ns"
	B1_T=$t
	return $status
}

bench_b1() {
	local sizes=(1000 10000 100000) runs=3 n tool
	$QUICK && sizes=(1000 10000) runs=1
	md "## B1: installing N forwards" "" \
	   "Wall time from an empty namespace to N forwards in the kernel, $runs run(s) each, median (min–max). Ratio: the peer's time / natgw's. All four install the same N port forwards (\`bench/gen-dnat.sh\`: tcp, one external address and port each, to a LAN host): natgw from natgw.yaml, \`nft -f\` from natgw's own \`plan --nft\` script, the iptables tools as N linear DNAT rules." "" \
	   "| N | natgw | nft -f | ratio | iptables-legacy-restore | ratio | iptables-nft-restore | ratio |" \
	   "|---|---|---|---|---|---|---|---|"
	for n in "${sizes[@]}"; do
		say "B1: $n forwards"
		"$TOP/bench/gen-dnat.sh" yaml "$n" >"$BENCH_TMP/b1.yaml"
		"$NATGW" plan --nft "$BENCH_TMP/b1.yaml" >"$BENCH_TMP/b1.nft" 2>/dev/null
		"$TOP/bench/gen-dnat.sh" iptables "$n" >"$BENCH_TMP/b1.ipt"
		declare -A med=()
		for tool in natgw nft legacy iptnft; do
			local file=$BENCH_TMP/b1.yaml vals=() t
			[ $tool = nft ] && file=$BENCH_TMP/b1.nft
			[ $tool = legacy ] || [ $tool = iptnft ] && file=$BENCH_TMP/b1.ipt
			for _ in $(seq $runs); do
				b1_time $tool "$file" || return 1
				t=$B1_T
				vals+=("$t")
				csv B1 install $tool "$n" "$t" s
			done
			read -r m lo hi <<<"$(stats "${vals[@]}")"
			med[$tool]=$m
			B1_CELL[$tool.$n]="$(fmt_s "$m") ($(fmt_s "$lo")–$(fmt_s "$hi"))"
			echo "  $tool: median $(fmt_s "$m")" >&2
		done
		md "| $n | ${B1_CELL[natgw.$n]} | ${B1_CELL[nft.$n]} | $(ratio "${med[nft]}" "${med[natgw]}") | ${B1_CELL[legacy.$n]} | $(ratio "${med[legacy]}" "${med[natgw]}") | ${B1_CELL[iptnft.$n]} | $(ratio "${med[iptnft]}" "${med[natgw]}") |"
		B1_RATIO_NFT=$(ratio "${med[nft]}" "${med[natgw]}")
		B1_RATIO_LEGACY=$(ratio "${med[legacy]}" "${med[natgw]}")
		B1_RATIO_IPTNFT=$(ratio "${med[iptnft]}" "${med[natgw]}")
		med_legacy=${med[legacy]} med_iptnft=${med[iptnft]}
		B1_N=$n
	done
	b1_floors "$B1_N" || return 1
	md "" "Goals at $B1_N (the largest N of this run):" "" \
	   "| goal | measured | |" "|---|---|---|" \
	   "| at least 2x faster than \`nft -f\` | ${B1_RATIO_NFT}x | $(at_least "$B1_RATIO_NFT" 2) |" \
	   "| at least 4x faster than iptables-legacy-restore | ${B1_RATIO_LEGACY}x | $(at_least "$B1_RATIO_LEGACY" 4) |" \
	   "| at least 8x faster than iptables-nft-restore | ${B1_RATIO_IPTNFT}x | $(at_least "$B1_RATIO_IPTNFT" 8) |" ""
}
declare -A B1_CELL=()

# b1_floors N: what natgw's install of N forwards is made of, against what
# the iptables goals leave it: libyaml reading the file and nothing else
# (bench/yamlscan.c), and natgw's kernel transaction alone (apply -v).
b1_floors() {
	local n=$1 ns scans=() t events tx
	"$TOP/bench/gen-dnat.sh" yaml "$n" >"$BENCH_TMP/b1.yaml"
	for _ in 1 2 3; do
		read -r t events < <("$YAMLSCAN" "$BENCH_TMP/b1.yaml") || return 1
		scans+=("$t")
	done
	read -r B1_SCAN _ _ <<<"$(stats "${scans[@]}")"
	settle
	ns_new ns || return 1
	ip netns exec "$ns" "$NATGW" apply -v "$BENCH_TMP/b1.yaml" >/dev/null 2>"$BENCH_TMP/b1.v" ||
		return 1
	ns_del "$ns"
	tx=$(sed -n 's/.*transaction \([0-9.]*\) ms.*/\1/p' "$BENCH_TMP/b1.v")
	B1_TX=$(awk -v m="$tx" 'BEGIN { printf "%.6f", m / 1000 }')
	csv B1 yaml-scan libyaml "$n" "$B1_SCAN" s
	csv B1 transaction natgw "$n" "$B1_TX" s
	md "" "Where natgw's time for $n forwards goes, against what the iptables goals leave it: libyaml reading the file and nothing else (\`bench/yamlscan.c\`, $events events, median of 3) takes $(fmt_s "$B1_SCAN"); natgw's kernel transaction alone (one \`natgw apply -v\`) takes $(fmt_s "$B1_TX"). 4x faster than iptables-legacy-restore leaves $(fmt_s "$(awk -v t="${med_legacy:-0}" 'BEGIN { print t / 4 }')"), 8x faster than iptables-nft-restore $(fmt_s "$(awk -v t="${med_iptnft:-0}" 'BEGIN { print t / 8 }')")."
}
