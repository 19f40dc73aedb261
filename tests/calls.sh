#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No two source files call each other, directly or round a loop: from the
# built objects (usage: calls.sh BUILD_DIR), "A calls a function or uses
# data that B defines" must order every file of gateway/ and rules/.
# The include check (layering.sh) orders the folders; this orders the
# files within them (today's loops were header-shared: a cmd_*.c calling
# main.c's helpers that called back into it, kmodel.c and kmodel_ei.c).
set -u
top=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the objects of today's sources only: a build directory may hold others
n=0
for src in "$top"/gateway/*/*.c "$top"/rules/*.c; do
	file=${src#$top/}
	file=${file%.c}
	case $file in
	rules/*) o=$build/rules/CMakeFiles/natgw_rules.dir/${file#rules/}.c.o ;;
	gateway/cli/*) o=$build/gateway/CMakeFiles/natgw.dir/${file#gateway/}.c.o ;;
	gateway/*) folder=${file#gateway/}
		o=$build/gateway/CMakeFiles/natgw_${folder%%/*}.dir/${file#gateway/}.c.o ;;
	esac
	file=${file#gateway/}
	[ -e "$o" ] || { echo "FAIL: $src is not built ($o)" >&2; exit 1; }
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
