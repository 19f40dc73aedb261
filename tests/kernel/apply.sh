#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The life of natgw's table: re-apply, plan, configs that are invalid or
# that the kernel rejects (nothing changes), other tables (never touched),
# a connection that lives through applies, the nft script, and down.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
C=$NGW_TMP/natgw.yaml

base_config() {
	config_from base - <<'YAML'
  - name: ssh
    port: 2222
    to: 192.0.2.10:22
    from: [203.0.113.0/24]
YAML
	printf '%s' "${EXTRA_FORWARDS:-}"	# more forwards, before the snat section
	cat <<'YAML'
snat:
  - name: lan-out
    from: 192.0.2.0/24
YAML
}
listing() { on router nft list table inet natgw; }

# Another manager's table with its own NAT chain, and traffic through it.
on router nft -f - <<'NFT'
table ip other {
	chain pre {
		type nat hook prerouting priority dstnat - 5; policy accept;
		tcp dport 8081 dnat to 192.0.2.10:8443
	}
}
NFT
on router nft list table ip other >"$NGW_TMP/other.before"
serve server tcp 192.0.2.10 8443
serve server tcp 192.0.2.10 22
check_output "the other table forwards before natgw" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 8081

base_config >"$C"
# Before the first apply there is no table. With --json every outcome is one
# JSON document on stdout, a failure too: {"error", "diagnostics"}; the text
# stays on stderr.
no_table="there is no table inet natgw (nothing applied yet?)"
printf '{"error":"%s","diagnostics":[{"severity":"error","line":0,"column":0,"message":"%s"}]}\n' \
	"$no_table" "$no_table" >"$NGW_TMP/no-table.json"
for cmd in show mappings; do
	natgw "$cmd" --json -c "$C" >"$NGW_TMP/o" 2>"$NGW_TMP/e"
	check_output "$cmd --json without a table exits 3" '^3$' echo $?
	check_same "... with the error as JSON on stdout" "$NGW_TMP/no-table.json" "$NGW_TMP/o"
	check_output "... and as text on stderr" '^natgw: there is no table inet natgw \(nothing applied yet\?\)$' \
		cat "$NGW_TMP/e"
done
# (flush needs no table: mappings outlive it, natgw down leaves them)
check_output "flush --json without a table: nothing to flush" \
	'^\{"rule":"","flushed":0,"left":0,"error":"","diagnostics":\[\]\}$' natgw flush --json -c "$C"
check_output "plan --json of a new table: one object" \
	'^\{"table":"natgw","new_table":true,"rebuild_reason":"","added":3,"removed":0,"changed":0,"rules":\[\{"rule":"web",' \
	natgw plan --json "$C"
check_output "first apply" '^natgw: applied \+3 -0 ~0 in [0-9.]+ ms, new table$' natgw apply "$C"
check_output "apply --json: nothing to change, no error" \
	'^\{"applied":true,"added":0,"removed":0,"changed":0,"new_table":false,"rebuild_reason":"","ms":[0-9.]+,.*"error":"","diagnostics":\[\],"rules":\[' \
	natgw apply --json "$C"
listing >"$NGW_TMP/t1"
check_output "re-apply changes nothing" '^natgw: no changes \(3 rules in table inet natgw\)$' \
	natgw apply "$C"
listing >"$NGW_TMP/t2"
check_same "re-apply leaves the table as it was" "$NGW_TMP/t1" "$NGW_TMP/t2"
check_output "nothing committed since the last apply: its record is used as it is" \
	'elements from the record of the last apply \(nothing committed to nftables since\)' \
	natgw apply -v "$C"
on router nft add table inet scratch
check_output "after another program's commit, the record is checked against rule_counters" \
	'elements from the verified record of the last apply$' natgw apply -v "$C"
on router nft delete table inet scratch
natgw apply -q "$C"
sed -i '1s/ netns [0-9]*$/ netns 12345/' "$NATGW_RUN_DIR"/applied-natgw-*.yaml
check_output "a record that names another namespace (a reused inode) is checked too" \
	'elements from the verified record of the last apply$' natgw apply -v "$C"
