#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The translation table: natgw mappings against conntrack -L, the filters,
# flush, --watch, flush_on_change moving a live UDP flow to a new target
# within one packet while a TCP connection of an unchanged rule lives on,
# and the memory of a listing among 100,000 conntrack entries.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
CTFILL=$(realpath "$3")
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

config() {	# config DNS_TARGET
	config_from base - <<YAML
  - name: dns
    proto: udp
    port: 53
    to: $1
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
snat:
  - name: lan-out
    from: [192.0.2.0/24, 2001:db8:1::/64]
YAML
}
config 192.0.2.10:5353 >"$NGW_TMP/a.yaml"
config 192.0.2.20:5353 >"$NGW_TMP/b.yaml"
check "apply" natgw apply "$NGW_TMP/a.yaml"

serve server tcp 192.0.2.10 8443
serve server udp 192.0.2.10 5353
serve server tcp 2001:db8:1::10 8443
serve lanhost udp 192.0.2.20 5353
serve client tcp 198.51.100.7 80
serve client udp 198.51.100.7 5060
serve client tcp 2001:db8:ff::100 80

probe client connect tcp 203.0.113.5 443 >/dev/null
probe client connect udp 203.0.113.5 53 >/dev/null
probe client connect tcp 2001:db8:ff::5 443 >/dev/null
probe lanhost connect tcp 198.51.100.7 80 >/dev/null
probe lanhost connect udp 198.51.100.7 5060 >/dev/null
probe lanhost connect tcp 2001:db8:ff::100 80 >/dev/null
probe client connect tcp 203.0.113.5 22 --timeout 500 >/dev/null 2>&1	# not natgw's

# The original tuple of every mapping natgw lists, and of every entry with
# natgw's mark that conntrack lists, as "proto src sport dst dport".
natgw mappings --json >"$NGW_TMP/m.json"
jq -r '.[] | (if .kind == "forward" then [.remote, .external] else [.internal, .remote] end)
	as [$s, $d] | [.proto, ($s | sub(":(?<p>[0-9]+)$"; " \(.p)")),
	($d | sub(":(?<p>[0-9]+)$"; " \(.p)"))] | join(" ") | gsub("[][]"; "")' \
	"$NGW_TMP/m.json" | sort >"$NGW_TMP/by-natgw"
on router conntrack -L --mark 0x4e000000/0xff000000 2>/dev/null |
	sed -E 's/^([a-z]+) +[0-9]+ +[0-9]+ +([A-Z_]+ +)?src=([^ ]+) dst=([^ ]+) sport=([0-9]+) dport=([0-9]+) .*/\1 \3 \5 \4 \6/' |
	sort >"$NGW_TMP/by-conntrack"
check_output "six flows made six mappings" '^6$' jq length "$NGW_TMP/m.json"
check_output "--count says so too" '^6 mappings$' natgw mappings --count
check_same "natgw mappings lists exactly conntrack's natgw entries" \
	"$NGW_TMP/by-conntrack" "$NGW_TMP/by-natgw"
check_output "a TCP forward mapping, with its rule and sockets" \
	'"proto":"tcp","kind":"forward","rule":"web","remote":"203\.0\.113\.100:[0-9]+","external":"203\.0\.113\.5:443","internal":"192\.0\.2\.10:8443"' \
	cat "$NGW_TMP/m.json"
check_output "a UDP forward mapping" \
	'"proto":"udp","kind":"forward","rule":"dns","remote":"203\.0\.113\.100:[0-9]+","external":"203\.0\.113\.5:53","internal":"192\.0\.2\.10:5353"' \
	cat "$NGW_TMP/m.json"
check_output "an IPv6 forward mapping" \
	'"rule":"web6","remote":"\[2001:db8:ff::100\]:[0-9]+","external":"\[2001:db8:ff::5\]:443","internal":"\[2001:db8:1::10\]:8443"' \
	cat "$NGW_TMP/m.json"
