# SPDX-License-Identifier: GPL-2.0-or-later
# B2: one forward changed among N: natgw apply end to end and its kernel
# transaction alone (natgw apply -v reports it), against nft -f reloading
# the whole edited script, and natgw's transaction at 1,000 forwards.
# Source it; bench_b2.

# b2_natgw N RUNS: applies N forwards once, then RUNS times flips one
# forward's target; appends "E2E TX" lines to $BENCH_TMP/b2.natgw.N
b2_natgw() {
	local n=$1 runs=$2 ns i
	ns_new ns || return 1
	"$TOP/scripts/gen-forwards.sh" "$n" >"$BENCH_TMP/b2.yaml"
	ip netns exec "$ns" "$NATGW" apply -q "$BENCH_TMP/b2.yaml" || return 1
	: >"$BENCH_TMP/b2.natgw.$n"
	for i in $(seq "$runs"); do
		# forward f1's target alternates between .2 and .3: one change each time
		sed -i "/^  - name: f1$/,/^  - name:/ s/^    to: 192\.0\.2\.[0-9]*$/    to: 192.0.2.$((2 + i % 2))/" \
			"$BENCH_TMP/b2.yaml"
		local t
		settle
		t=$(seconds_of ip netns exec "$ns" "$NATGW" apply -v "$BENCH_TMP/b2.yaml") || return 1
		local tx
		tx=$(sed -n 's/.*transaction \([0-9.]*\) ms.*/\1/p' "$BENCH_TMP/last.err")
		grep -q 'applied +0 -0 ~1' "$BENCH_TMP/last.out" || {
			echo "bench: B2: expected one change, got: $(cat "$BENCH_TMP/last.out")" >&2
			return 1
		}
		echo "$t $(awk -v m="$tx" 'BEGIN { printf "%.6f", m / 1000 }')" >>"$BENCH_TMP/b2.natgw.$n"
	done
	# the peer: the same edit as a full reload of natgw's script by nft
	: >"$BENCH_TMP/b2.nft.$n"
	if [ "$n" -eq "$B2_N" ]; then
		for i in $(seq "$runs"); do
			sed -i "/^  - name: f1$/,/^  - name:/ s/^    to: 192\.0\.2\.[0-9]*$/    to: 192.0.2.$((2 + i % 2))/" \
				"$BENCH_TMP/b2.yaml"
			"$NATGW" plan --nft "$BENCH_TMP/b2.yaml" >"$BENCH_TMP/b2.nft" 2>/dev/null
			settle
			seconds_of ip netns exec "$ns" nft -f "$BENCH_TMP/b2.nft" >>"$BENCH_TMP/b2.nft.$n" ||
				return 1
		done
	fi
	ns_del "$ns"
}

bench_b2() {
	local runs=5
	B2_N=100000
	$QUICK && B2_N=10000 runs=2
	say "B2: one change among $B2_N forwards, and among 1,000"
	b2_natgw "$B2_N" "$runs" || return 1
	b2_natgw 1000 "$runs" || return 1
	local e2e=() tx=() tx1k=() nft=() a b
	while read -r a b; do e2e+=("$a"); tx+=("$b"); csv B2 apply-e2e natgw "$B2_N" "$a" s
		csv B2 transaction natgw "$B2_N" "$b" s; done <"$BENCH_TMP/b2.natgw.$B2_N"
	while read -r a b; do tx1k+=("$b"); csv B2 transaction natgw 1000 "$b" s
		csv B2 apply-e2e natgw 1000 "$a" s; done <"$BENCH_TMP/b2.natgw.1000"
	while read -r a; do nft+=("$a"); csv B2 reload nft "$B2_N" "$a" s; done <"$BENCH_TMP/b2.nft.$B2_N"
	local me lo hi mt tlo thi m1 lo1 hi1 mn nlo nhi
	read -r me lo hi <<<"$(stats "${e2e[@]}")"
	read -r mt tlo thi <<<"$(stats "${tx[@]}")"
	read -r m1 lo1 hi1 <<<"$(stats "${tx1k[@]}")"
	read -r mn nlo nhi <<<"$(stats "${nft[@]}")"
	local share flat
	share=$(ratio "$me" "$mn")
	flat=$(ratio "$mt" "$m1")
	md "## B2: one forward changed among N = $B2_N" "" \
	   "$runs runs, median (min–max). natgw compares the file with the kernel (trusting its verified record of the last apply, see docs/kernel.md) and sends only the change; \`nft -f\` reloads the whole edited script." "" \
	   "| | natgw | \`nft -f\` full reload | natgw at N = 1,000 |" "|---|---|---|---|" \
	   "| end to end | $(fmt_s "$me") ($(fmt_s "$lo")–$(fmt_s "$hi")) | $(fmt_s "$mn") ($(fmt_s "$nlo")–$(fmt_s "$nhi")) | |" \
	   "| kernel transaction | $(fmt_s "$mt") ($(fmt_s "$tlo")–$(fmt_s "$thi")) | | $(fmt_s "$m1") ($(fmt_s "$lo1")–$(fmt_s "$hi1")) |" "" \
	   "| goal | measured | |" "|---|---|---|" \
	   "| end to end at most 0.25x the \`nft -f\` reload | ${share}x | $(at_most "$share" 0.25) |" \
	   "| transaction flat from 1,000 to $B2_N (ratio at most 1.5) | ${flat} | $(at_most "$flat" 1.5) |" ""
}