check_output "the other table still forwards" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 8081
# a closed stdin is nothing to read, not an empty ruleset to apply
listing >"$NGW_TMP/t1"
check_fails "apply - with stdin closed is refused" 3 \
	on router sh -c 'exec "$0" apply - <&-' "$NGW_BIN"
cp "$NGW_TMP/check.out" "$NGW_TMP/stdin.out"
check_output "saying why" '^natgw: cannot read -: Bad file descriptor$' cat "$NGW_TMP/stdin.out"
listing >"$NGW_TMP/t2"
check_same "and the table keeps its rules" "$NGW_TMP/t1" "$NGW_TMP/t2"
check_output "natgw forwards too" 'local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 443

# plan: what would change, and nothing changes
EXTRA_FORWARDS=$'  - name: extra\n    port: 5000\n    to: 192.0.2.10\n' base_config |
	sed 's/192.0.2.10:8443/192.0.2.11:8443/' >"$NGW_TMP/edit.yaml"
sed -i '/^  - name: ssh$/,/^    from:/d' "$NGW_TMP/edit.yaml"
listing >"$NGW_TMP/t1"
natgw plan "$NGW_TMP/edit.yaml" >"$NGW_TMP/plan.out" 2>&1
check_output "plan: web changed" '^~ forward web +tcp 443 -> 192\.0\.2\.11:8443' cat "$NGW_TMP/plan.out"
check_output "plan: extra added" '^\+ forward extra +tcp 5000' cat "$NGW_TMP/plan.out"
check_output "plan: ssh removed" '^- forward ssh ' cat "$NGW_TMP/plan.out"
check_output "plan: the count" '^natgw: plan: \+1 -1 ~1$' cat "$NGW_TMP/plan.out"
listing >"$NGW_TMP/t2"
check_same "plan changes nothing" "$NGW_TMP/t1" "$NGW_TMP/t2"

# An invalid config: exit 1, nothing applied.
EXTRA_FORWARDS=$'  - name: bad\n    port: 70000\n    to: 192.0.2.10\n' base_config >"$NGW_TMP/bad.yaml"
natgw apply "$NGW_TMP/bad.yaml" >"$NGW_TMP/bad.out" 2>&1
check_output "an invalid config exits 1" '^1$' echo $?
check_output "... with its diagnostic" 'bad\.yaml:[0-9]+:11: error: forward "bad": port 70000 is out of range' \
	cat "$NGW_TMP/bad.out"
listing >"$NGW_TMP/t2"
check_same "an invalid config leaves the table byte-identical" "$NGW_TMP/t1" "$NGW_TMP/t2"

# An empty file (a truncated one): an error, never "remove every rule".
: >"$NGW_TMP/empty.yaml"
natgw apply "$NGW_TMP/empty.yaml" >"$NGW_TMP/empty.out" 2>&1
check_output "an empty file exits 1" '^1$' echo $?
check_output "... saying it is empty" \
	'empty\.yaml:1:1: error: the file is empty; write "version: 1" for a configuration with no rules' \
	cat "$NGW_TMP/empty.out"
listing >"$NGW_TMP/t2"
check_same "an empty file leaves the table byte-identical" "$NGW_TMP/t1" "$NGW_TMP/t2"

# A config the kernel rejects: an element planted by hand holds the key a
# new forward needs, with another value. The kernel refuses the whole
# transaction; natgw names the rule and its line; nothing changes.
on router nft add element inet natgw match_in '{ "eth0" . ipv4 . tcp . 5555 : 0x4e7fffff }'
listing >"$NGW_TMP/t1"
EXTRA_FORWARDS=$'  - name: planted\n    port: 5555\n    to: 192.0.2.10\n' base_config \
	>"$NGW_TMP/rejected.yaml"
line=$(grep -n '^  - name: planted$' "$NGW_TMP/rejected.yaml" | cut -d: -f1)
natgw apply "$NGW_TMP/rejected.yaml" >"$NGW_TMP/rej.out" 2>&1
check_output "a config the kernel rejects exits 3" '^3$' echo $?
check_output "... naming the rule and its line" \
	"rejected\\.yaml:$line:5: error: forward \"planted\": the kernel rejected it: " cat "$NGW_TMP/rej.out"