check_output "an snat mapping" \
	'"proto":"tcp","kind":"snat","rule":"lan-out","remote":"198\.51\.100\.7:80","external":"203\.0\.113\.5:[0-9]+","internal":"192\.0\.2\.20:[0-9]+"' \
	cat "$NGW_TMP/m.json"
check_output "every object has exactly the keys of the spec" \
	'^\["bytes","external","internal","kind","packets","proto","remote","rule","state","timeout"\]$' \
	sh -c "jq -c '[.[] | keys] | unique | .[]' '$NGW_TMP/m.json'"
check_output "--rule web" '^1$' sh -c "natgw() { on router '$NGW_BIN' \"\$@\"; }; \
	ip netns exec $(ns_name router) '$NGW_BIN' mappings --rule web --json | jq length"
check_output "--proto udp" '^2$' sh -c "ip netns exec $(ns_name router) '$NGW_BIN' mappings --proto udp --json | jq length"
check_output "--rule lan-out --proto tcp" '^2$' \
	sh -c "ip netns exec $(ns_name router) '$NGW_BIN' mappings --rule lan-out --proto tcp --json | jq length"
check_output "the table has a header and a row per mapping" '^web +tcp +203\.0\.113\.100:' \
	natgw mappings
check_fails "an unknown rule is a usage error" 2 natgw mappings --rule nosuch

# flush --rule: that rule's entries go, the others stay (as conntrack says)
web_mark=$(natgw show --json | jq -r '.[] | select(.rule == "web") | .mark')
dns_mark=$(natgw show --json | jq -r '.[] | select(.rule == "dns") | .mark')
check_output "flush --rule web" '^natgw: flushed 1 mapping of rule web$' natgw flush --rule web
check_output "conntrack: no web entries left" '^0$' \
	sh -c "ip netns exec $(ns_name router) conntrack -L --mark $((web_mark)) 2>/dev/null | wc -l"
check_output "conntrack: the dns entry stays" '^1$' \
	sh -c "ip netns exec $(ns_name router) conntrack -L --mark $((dns_mark)) 2>/dev/null | wc -l"

# --watch: a new mapping and an ended one
bg router "$NGW_BIN" mappings --watch --json >"$NGW_TMP/watch.out" 2>&1
watch=${NGW_PIDS[-1]}
sleep 0.5
probe client connect udp 203.0.113.5 53 --sport 40053 >/dev/null
natgw flush --rule dns >/dev/null
sleep 0.5
kill -INT "$watch"
wait "$watch"
check_output "--watch: the new mapping" '"event":"new","proto":"udp","kind":"forward","rule":"dns","remote":"203\.0\.113\.100:40053"' \
	cat "$NGW_TMP/watch.out"
check_output "--watch: the ended mapping" '"event":"end","proto":"udp","kind":"forward","rule":"dns","remote":"203\.0\.113\.100:40053"' \
	cat "$NGW_TMP/watch.out"

# Lost events: a watcher with a small buffer, and 20,000 new entries at
# once, 500 of them natgw's. The kernel drops events; the watcher says so,
# reads the table again, and reports each of the 500 exactly once.
ns_add burst
NGW_NODE=burst natgw apply "$NGW_TMP/a.yaml" >/dev/null
burst_mark=$(NGW_NODE=burst natgw show --json | jq -r '.[] | select(.rule == "web") | .mark')
bg burst env NATGW_EVENT_BUFFER=65536 "$NGW_BIN" mappings --watch --json >"$NGW_TMP/burst.out" \
	2>"$NGW_TMP/burst.err"
burster=${NGW_PIDS[-1]}
sleep 0.5
on burst "$CTFILL" 20000 500 "$burst_mark" >/dev/null
# the watcher catches up at its own pace (slower under the sanitizers):
# wait for its reports to stop growing, 30 s at the most, then stop it
last=-1
for _ in $(seq 60); do
	now=$(grep -c '"event":"new"' "$NGW_TMP/burst.out")
	[ "$now" -eq "$last" ] && [ "$now" -ge 500 ] && break
	last=$now
	sleep 0.5
