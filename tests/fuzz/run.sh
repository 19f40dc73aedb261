#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh TARGET CORPUS SECONDS: replays every input of CORPUS (each must
# pass), then fuzzes SECONDS more from it. New inputs go to a scratch
# directory, not into the repository; a crash leaves its input there and
# is printed. Prints libFuzzer's final statistics (executions).
set -u
target=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=$(find "$corpus" -type f | wc -l)
if [ "$n" -eq 0 ]; then
	echo "FAIL: $corpus has no seed inputs" >&2
	exit 1
fi
echo "replaying $n inputs of $corpus"
"$target" -runs=0 -rss_limit_mb=4096 "$corpus" >"$work/replay.log" 2>&1 || {
	tail -40 "$work/replay.log" >&2
	echo "FAIL: an input of $corpus fails" >&2
	exit 1
}
echo "fuzzing for $seconds s"
mkdir "$work/new"
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/new" "$corpus" >"$work/fuzz.log" 2>&1
status=$?
grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$work/fuzz.log"
if [ $status -ne 0 ]; then
	tail -60 "$work/fuzz.log" >&2
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$f" ] && { echo "input $f:" >&2; od -c "$f" | head -20 >&2; }
	done
	echo "FAIL: fuzzing $target found a problem" >&2
	exit 1
fi
