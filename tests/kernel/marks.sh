#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rule's ct mark names that rule, everywhere and always (issue: marks
# depended on apply history). What an operator relies on:
#   (a) a rolled-back apply --confirm gives back exactly the table it
#       replaced (nft -s list table, byte for byte);
#   (b) two routers applying the same file give every rule the same mark,
#       whatever each applied before (an HA pair shares conntrack entries);
#   (c) a connection held through an unchanged rule stays that rule's in
#       conntrack and in natgw mappings through inserts, removals and
#       reorders of other rules, a rollback, a daemon restart and a table
#       restore; when another rule's name takes its mark id (a hash
#       collision), its live entry is re-marked in the same apply;
#   (d) two natgw tables in one namespace never share marks: each lists,
#       counts and flushes only its own connections; a second table whose
#       name would share the first's marks is refused.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

ETC=$NGW_TMP/etc
mkdir -p "$ETC"

# rules RULE...: a config with these forwards (each a name of the table
# below) and the snat rule, in the order given
rules() {
	local r
	printf 'version: 1\ngateway:\n  wan: eth0\n  lan: br-lan\nforwards:\n'
	for r in "$@"; do
		case $r in
		web) printf '  - name: web\n    port: 443\n    to: 192.0.2.10:8443\n' ;;
		dns) printf '  - name: dns\n    proto: udp\n    port: 53\n    to: 192.0.2.10\n' ;;
		ssh2) printf '  - name: ssh2\n    port: 2222\n    to: 192.0.2.10:22\n' ;;
		extra) printf '  - name: extra\n    port: 8080\n    to: 192.0.2.20\n' ;;
		game) printf '  - name: game\n    proto: both\n    port: 7000-7009\n    to: 192.0.2.20\n' ;;
		mail) printf '  - name: mail\n    port: 25\n    to: 192.0.2.20\n' ;;
		# hashes to web's mark id and sorts before it (tests/unit/test_mark.c)
		a44476) printf '  - name: a44476\n    port: 4447\n    to: 192.0.2.20\n' ;;
		esac
	done
	printf 'snat:\n  - name: lan-out\n    from: 192.0.2.0/24\n'
}
put() { rules "${@:2}" >"$ETC/$1.yaml"; }
listing() { on "${1:-router}" nft -s list table inet natgw; }
# name -> mark pairs as nft sees them in rule_counters, sorted
marks_seen() {
	on "$1" nft -s list set inet natgw rule_counters |
		grep -o '0x4e[0-9a-f]\{6\} counter comment "[^"]*"' | sort
}

# ---- (a) a rollback restores the table exactly ------------------------------
put a1 web ssh2
put a2 web dns ssh2
put a3 web
check "apply a file" natgw apply "$ETC/a1.yaml"
check "apply it with one forward added" natgw apply "$ETC/a2.yaml"
listing >"$NGW_TMP/before-confirm"
# rolled_back_to FILE: until natgw plan of FILE says no changes, 8 s at most
rolled_back_to() {
	for _ in $(seq 80); do
		natgw plan "$1" 2>/dev/null | grep -q '^natgw: no changes' && return 0
		sleep 0.1
	done
	return 1
}
check "apply --confirm 2 a smaller file" natgw apply --confirm 2 "$ETC/a3.yaml"
rolled_back_to "$ETC/a2.yaml"
listing >"$NGW_TMP/after-rollback"
check_same "after the rollback, nft -s list table is what it was, byte for byte" \
	"$NGW_TMP/before-confirm" "$NGW_TMP/after-rollback"
# and after an apply --confirm whose sets had to grow (1,100 forwards)
bash "$(dirname "$0")/../../scripts/gen-forwards.sh" 1100 >"$ETC/big.yaml"
check "apply --confirm 2 of 1,100 forwards" natgw apply --confirm 2 "$ETC/big.yaml"
rolled_back_to "$ETC/a2.yaml"
listing >"$NGW_TMP/after-rollback2"
check_same "after its rollback too (the sets back to their sizes)" \
	"$NGW_TMP/before-confirm" "$NGW_TMP/after-rollback2"

# ---- (b) the same file through two histories ---------------------------------
ns_add h1
ns_add h2
put b-final web dns ssh2 game mail
put b-other mail extra web game
on h1 "$NGW_BIN" apply "$ETC/b-final.yaml" >/dev/null 2>&1
on h2 "$NGW_BIN" apply "$ETC/b-other.yaml" >/dev/null 2>&1
on h2 "$NGW_BIN" apply "$ETC/a1.yaml" >/dev/null 2>&1
on h2 "$NGW_BIN" apply "$ETC/b-final.yaml" >/dev/null 2>&1
marks_seen h1 >"$NGW_TMP/h1.marks"
marks_seen h2 >"$NGW_TMP/h2.marks"
check "(both routers hold all six rules)" test "$(wc -l <"$NGW_TMP/h1.marks")" -eq 6
check_same "two routers, two histories, one file: every rule has the same mark" \
	"$NGW_TMP/h1.marks" "$NGW_TMP/h2.marks"
