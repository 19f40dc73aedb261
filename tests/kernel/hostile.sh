#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A catalogue of hostile input, each given to `natgw apply` on a router that
# runs a ruleset: the exit status and the clear error expected, and nftables
# exactly as it was (natgw's table and another program's), every time.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
GOLDEN=$(cd "$(dirname "$0")/../golden/invalid" && pwd)
C=$NGW_TMP/natgw.yaml

config_from base - >"$C" <<'YAML'
  - name: ssh
    port: 2222
    to: 192.0.2.10:22
    from: [203.0.113.0/24]
snat:
  - name: lan-out
    from: 192.0.2.0/24
YAML
check_output "the ruleset under attack is applied" '^natgw: applied \+3 ' natgw apply "$C"
# another program's table, which must not be touched either
on router nft add table inet other
on router nft add chain inet other keep
on router nft list ruleset >"$NGW_TMP/before"
serve server tcp 192.0.2.10 8443

unchanged() {	# unchanged WHAT: nftables is what it was before any attack
	on router nft list ruleset >"$NGW_TMP/after"
	check_same "$1: nftables unchanged" "$NGW_TMP/before" "$NGW_TMP/after"
}

# attack NAME STATUS REGEX COMMAND...: COMMAND exits with STATUS and prints
# a line matching REGEX; nothing in nftables changed
attack() {
	local name=$1 want=$2 re=$3
	shift 3
	"$@" >"$NGW_TMP/attack.out" 2>&1
	local got=$?
	if [ "$got" -ne "$want" ]; then
		failed "$name: exit status $got, expected $want"
		sed 's/^/  | /' "$NGW_TMP/attack.out" | head -5 >&2
	else
		check_output "$name: says why" "$re" cat "$NGW_TMP/attack.out"
	fi
	unchanged "$name"
}

# golden GOLDEN_NAME: an invalid file of tests/golden, applied from a copy
# only root can change (the checkout's owner and modes would add warnings),
# so the errors are exactly the golden ones
golden() {
	local name=$1
	mkdir -p "$NGW_TMP/golden" && chmod 700 "$NGW_TMP/golden" &&
		install -m 600 "$GOLDEN/$name.yaml" "$NGW_TMP/golden/"
	(cd "$NGW_TMP/golden" && on router "$NGW_BIN" apply "$name.yaml") >"$NGW_TMP/attack.out" 2>&1
	local got=$?
	if [ "$got" -ne 1 ]; then
		failed "$name: exit status $got, expected 1"
	elif ! diff -u "$GOLDEN/$name.err" "$NGW_TMP/attack.out" >"$NGW_TMP/diff" 2>&1; then
		failed "$name: not the golden errors"
		sed 's/^/  | /' "$NGW_TMP/diff" | head -10 >&2
	else
		NGW_PASSED=$((NGW_PASSED + 1))
	fi
	unchanged "$name"
}

# YAML's own attacks, and bytes that are not text
golden billion-laughs		# anchors and aliases are refused
golden deep-nesting		# more than 32 levels
golden nul-byte
golden non-utf8
golden interface-names		# longer than the kernel's 15 bytes, and worse
golden port-zero-negative	# 0 and -1
golden port-out-of-range	# 65536 and beyond
golden invalid-ipv4
golden invalid-ipv6
golden table-name-invalid

# a 10 MB scalar: read, measured, refused, quickly
awk 'BEGIN { printf "version: 1\nforwards:\n  - name: big\n    port: 80\n    to: 192.0.2.10\n    comment: \""
	     for (i = 0; i < 1000000; i++) printf "xxxxxxxxxx"; printf "\"\n" }' >"$NGW_TMP/scalar.yaml"
attack "a 10 MB scalar" 1 'comment is 10000000 bytes; the limit is 128' \
	natgw apply "$NGW_TMP/scalar.yaml"

# 1,000,000 rules: at least 30 MB of YAML, over the 16 MiB a file may have
"$(dirname "$0")/../../bench/gen-dnat.sh" yaml 1000000 >"$NGW_TMP/million.yaml"
attack "1,000,000 rules" 1 'error: the file is [0-9]+ bytes; natgw reads at most 16 MiB' \
	natgw apply "$NGW_TMP/million.yaml"

# every port and address edge in one file: each named, none applied
cat >"$NGW_TMP/edges.yaml" <<'YAML'
version: 1
gateway:
  wan: eth0
forwards:
  - name: highest
    port: 65535
    to: 192.0.2.10
  - name: over
    port: 65536
    to: 192.0.2.10
  - name: broadcast
    port: 102
    to: 255.255.255.255
  - name: unspecified
    port: 103
    to: 0.0.0.0
  - name: scoped
    port: 104
    to: "[fe80::1%eth0]"
  - name: any-source
    port: 105
    to: 192.0.2.10
    from: [0.0.0.0/0]
  - name: any-source6
    port: 106
    to: "[2001:db8:1::10]"
    from: ["::/0"]
YAML
attack "port and address edges" 1 '^4 errors$' natgw apply "$NGW_TMP/edges.yaml"
for re in 'forward "over": port 65536 is out of range \(1-65535\)' \
	'forward "broadcast": to: 255\.255\.255\.255 is the broadcast address' \
	'forward "unspecified": to: 0\.0\.0\.0 is the unspecified address' \
	'forward "scoped": to: scoped IPv6 address "fe80::1%eth0": zones are not supported'; do
	check_output "edges: $re" "$re" cat "$NGW_TMP/attack.out"
done
check_fails "edges: 65535, 0.0.0.0/0 and ::/0 are accepted" 1 \
	grep -E '"(highest|any-source|any-source6)"' "$NGW_TMP/attack.out"

# CRLF line ends: the same rules, so nothing to change
sed 's/$/\r/' "$C" >"$NGW_TMP/crlf.yaml"
attack "CRLF line ends" 0 '^natgw: no changes \(3 rules in table inet natgw\)$' \
	natgw apply "$NGW_TMP/crlf.yaml"

# files that cannot be read: exit 3
ln -s loop-b "$NGW_TMP/loop-a"
ln -s loop-a "$NGW_TMP/loop-b"
attack "a symlink loop for -c" 3 'cannot read .*loop-a: Too many levels of symbolic links' \
	natgw apply -c "$NGW_TMP/loop-a"
attack "a missing directory" 3 'cannot read /nonexistent/natgw/natgw.yaml: No such file or directory' \
	natgw apply -c /nonexistent/natgw/natgw.yaml
attack "a directory" 3 'cannot read .*: Is a directory' natgw apply "$NGW_TMP"
cp "$C" "$NGW_TMP/unreadable.yaml"
chmod 000 "$NGW_TMP/unreadable.yaml"
# root reads anything; without the capabilities that let it, it cannot
attack "an unreadable file" 3 'cannot read .*unreadable\.yaml: Permission denied' \
	on router setpriv --bounding-set=-dac_override,-dac_read_search \
	"$NGW_BIN" apply "$NGW_TMP/unreadable.yaml"

# a table name that is another program's table
sed 's/^  lan: br-lan$/  lan: br-lan\n  table: other/' "$C" >"$NGW_TMP/collide.yaml"
attack "a table name that is another program's" 3 \
	'table inet other exists and was not made by natgw; natgw does not touch other tables' \
	natgw apply "$NGW_TMP/collide.yaml"

check_output "after all of it, natgw still forwards" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443
finish
