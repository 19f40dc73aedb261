#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 100,000 forwards: all accepted with exact counts, and problems planted
# among them found exactly. (How fast is measured in bench/, not here.)
set -u
natgw=$(realpath "$1")
gen=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

"$gen" 100000 >big.yaml || fail "generator failed"
"$natgw" check -v big.yaml >out 2>err || fail "100,000 forwards rejected: $(head -5 err)"
[ "$(cat out)" = "big.yaml: ok: 100000 forwards, 0 snat rules" ] || fail "summary: $(cat out)"
cat err		# the time it took, for the log

# Plant a clash with f3 (tcp 1024 to 203.0.113.4), a rule that looks alike
# but is not one (f7 takes udp only), and a second f42.
cp big.yaml planted.yaml
grep -A4 -x '  - name: f3' big.yaml | grep -qx '    proto: tcp' || fail "generator changed: f3 is not tcp"
grep -A4 -x '  - name: f7' big.yaml | grep -qx '    proto: udp' || fail "generator changed: f7 is not udp"
cat >>planted.yaml <<'YAML'
  - name: clash
    proto: tcp
    port: 1024
    to: 192.0.2.99
    address: 203.0.113.4
  - name: not-a-clash
    proto: tcp
    port: 1024
    to: 192.0.2.98
    address: 203.0.113.8
  - name: f42
    proto: udp
    port: 65000
    to: 192.0.2.99
YAML
"$natgw" check planted.yaml >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "planted problems: exit status $rc, expected 1"
[ -s out ] && fail "stdout should be empty"
errors=$(grep -c ': error: ' err)
[ "$errors" -eq 2 ] || fail "expected exactly 2 errors, got $errors: $(head -5 err)"
grep -Eq '^planted\.yaml:[0-9]+:5: error: forward "clash" overlaps forward "f3" \(planted\.yaml:[0-9]+:5\): tcp port 1024 to 203\.0\.113\.4 on eth0$' err ||
	fail "the clash with f3 is not reported as expected: $(cat err)"
grep -Eq '^planted\.yaml:[0-9]+:11: error: forward "f42": the name is already used by forward "f42" \(planted\.yaml:[0-9]+:11\); rule names must be unique$' err ||
	fail "the second f42 is not reported as expected: $(cat err)"
[ "$(tail -1 err)" = "2 errors" ] || fail "last line: $(tail -1 err)"
echo "scale: 100000 forwards accepted; planted overlap and duplicate name found"