check_output "... and saying nothing was applied" 'nothing was applied' cat "$NGW_TMP/rej.out"
natgw apply --json "$NGW_TMP/rejected.yaml" >"$NGW_TMP/rej.json" 2>/dev/null
check_output "apply --json of it exits 3 too" '^3$' echo $?
check_output "... and writes one JSON document" '^1$' sh -c "jq -c . '$NGW_TMP/rej.json' | wc -l"
check_output "... whose error is the rule the kernel refused" \
	'^forward "planted": the kernel rejected it: ' jq -r .error "$NGW_TMP/rej.json"
check_output "... at its line in the diagnostics" "^error $line:5\$" \
	jq -r '.diagnostics[0] | "\(.severity) \(.line):\(.column)"' "$NGW_TMP/rej.json"
listing >"$NGW_TMP/t2"
check_same "a rejected config leaves the table byte-identical" "$NGW_TMP/t1" "$NGW_TMP/t2"
on router nft delete element inet natgw match_in '{ "eth0" . ipv4 . tcp . 5555 }'

# A connection through an unchanged forward lives through applies that add
# and remove other forwards.
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 5 >"$NGW_TMP/hold.out" 2>&1
hold=${NGW_PIDS[-1]}
sleep 0.5
for i in 1 2 3 4; do
	extra=$(printf '  - name: churn%s\n    port: %s\n    to: 192.0.2.10\n_' "$i" $((6000 + i)))
	EXTRA_FORWARDS=${extra%_} base_config >"$NGW_TMP/churn.yaml"
	check_output "churn apply $i" '^natgw: applied ' natgw apply "$NGW_TMP/churn.yaml"
	sleep 0.5
done
base_config >"$C"
check "back to the base config" natgw apply "$C"
wait "$hold"
check_output "the long-lived connection kept working across 5 applies" '^held [0-9]+ exchanges$' \
	cat "$NGW_TMP/hold.out"

# A table of natgw's name that natgw did not make is refused, untouched.
ns_add fresh
on fresh nft add table inet natgw
on fresh nft list table inet natgw >"$NGW_TMP/foreign.before"
NGW_NODE=fresh natgw apply "$C" >"$NGW_TMP/foreign.out" 2>&1
check_output "a foreign table of the same name: exit 3" '^3$' echo $?
check_output "... and why" 'exists and was not made by natgw' cat "$NGW_TMP/foreign.out"
on fresh nft list table inet natgw >"$NGW_TMP/foreign.after"
check_same "... left as it was" "$NGW_TMP/foreign.before" "$NGW_TMP/foreign.after"
on fresh nft delete table inet natgw

# plan --nft: nft accepts it, and nft -f of it builds natgw's own table.
natgw plan --nft "$C" >"$NGW_TMP/script.nft"
check "nft -c accepts plan --nft" on fresh nft -c -f "$NGW_TMP/script.nft"
"$NGW_BIN" plan --nft "$(dirname "$0")/../../examples/natgw.yaml" >"$NGW_TMP/example.nft" 2>/dev/null
check "nft -c accepts plan --nft of examples/natgw.yaml" on fresh nft -c -f "$NGW_TMP/example.nft"
ns_add mirror
check "nft -f loads plan --nft" on mirror nft -f "$NGW_TMP/script.nft"
check "natgw applies the same config in a fresh namespace" \
	on fresh "$NGW_BIN" apply "$C"
on fresh nft list table inet natgw >"$NGW_TMP/by-natgw"
on mirror nft list table inet natgw >"$NGW_TMP/by-nft"
check_same "nft -f of plan --nft gives the table natgw builds" "$NGW_TMP/by-natgw" "$NGW_TMP/by-nft"
# again with the example, which has every kind of rule: snat modes, address
# pools, ports, IPv6 masquerade, a disabled forward, source checks
ns_add fresh2
ns_add mirror2
check "nft -f loads plan --nft of the example" on mirror2 nft -f "$NGW_TMP/example.nft"
check "natgw applies the example" on fresh2 "$NGW_BIN" apply "$(dirname "$0")/../../examples/natgw.yaml"
on fresh2 nft list table inet natgw >"$NGW_TMP/ex-by-natgw"
on mirror2 nft list table inet natgw >"$NGW_TMP/ex-by-nft"
check_same "the example: nft -f of plan --nft gives the table natgw builds" \
	"$NGW_TMP/ex-by-natgw" "$NGW_TMP/ex-by-nft"
