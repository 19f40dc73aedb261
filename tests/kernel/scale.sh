#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 100,000 forwards: they apply, a connection through the last one works,
# and changing that one rule sends only that change. The times are printed
# for the log; bench/ measures speed, this checks behaviour.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
gen=$(realpath "$3")

"$gen" 99999 >"$NGW_TMP/natgw.yaml"
cat >>"$NGW_TMP/natgw.yaml" <<'YAML'
  - name: last
    port: 60000
    to: 192.0.2.10:8443
YAML
serve server tcp 192.0.2.10 8443
serve server tcp 192.0.2.10 9443

check_output "100,000 forwards apply" '^natgw: applied \+100000 -0 ~0 in [0-9.]+ ms, new table$' \
	natgw apply "$NGW_TMP/natgw.yaml"
cat "$NGW_TMP/check.out"
check_output "a connection through the last one" \
	'^peer=203\.0\.113\.100:[0-9]+ local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 60000
check_output "nft: the last forward's element" '"eth0" \. ipv4 \. tcp \. 60000 comment "last"' \
	on router nft get element inet natgw match_in '{ "eth0" . ipv4 . tcp . 60000 }'

sed -i 's/^    to: 192.0.2.10:8443$/    to: 192.0.2.10:9443/' "$NGW_TMP/natgw.yaml"
check_output "one change among 100,000 is one rule changed, its open connection flushed" \
	'^natgw: applied \+0 -0 ~1 in [0-9.]+ ms, flushed 1 mapping$' natgw apply -v "$NGW_TMP/natgw.yaml"
cp "$NGW_TMP/check.out" "$NGW_TMP/one-change.out"
cat "$NGW_TMP/one-change.out"
check_output "... sent as a handful of messages" 'transaction [0-9.]+ ms \([0-9] messages, ' \
	cat "$NGW_TMP/one-change.out"
check_output "the changed forward reaches its new target" 'local=192\.0\.2\.10:9443$' \
	probe client connect tcp 203.0.113.5 60000
check_output "an unchanged config sends nothing" '^natgw: no changes \(100000 rules' \
	natgw apply "$NGW_TMP/natgw.yaml"

finish
