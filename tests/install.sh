#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cmake --install into a staging directory lays out every file a router
# needs; the example config is installed only where there is none; the
# systemd unit passes systemd-analyze verify and is hardened; the bash
# completion completes. Touches nothing outside its staging directory.
set -u
BUILD=$1
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect() {	# expect WHAT COMMAND...
	local what=$1
	shift
	if "$@" >"$STAGE/out" 2>&1; then ok; else fail "$what"; sed 's/^/  | /' "$STAGE/out" >&2; fi
}

DESTDIR=$STAGE/root cmake --install "$BUILD" --prefix /usr >"$STAGE/install.log" 2>&1 ||
	{ cat "$STAGE/install.log" >&2; echo "FAIL: cmake --install" >&2; exit 1; }
R=$STAGE/root
for f in usr/sbin/natgw usr/share/man/man8/natgw.8 usr/share/man/man5/natgw.yaml.5 \
	usr/lib/systemd/system/natgw.service usr/share/bash-completion/completions/natgw \
	usr/share/doc/natgw/examples/natgw.yaml etc/natgw/natgw.yaml; do
	expect "installs /$f" test -s "$R/$f"
done
expect "natgw is executable in sbin" test -x "$R/usr/sbin/natgw"
expect "the example became /etc/natgw/natgw.yaml" \
	cmp "$R/usr/share/doc/natgw/examples/natgw.yaml" "$R/etc/natgw/natgw.yaml"
expect "which is root's alone (0600)" test "$(stat -c %a "$R/etc/natgw/natgw.yaml")" = 600
expect "and valid" "$R/usr/sbin/natgw" check -q "$R/etc/natgw/natgw.yaml"

echo "# the operator's edit" >>"$R/etc/natgw/natgw.yaml"
DESTDIR=$R cmake --install "$BUILD" --prefix /usr >"$STAGE/install.log" 2>&1
expect "a second install keeps the operator's file" grep -q "the operator's edit" "$R/etc/natgw/natgw.yaml"
expect "and says so" grep -q "Keeping: .*/etc/natgw/natgw.yaml" "$STAGE/install.log"

U=$R/usr/lib/systemd/system/natgw.service
for line in 'ExecStart=/usr/sbin/natgw run -c /etc/natgw/natgw.yaml' \
	'ExecReload=/bin/kill -HUP $MAINPID' 'CapabilityBoundingSet=CAP_NET_ADMIN' \
	'ProtectSystem=strict' 'PrivateTmp=yes' 'NoNewPrivileges=yes' 'RuntimeDirectory=natgw'; do
	expect "the unit has $line" grep -qxF "$line" "$U"
done
# systemd-analyze verify checks that the commands exist: point the unit at
# the staged binary and man pages
mkdir -p "$STAGE/verify"
sed "s|/usr/sbin/natgw|$R/usr/sbin/natgw|" "$U" >"$STAGE/verify/natgw.service"
MANPATH=$R/usr/share/man systemd-analyze verify "$STAGE/verify/natgw.service" >"$STAGE/verify.out" 2>&1
status=$?
expect "systemd-analyze verify accepts the unit" test "$status" -eq 0 -a ! -s "$STAGE/verify.out"
[ -s "$STAGE/verify.out" ] && sed 's/^/  | /' "$STAGE/verify.out" >&2

complete_words() {	# complete_words WORD...: what completing the last word offers
	bash -c '. /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_natgw; printf "%s\n" "${COMPREPLY[@]}"' \
		"$R/usr/share/bash-completion/completions/natgw" "$@"
}
expect "completion offers the commands" grep -qx apply <(complete_words natgw ap)
expect "and a command's options" grep -qx -- --confirm <(complete_words natgw apply --con)
expect "and protocols" grep -qx udp <(complete_words natgw mappings --proto u)

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
