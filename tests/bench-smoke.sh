#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmarks still run: bench/run.sh --quick for the parts that take
# seconds, with the natgw under test, into a directory of its own. Checks
# that each wrote its table and raw numbers; the figures themselves are for
# docs/BENCHMARKS.md, not for a pass or fail here.
set -u
natgw=$(realpath "$1")
ctfill=$(realpath "$2")
connload=$(realpath "$3")
yamlscan=$(realpath "$4")
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIPPED: bench-smoke needs root (network namespaces)" >&2
	exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
BENCH_NATGW=$natgw BENCH_CTFILL=$ctfill BENCH_CONNLOAD=$connload BENCH_YAMLSCAN=$yamlscan \
	bash "$top/bench/run.sh" --quick --only B1,B2,B3,B4,B5,B6 \
	--out "$out" || exit 1
failed=0
for want in '^## B1: installing N forwards$' '^\| 10000 \| [0-9.]+ m?s ' \
	'^## B2: one forward changed among N = 10000$' '^\| kernel transaction \| [0-9.]+ m?s' \
	'^\| at least 2x faster than `nft -f` \| [0-9.]+x \| (met|missed) \|$' \
	'^## B4: listing natgw' '^\| 50000 \(1000\) \| [0-9.]+ m?s ' \
	'^\| per tracked mapping \| [0-9]+ bytes \| [0-9-]+ bytes \|$' \
	'^Where natgw.s time for 10000 forwards goes.*libyaml .* takes [0-9.]+ m?s; natgw.s kernel transaction alone .* takes [0-9.]+ m?s\.' \
	'^\| B5: recovery after a forced overrun faster than one dump of the same table \| [0-9]+ ms, [0-9.]+ of the listing.s [0-9]+ ms \| (met|missed) \|$' \
	'^\| natgw, 10000 forwards \| [0-9]+ ' '^\| plain routing, no NAT \| [0-9]+ ' \
	'^\| 10000 \| [0-9]+ \| ([0-9]+ ms|more than 1 s) \| (yes|no) \| [0-9]+ of 10000[^|]* \|$'; do
	grep -Eq "$want" "$out/BENCHMARKS.md" || { echo "FAIL: BENCHMARKS.md lacks /$want/" >&2; failed=1; }
done
for want in '^B1,install,natgw,10000,[0-9.]+,s$' '^B1,install,iptnft,10000,' \
	'^B2,transaction,natgw,1000,' '^B4,peak-1000-of-50000,natgw,50000,[0-9]+,KiB$'; do
	grep -Eq "$want" "$out/benchmarks.csv" || { echo "FAIL: benchmarks.csv lacks /$want/" >&2; failed=1; }
done
[ "$failed" -eq 0 ] && echo "bench-smoke: ok"