done
kill -INT "$burster"
wait "$burster"
check_output "lost events are reported" 'the kernel dropped conntrack events; resynchronising' \
	cat "$NGW_TMP/burst.err"
check_output "... and repaired: each of the 500 new mappings reported" '^500$' \
	sh -c "jq -r 'select(.event == \"new\") | .remote' '$NGW_TMP/burst.out' | sort -u | wc -l"
check_output "... once" '^500$' sh -c "grep -c '\"event\":\"new\"' '$NGW_TMP/burst.out'"

# flush_on_change: a steady UDP flow to dns moves to the new target at the
# next packet after the apply; a TCP connection of web (unchanged) lives on.
bg client "$NGW_PROBE" stream udp 203.0.113.5 53 --seconds 3 --interval 100 >"$NGW_TMP/stream.out"
stream=${NGW_PIDS[-1]}
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 3 >"$NGW_TMP/hold.out" 2>&1
hold=${NGW_PIDS[-1]}
sleep 1
natgw apply "$NGW_TMP/b.yaml" >"$NGW_TMP/apply.out" 2>&1
applied=$(date +%s%3N)
wait "$stream" "$hold"
check_output "the apply changed dns and flushed its mapping" \
	'^natgw: applied \+0 -0 ~1 in [0-9.]+ ms, flushed 1 mapping$' cat "$NGW_TMP/apply.out"
check_output "the flow reached the old target before" 'local=192\.0\.2\.10:5353$' cat "$NGW_TMP/stream.out"
first_after=$(awk -v t="$applied" '{ sub(/^sent=/, "", $1) } $1 >= t { print; exit }' "$NGW_TMP/stream.out")
check_output "the first packet after the apply reached the new target" \
	'local=192\.0\.2\.20:5353$' echo "$first_after"
check_fails "no packet after the apply reached the old target" 1 \
	awk -v t="$applied" '{ sub(/^sent=/, "", $1) } $1 >= t && /local=192\.0\.2\.10:/ { found = 1 }
		END { exit !found }' "$NGW_TMP/stream.out"
check_output "the TCP connection of the unchanged rule lived through it" '^held [0-9]+ exchanges$' \
	cat "$NGW_TMP/hold.out"

# 100,000 conntrack entries, 1,000 of them natgw's: the kernel filters by
# mark, so natgw copies out and keeps only its own.
ns_add big
NGW_NODE=big natgw apply "$NGW_TMP/a.yaml" >/dev/null
web_mark=$(NGW_NODE=big natgw show --json | jq -r '.[] | select(.rule == "web") | .mark')
check_output "100,000 conntrack entries made" '100000 entries made' on big "$CTFILL" 100000 1000 "$web_mark"
on big /usr/bin/time -f '%e s %M KiB' "$NGW_BIN" mappings --json >"$NGW_TMP/big.json" 2>"$NGW_TMP/big.time"
on big /usr/bin/time -f '%e s %M KiB' conntrack -L >/dev/null 2>"$NGW_TMP/ct.time"
check_output "natgw lists exactly its 1,000" '^1000$' jq length "$NGW_TMP/big.json"
echo "natgw mappings --json: $(tail -1 "$NGW_TMP/big.time"); conntrack -L: $(tail -1 "$NGW_TMP/ct.time")"
# the goal is the product's; a sanitizer's shadow memory and quarantine are
# not (its build gets 24 MiB: still far below what a copy of all 100,000
# entries would take)
peak=$(sed -n 's/^[0-9.]* s \([0-9]*\) KiB$/\1/p' "$NGW_TMP/big.time" | tail -1)
limit=16384
nm -a "$NGW_BIN" 2>/dev/null | grep -q __asan_init && limit=24576
check "natgw's peak memory stays under $((limit / 1024)) MiB (${peak:-?} KiB)" \
	test "${peak:-999999}" -lt "$limit"

finish