check_output "and natgw accepts the table nft built as its own" '^natgw: applied ' \
	on mirror "$NGW_BIN" apply "$C"

# A set is made for twice the elements it gets, at least 1,024: growing
# past that rebuilds the table in the same one transaction, after which an
# established connection still works and one change is one change again.
many_forwards() {
	for i in $(seq "$1"); do
		printf '  - name: m%s\n    port: %s\n    to: 192.0.2.10:8443\n' "$i" $((20000 + i))
	done
}
base_config >"$C"
natgw apply -q "$C"
on router nft list set inet natgw rule_counters >"$NGW_TMP/size.out"
check_output "a small table's sets take 1,024 elements" '^\s*size 1024$' cat "$NGW_TMP/size.out"
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 3 >"$NGW_TMP/hold2.out" 2>&1
hold=${NGW_PIDS[-1]}
sleep 0.5
many=$(many_forwards 1100; echo _)
EXTRA_FORWARDS=${many%_} base_config >"$NGW_TMP/many.yaml"
# plan and apply say why the table is rebuilt
why='set [a-z0-9_]+ takes 1024 elements, [0-9]+ are needed'
check_output "plan: +1100, and why the table is rebuilt" "^natgw: plan: \\+1100 -0 ~0 \\(table rebuilt: $why\\)\$" \
	natgw plan "$NGW_TMP/many.yaml"
check_output "plan --json: the same reason" "^$why\$" \
	sh -c "ip netns exec $(ns_name router) '$NGW_BIN' plan --json '$NGW_TMP/many.yaml' | jq -r .rebuild_reason"
# apply -v with stdout and stderr in one file: whole lines, in order (the
# summary, a line per added rule, the stage timings)
natgw apply -v "$NGW_TMP/many.yaml" >"$NGW_TMP/v.out" 2>&1
check "1,100 more forwards are applied" test $? -eq 0
check_output "... rebuilding the table, and saying why" \
	"^natgw: applied \\+1100 -0 ~0 in [0-9.]+ ms, table rebuilt \\($why\\)\$" head -1 "$NGW_TMP/v.out"
check_output "... apply -v 2>&1: the stage timings last, a whole line" \
	'^natgw: read [0-9.]+ ms, compile and diff [0-9.]+ ms, transaction [0-9.]+ ms \([0-9]+ messages, [0-9]+ bytes\)' \
	tail -1 "$NGW_TMP/v.out"
check_output "... between them 1,100 whole rule lines" '^1100 of 1100$' sh -c \
	"echo \"\$(sed '1d;\$d' '$NGW_TMP/v.out' | grep -Ec '^\+ forward m[0-9]+ +tcp [0-9]+ -> 192\.0\.2\.10:8443( |\$)') of \$(sed '1d;\$d' '$NGW_TMP/v.out' | wc -l)\""
check_output "... with room for twice as many" '^\s*size 4096$' \
	on router nft list set inet natgw rule_counters
check_output "the forwards past 1,024 work" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 21100
sed -i 's/^    port: 21100$/    port: 31100/' "$NGW_TMP/many.yaml"
check_output "then one change is one change" '^natgw: applied \+0 -0 ~1 in [0-9.]+ ms(, flushed [0-9]+ mappings?)?$' \
	natgw apply "$NGW_TMP/many.yaml"
wait "$hold"
check_output "a connection made before the rebuild lived through it" '^held [0-9]+ exchanges$' \
	cat "$NGW_TMP/hold2.out"

# down: natgw's table goes, the other stays and still works.
check_output "down" '^natgw: removed table inet natgw$' natgw down
check_output "down again has nothing to do" 'nothing to remove' natgw down
check_output "only the other table is left" '^table ip other$' on router nft list tables
on router nft list table ip other >"$NGW_TMP/other.after"
check_same "the other table was never touched" "$NGW_TMP/other.before" "$NGW_TMP/other.after"
check_output "the other table still forwards after down" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 8081
check_fails "natgw's forward is gone" 1 probe client connect tcp 203.0.113.5 443 --timeout 1000

finish
