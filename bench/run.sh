#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh [--quick] [--only B1,B2,...] [--out DIR]
#   (B1-B6; B5's recovery time is measured with B6)
#
# natgw against the tools operators use instead, in the same run on the same
# kernel, in namespaces of its own. Writes DIR/BENCHMARKS.md (default
# docs/BENCHMARKS.md) with one table per benchmark (natgw, each peer, the
# ratio, the goal, met or missed) and the raw numbers as DIR/benchmarks.csv.
# --quick: smaller sizes and fewer runs (under 2 minutes), for a check that
# the benchmarks still work, not for figures. Needs root; installs what it
# needs (Debian packages) and builds natgw in build-bench/.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
QUICK=false
only=B1,B2,B3,B4,B5,B6
out=$TOP/docs
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=true ;;
	--only) only=$2; shift ;;
	--out) out=$2; shift ;;
	-h | --help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: needs root (network namespaces, nftables, iptables)" >&2
	exit 77
fi

. "$TOP/scripts/lib/debian-packages.sh"
install_debian_packages "${NATGW_BUILD_PACKAGES[@]}" "${NATGW_NET_PACKAGES[@]}" iptables time ||
	exit 1
for tool in iptables-legacy-restore iptables-nft-restore nft; do
	command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing" >&2; exit 1; }
done
# BENCH_NATGW: a natgw already built (the smoke test's); else a Release
# build of its own
NATGW=${BENCH_NATGW:-}
if [ -z "$NATGW" ]; then
	build=$TOP/build-bench
	cmake -S "$TOP" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null &&
		cmake --build "$build" -j"$(nproc)" >/dev/null ||
		{ echo "bench/run.sh: build failed" >&2; exit 1; }
	NATGW=$build/gateway/natgw
fi
CTFILL=${BENCH_CTFILL:-$(dirname "$NATGW")/../bench/natgw-ctfill}
CONNLOAD=${BENCH_CONNLOAD:-$(dirname "$NATGW")/../bench/natgw-connload}
YAMLSCAN=${BENCH_YAMLSCAN:-$(dirname "$NATGW")/../bench/natgw-yamlscan}

. "$TOP/bench/lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$out" "$NATGW_RUN_DIR"
BENCH_MD=$BENCH_TMP/BENCHMARKS.md
BENCH_CSV=$BENCH_TMP/benchmarks.csv
echo "bench,case,tool,n,value,unit" >"$BENCH_CSV"

started=$EPOCHREALTIME
md "# Benchmarks" "" \
   "Written by \`bench/run.sh$($QUICK && echo " --quick")\` on $(date -u '+%Y-%m-%d %H:%M UTC'); the raw numbers are in [benchmarks.csv](benchmarks.csv). Every figure below was measured in this one run, natgw and its peers on the same kernel, in network namespaces." "" \
   "| | |" "|---|---|" \
   "| machine | $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) |" \
   "| kernel | $(uname -r) |" \
   "| nft | $(nft --version) |" \
   "| iptables | $(iptables-legacy --version), $(iptables-nft --version) |" \
   "| natgw | $("$NATGW" --version)$([ -z "${BENCH_NATGW:-}" ] && echo ", Release build") |" ""

for b in ${only//,/ }; do
	case $b in
	B1) . "$TOP/bench/b1-install.sh"; bench_b1 ;;
	B2) . "$TOP/bench/b2-change.sh"; bench_b2 ;;
	B3) . "$TOP/bench/b3-datapath.sh"; bench_b3 ;;
	B4) . "$TOP/bench/b4-mappings.sh"; bench_b4 ;;
	B5) . "$TOP/bench/b5-events.sh"; bench_b5 ;;
	B6) . "$TOP/bench/b6-memory.sh"; bench_b6 ;;
	*) echo "bench/run.sh: no benchmark $b" >&2; exit 2 ;;
	esac || { echo "bench/run.sh: $b failed" >&2; exit 1; }
done
missing=""
for b in B1 B2 B3 B4 B5 B6; do
	[[ ",$only," == *",$b,"* ]] || missing+=" $b"
done
[ -n "$missing" ] && md "Not measured in this run:$missing." ""
cat "$TOP/bench/findings.md" >>"$BENCH_MD"
md "" "The whole run took $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s."
cp "$BENCH_MD" "$out/BENCHMARKS.md"
cp "$BENCH_CSV" "$out/benchmarks.csv"
echo "bench/run.sh: wrote $out/BENCHMARKS.md and $out/benchmarks.csv" >&2
