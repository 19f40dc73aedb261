#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/layering.sh fails for what it forbids: each breach is planted in a
# copy of the tree, and the check must name it and exit 1.
set -u
top=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# plant DESCRIPTION FILE TEXT EXPECTED-REGEX: TEXT appended to FILE of a copy
plant() {
	rm -rf "$tmp/tree"
	mkdir "$tmp/tree"
	cp -r "$top/rules" "$top/include" "$top/gateway" "$tmp/tree/"
	mkdir -p "$(dirname "$tmp/tree/$2")"
	printf '%s\n' "$3" >>"$tmp/tree/$2"
	bash "$top/tests/layering.sh" "$tmp/tree" >"$tmp/out" 2>&1
	local status=$?
	if [ $status -ne 1 ] || ! grep -Eq -- "$4" "$tmp/out"; then
		echo "FAIL: $1: exit $status (want 1), saying:" >&2
		sed 's/^/  | /' "$tmp/out" >&2
		fail=1
	else
		echo "ok: $1"
	fi
}

bash "$top/tests/layering.sh" "$top" >/dev/null || { echo "FAIL: the tree itself" >&2; exit 1; }
plant "the compiler includes the daemon" gateway/compile/layout.c \
	'#include "daemon/daemon.h"' 'gateway/compile/ includes "daemon/daemon.h"'
plant "conntrack includes the apply session" gateway/conntrack/xlat.h \
	'#include "apply/session.h"' 'gateway/conntrack/ includes "apply/session.h"'
plant "the renderers include the CLI" gateway/out/json.c \
	'#include "cli/cli.h"' 'gateway/out/ includes "cli/cli.h"'
plant "the compiler includes libnftnl" gateway/compile/mark.c \
	'#include <libnftnl/rule.h>' 'netlink headers in gateway/compile/'
plant "a folder includes another folder's header by its bare name" gateway/kernel/nl.c \
	'#include "kmodel.h"' '"kmodel.h" is not a header of gateway/kernel/'
plant "library code prints to stdout" gateway/apply/apply.c \
	'static void f(void) { printf("x\n"); }' 'gateway/apply/apply.c writes to stdout'
plant "library code exits" gateway/conntrack/flush.c \
	'static void g(void) { exit(3); }' 'gateway/conntrack/flush.c writes to stdout or stderr, or ends'
plant "a library links one above it" gateway/CMakeLists.txt \
	'natgw_library(natgw_extra kernel natgw_daemon)' 'natgw_extra links natgw_daemon'
plant "a new folder outside the table" gateway/extra/x.c \
	'int x;' 'gateway/extra/ has no place'
exit $fail
