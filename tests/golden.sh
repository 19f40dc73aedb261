#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One golden-file case of `natgw check`.
#
#   golden.sh invalid NATGW DIR/NAME.yaml   exit 1, nothing on stdout, stderr
#                                           exactly DIR/NAME.err
#   golden.sh valid   NATGW DIR/NAME.yaml   exit 0, `check --print` exactly
#                                           DIR/NAME.print, stderr exactly
#                                           DIR/NAME.err (its warnings) or
#                                           empty without one, and that print
#                                           loads back and prints identically;
#                                           `plan --nft` (the compiler's
#                                           table, no kernel) exactly
#                                           DIR/NAME.nft, and the netlink
#                                           messages that make it, parsed
#                                           back by libnftnl (NL_GOLDEN,
#                                           the 4th argument), exactly
#                                           DIR/NAME.netlink
#   golden.sh roundtrip NATGW FILE.yaml     the same without an expected print
#
# UPDATE=1 rewrites the expected file from natgw's output instead of
# comparing: review the diff before committing it.
#
# natgw reads a copy of NAME.yaml that only the user running the test can
# write, in a directory only they can: a checkout's modes (umask 002) and
# owner must not add warnings about who can change the file.
set -u
mode=$1 natgw=$2 yaml=$3 nl_golden=${4:-}
dir=$(cd "$(dirname "$yaml")" && pwd) || exit 1
name=$(basename "$yaml" .yaml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/case" && cp "$dir/$name.yaml" "$tmp/case/" && chmod 600 "$tmp/case/$name.yaml" &&
	chmod 700 "$tmp/case" || exit 1
cd "$tmp/case" || exit 1

fail() {
	echo "FAIL: $name: $*" >&2
	exit 1
}

case $mode in
invalid)
	"$natgw" check "$name.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/err" "$dir/$name.err"; fi
	[ "$rc" -eq 1 ] || fail "exit status $rc, expected 1"
	[ -s "$tmp/out" ] && fail "stdout should be empty: $(head -c 200 "$tmp/out")"
	diff -u "$dir/$name.err" "$tmp/err" || fail "diagnostics differ from $name.err"
	# The JSON form reports the same problems and the same verdict.
	"$natgw" check --json "$name.yaml" >"$tmp/json" 2>"$tmp/jerr"
	rc=$?
	[ "$rc" -eq 1 ] || fail "--json: exit status $rc, expected 1"
	grep -q '"valid":false' "$tmp/json" || fail "--json does not say valid:false"
	errors=$(grep -c ': error: ' "$dir/$name.err")
	grep -q "\"errors\":$errors," "$tmp/json" || fail "--json does not count $errors errors"
	;;
valid | roundtrip)
	"$natgw" check --print "$name.yaml" >"$tmp/print" 2>"$tmp/err"
	rc=$?
	if [ "$mode" = valid ] && [ "${UPDATE:-}" = 1 ]; then
		cp "$tmp/print" "$dir/$name.print"
		if [ -s "$tmp/err" ]; then cp "$tmp/err" "$dir/$name.err"; else rm -f "$dir/$name.err"; fi
	fi
	[ "$rc" -eq 0 ] || fail "exit status $rc, expected 0: $(cat "$tmp/err")"
	if [ "$mode" = valid ] && [ -e "$dir/$name.err" ]; then
		# a valid file with warnings: exactly these, and counted in --json
		grep -q ': error: ' "$dir/$name.err" && fail "$name.err of a valid case holds an error"
		diff -u "$dir/$name.err" "$tmp/err" || fail "warnings differ from $name.err"
		"$natgw" check --json "$name.yaml" >"$tmp/json" 2>/dev/null ||
			fail "--json: exit status $?, expected 0"
		warnings=$(grep -c ': warning: ' "$dir/$name.err")
		grep -q "\"valid\":true,.*\"errors\":0,\"warnings\":$warnings," "$tmp/json" ||
			fail "--json does not count $warnings warnings and no error: $(head -c 300 "$tmp/json")"
	else
		[ -s "$tmp/err" ] && fail "stderr should be empty: $(cat "$tmp/err")"
	fi
	if [ "$mode" = valid ]; then
		diff -u "$dir/$name.print" "$tmp/print" || fail "canonical print differs from $name.print"
		"$natgw" plan --nft "$name.yaml" >"$tmp/nft" 2>"$tmp/nft.err" ||
			fail "plan --nft failed: $(cat "$tmp/nft.err")"
		if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/nft" "$dir/$name.nft"; fi
		[ -e "$dir/$name.nft" ] || fail "no $name.nft: every valid case has the table it compiles to"
		diff -u "$dir/$name.nft" "$tmp/nft" || fail "the compiled table differs from $name.nft"
		[ -n "$nl_golden" ] || fail "no natgw-nl-golden given (the 4th argument)"
		"$nl_golden" "$name.yaml" >"$tmp/netlink" 2>"$tmp/netlink.err" ||
			fail "natgw-nl-golden failed: $(cat "$tmp/netlink.err")"
		if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/netlink" "$dir/$name.netlink"; fi
		[ -e "$dir/$name.netlink" ] || fail "no $name.netlink: every valid case has its transaction"
		diff -u "$dir/$name.netlink" "$tmp/netlink" ||
			fail "the netlink transaction differs from $name.netlink"
	fi
	# print -> re-parse -> print gives the same text
	cp "$tmp/print" "$tmp/again.yaml"
	"$natgw" check --print "$tmp/again.yaml" >"$tmp/print2" 2>"$tmp/err2" ||
		fail "the canonical print does not load: $(cat "$tmp/err2")"
	diff -u "$tmp/print" "$tmp/print2" || fail "the canonical print does not round-trip"
	"$natgw" check "$name.yaml" >"$tmp/ok" || fail "check without --print failed"
	grep -Eqx "$name\.yaml: ok: [0-9]+ forwards?( \([0-9]+ disabled\))?, [0-9]+ snat rules?" \
		"$tmp/ok" || fail "unexpected summary: $(cat "$tmp/ok")"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
exit 0