put b-reordered mail game ssh2 dns web
on h2 "$NGW_BIN" apply "$ETC/b-reordered.yaml" >/dev/null 2>&1
marks_seen h2 >"$NGW_TMP/h2r.marks"
check_same "reordering the file moves no mark" "$NGW_TMP/h1.marks" "$NGW_TMP/h2r.marks"

# ---- (c) a held connection stays its rule's ----------------------------------
serve server tcp 192.0.2.10 8443
put c0 web dns
check "apply the base" natgw apply "$ETC/c0.yaml"
# idle after its first exchange: while another program has deleted the
# table, a packet of it would not be translated (docs: a held connection
# may be reset then), and this test is about its mark, not that gap
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 120 --interval 100000 \
	>"$NGW_TMP/hold.out" 2>&1
HOLD=${NGW_PIDS[-1]}
sleep 0.5

# held_is_web WHEN: conntrack has the held connection with web's mark, and
# natgw mappings lists it under web
held_is_web() {
	local mark
	mark=$(on router nft -s list set inet natgw rule_counters |
		grep -o '0x4e[0-9a-f]\{6\} counter comment "web"' | cut -d' ' -f1)
	check "$1: web is in the table" test -n "$mark"
	check_output "$1: conntrack has the held connection with web's mark" '^1$' sh -c \
		"ip netns exec $(ns_name router) conntrack -L -p tcp --orig-port-dst 443 \
		 --state ESTABLISHED --mark $((mark)) 2>/dev/null | wc -l"
	check_output "$1: natgw mappings lists it under web" '^1$' sh -c \
		"ip netns exec $(ns_name router) '$NGW_BIN' mappings --json |
		 jq '[.[] | select(.rule == \"web\" and .state == \"ESTABLISHED\")] | length'"
}
held_is_web "at first"
put c1 mail extra web dns game ssh2
natgw apply "$ETC/c1.yaml" >/dev/null 2>&1
held_is_web "after inserting rules before and after it"
put c2 web game
natgw apply "$ETC/c2.yaml" >/dev/null 2>&1
held_is_web "after removing rules"
put c3 game ssh2 mail web
natgw apply "$ETC/c3.yaml" >/dev/null 2>&1
held_is_web "after reordering"
natgw apply --confirm 1 "$ETC/c0.yaml" >/dev/null 2>&1
rolled_back_to "$ETC/c3.yaml"
held_is_web "after a rollback"

# the collision: a44476 takes web's id, so web's mark moves and its live
# entry must move with it; it comes back when a44476 goes
put c4 a44476 web game ssh2 mail
check_output "plan says web's mark moves" '^= forward +web +tcp 443 -> 192\.0\.2\.10:8443 in eth0$' \
	natgw plan "$ETC/c4.yaml"
check_output "(from which mark to which)" '^ +ct mark 0x4e[0-9a-f]{6} -> 0x4e[0-9a-f]{6}: its live connections take the new mark$' \
	natgw plan "$ETC/c4.yaml"
natgw apply "$ETC/c4.yaml" >"$NGW_TMP/collide.out" 2>&1
check "applying a rule whose name collides with web's succeeds" test $? -eq 0
check_output "(saying web's mark moved and its connection followed)" \
	"^natgw: applied \+1 -0 ~0 in [0-9.]+ ms, 1 rule's ct mark moved \(1 live mapping followed\)$" \
	cat "$NGW_TMP/collide.out"
held_is_web "after another rule took web's mark id"
natgw apply "$ETC/c3.yaml" >/dev/null 2>&1
held_is_web "after that rule went again"

# the daemon: start, restart, and a table another program deleted
cp "$ETC/c3.yaml" "$ETC/natgw.yaml"
LOG=$NGW_TMP/daemon.log
bg router "$NGW_BIN" run -c "$ETC/natgw.yaml" 2>>"$LOG"
DPID=${NGW_PIDS[-1]}
wait_running "$LOG"
held_is_web "under the daemon"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
: >"$LOG"
bg router "$NGW_BIN" run -c "$ETC/natgw.yaml" 2>>"$LOG"
DPID=${NGW_PIDS[-1]}
wait_running "$LOG"
held_is_web "after the daemon was killed and started again"
on router nft delete table inet natgw
for _ in $(seq 100); do
	grep -q 'restored it' "$LOG" && break
	sleep 0.05
