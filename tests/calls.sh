#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No two source files call each other, directly or round a loop: from the
# built objects (usage: calls.sh BUILD_DIR), "A calls a function or uses
# data that B defines" must order every file of gateway/ and rules/.
# The include check (layering.sh) orders the folders; this orders the
# files within them (today's loops were header-shared: a cmd_*.c calling
# main.c's helpers that called back into it, kmodel.c and kmodel_ei.c).
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

objects=$(find "$build/gateway" "$build/rules" -path '*CMakeFiles/natgw*.dir/*' -name '*.c.o' | sort)
[ -n "$objects" ] || { echo "FAIL: no objects under $build" >&2; exit 1; }
n=0
for o in $objects; do
	file=${o#*.dir/}
	file=${file%.c.o}
	case $o in */natgw_rules.dir/*) file=rules/$file ;; esac
	nm --defined-only "$o" | awk -v f="$file" '$2 ~ /^[TDBR]$/ { print $3, f }' >>"$tmp/defs"
	nm --undefined-only "$o" | awk -v f="$file" '{ print $2, f }' >>"$tmp/uses"
	echo "$file $file" >>"$tmp/edges"	# every file is in the order
	n=$((n + 1))
done
sort -k1,1 "$tmp/defs" >"$tmp/defs.s"
sort -k1,1 "$tmp/uses" >"$tmp/uses.s"
join "$tmp/uses.s" "$tmp/defs.s" | awk '$2 != $3 { print $2, $3 }' | sort -u >>"$tmp/edges"
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/loop"; then
	echo "FAIL: source files that call each other:" >&2
	sed 's/^/  /' "$tmp/loop" >&2
	exit 1
fi
echo "calls: $n files of gateway/ and rules/, $(($(wc -l <"$tmp/edges") - n)) calls between them, no loop"
