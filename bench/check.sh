#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/check.sh [BUILD_DIR] — how long `natgw check` takes, and how much
# memory it needs, for 1,000, 10,000 and 100,000 generated forwards.
# Each size runs 5 times; the median wall time is reported with the spread.
# Needs no root. Build first (scripts/test.sh, or cmake in BUILD_DIR).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
natgw=${1:-$top/build}/gateway/natgw
[ -x "$natgw" ] || { echo "bench/check.sh: no $natgw; build first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=5

printf '%-10s %12s %12s %12s %14s %10s\n' forwards "file MiB" "median ms" "min ms" "max ms" "peak MiB"
for n in 1000 10000 100000; do
	"$top/scripts/gen-forwards.sh" "$n" >"$tmp/f.yaml"
	size=$(stat -c %s "$tmp/f.yaml")
	times=() mem=
	for _ in $(seq $runs); do
		start=$EPOCHREALTIME
		"$natgw" check -v "$tmp/f.yaml" >/dev/null 2>"$tmp/err"
		end=$EPOCHREALTIME
		times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
		mem=$(sed -n 's/.*peak memory \([0-9.]*\) MiB.*/\1/p' "$tmp/err")
	done
	sorted=$(printf '%s\n' "${times[@]}" | sort -n)
	median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
	printf '%-10s %12.1f %12.1f %12.1f %14.1f %10s\n' "$n" \
		"$(awk -v s="$size" 'BEGIN { print s / 1048576 }')" "$median" \
		"$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$mem"
done
echo "($(nproc) cores, $(uname -r), natgw $("$natgw" --version | cut -d' ' -f2))"