done
check_output "the daemon restored its table" 'restored it' cat "$LOG"
held_is_web "after the daemon restored the deleted table"
kill "$DPID"
wait "$DPID" 2>/dev/null
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

# ---- (d) two tables in one namespace -----------------------------------------
# remote (203.0.113.7) -- two (203.0.113.2 | 198.51.100.1) -- srv2 (198.51.100.10)
ns_add two
ns_add remote
ns_add srv2
link remote eth0 two eth1
link two eth0 srv2 eth0
addr remote eth0 203.0.113.7/24
addr two eth1 203.0.113.2/24
addr two eth0 198.51.100.1/24
addr srv2 eth0 198.51.100.10/24
on remote ip route add default via 203.0.113.2
on srv2 ip route add default via 198.51.100.1
on two sysctl -qw net.ipv4.ip_forward=1
printf 'version: 1\ngateway:\n  table: natgw\nforwards:\n  - name: web\n    port: 80\n    to: 198.51.100.10:8443\n' >"$ETC/t1.yaml"
printf 'version: 1\ngateway:\n  table: other\nforwards:\n  - name: web\n    port: 81\n    to: 198.51.100.10:8443\n' >"$ETC/t2.yaml"
printf 'version: 1\ngateway:\n  table: guest2\nforwards:\n  - name: web\n    port: 82\n    to: 198.51.100.10:8443\n' >"$ETC/t3.yaml"
serve srv2 tcp 198.51.100.10 8443
check "table natgw applies" on two "$NGW_BIN" apply "$ETC/t1.yaml"
check "table other applies beside it" on two "$NGW_BIN" apply "$ETC/t2.yaml"
m1=$(on two nft -s list set inet natgw rule_counters | grep -o '0x4e[0-9a-f]\{6\}')
m2=$(on two nft -s list set inet other rule_counters | grep -o '0x4e[0-9a-f]\{6\}')
check "the two tables' web rules have different marks ($m1, $m2)" test "$m1" != "$m2"
# idle connections: a flushed entry is not made again by the next segment
bg remote "$NGW_PROBE" hold tcp 203.0.113.2 80 --seconds 60 --interval 100000
H1=${NGW_PIDS[-1]}
bg remote "$NGW_PROBE" hold tcp 203.0.113.2 81 --seconds 60 --interval 100000
H2=${NGW_PIDS[-1]}
bg remote "$NGW_PROBE" hold tcp 203.0.113.2 81 --seconds 60 --interval 100000
H3=${NGW_PIDS[-1]}
sleep 0.7
count_mark() {
	on two conntrack -L -p tcp --state ESTABLISHED --mark "$(($1))" 2>/dev/null | wc -l
}
check_output "conntrack: one connection through table natgw's web" '^1$' count_mark "$m1"
check_output "conntrack: two through table other's web" '^2$' count_mark "$m2"
check_output "natgw mappings -c t1 lists table natgw's one only" '^1$' sh -c \
	"ip netns exec $(ns_name two) '$NGW_BIN' mappings -c '$ETC/t1.yaml' --json | jq length"
check_output "natgw mappings -c t2 lists table other's two only" '^2$' sh -c \
	"ip netns exec $(ns_name two) '$NGW_BIN' mappings -c '$ETC/t2.yaml' --json | jq length"
check "natgw flush of table natgw" on two "$NGW_BIN" flush -c "$ETC/t1.yaml"
check_output "took table natgw's connection" '^0$' count_mark "$m1"
check_output "and left table other's alone" '^2$' count_mark "$m2"
on two nft list ruleset >"$NGW_TMP/two.before"
on two "$NGW_BIN" apply "$ETC/t3.yaml" >"$NGW_TMP/t3.out" 2>&1
check "a third table whose marks would be natgw's is refused with exit 3" test $? -eq 3
check_output "(saying why and what name would do)" \
	'table inet guest2 would share its connections. ct marks with natgw.s table inet natgw .* Give gateway.table another name \("guest2-[0-9]+" would do\)' \
	cat "$NGW_TMP/t3.out"
on two nft list ruleset >"$NGW_TMP/two.after"
check_same "(and nothing was applied)" "$NGW_TMP/two.before" "$NGW_TMP/two.after"
kill "$H1" "$H2" "$H3" 2>/dev/null
wait "$H1" "$H2" "$H3" 2>/dev/null

finish
