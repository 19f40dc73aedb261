#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw run on the router while a client opens a new TCP connection through
# a forward every 20 ms and holds another one open the whole time. The test
# (a) changes the file by rename, (b) sends SIGHUP, (c) writes a broken
# file, (d) deletes the table with nft (and then flushes it), (e) kills the
# daemon with SIGKILL and starts it again, (f) applies with --confirm 2 and
# does not confirm, (g) applies with --confirm and confirms. No connection
# may fail except while the table is gone in (d); the longest gap is
# printed. Then the control socket meets a non-root user and malformed
# messages, and SIGTERM leaves the table in the kernel.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
CTFILL=$(realpath "$3")
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

ETC=$NGW_TMP/etc
C=$ETC/natgw.yaml
LOG=$NGW_TMP/daemon.log
# the router's own control socket: every namespace but the machine's has one
# named after it
SOCK=$NATGW_RUN_DIR/natgw-$(on router stat -L -c %i /proc/self/ns/net).sock
mkdir -p "$ETC" "$NATGW_RUN_DIR"

config() {	# config [EXTRA_FORWARD_YAML]
	config_from base
	printf '%s\n' "$1"
}
SSH2='  - name: ssh2
    port: 2222
    to: 192.0.2.10:22'
TRY='  - name: try
    port: 3333
    to: 192.0.2.10:3333'

# put FILE CONTENT: written beside it, then renamed over it, as editors do
put() {
	printf '%s\n' "$2" >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}

# wait_log REGEX [COUNT]: until the daemon has logged COUNT matching lines
wait_log() {
	local want=${2:-1}
	for _ in $(seq 100); do
		[ "$(grep -Ec -- "$1" "$LOG")" -ge "$want" ] && return 0
		sleep 0.05
	done
	echo "the daemon did not log /$1/ ($want times); its log:" >&2
	sed 's/^/  | /' "$LOG" >&2
	return 1
}

now_ms() { date +%s%3N; }
listing() { on router nft -s list table inet natgw; }
rule_counters() { on router nft -s list set inet natgw rule_counters; }

# A small event buffer, so the test can overflow it. Its stdout is closed:
# natgw parks it on /dev/null, so no socket takes its number, and the daemon
# answers clients from memory, never through fds 1 and 2.
start_daemon() {
	bg router env NATGW_EVENT_BUFFER=65536 "$NGW_BIN" run -v -c "$C" 2>>"$LOG" >&-
	DPID=${NGW_PIDS[-1]}
}

put "$C" "$(config "")"
serve server tcp 192.0.2.10 8443
start_daemon
check "the daemon starts and applies" wait_log '^natgw: running: table inet natgw, 1 rules'
check_output "it keeps CAP_NET_ADMIN only" '^CapEff:[[:space:]]+0000000000001000$' \
	cat "/proc/$DPID/status"
check_output "and nothing else in its bounding set" '^CapBnd:[[:space:]]+0000000000001000$' \
	cat "/proc/$DPID/status"
check_output "its socket is root's alone" '^srw------- root root$' \
	stat -c '%A %U %G' "$SOCK"
check_output "started with its stdout closed, it parks it on /dev/null" '^/dev/null$' \
	readlink "/proc/$DPID/fd/1"
check_output "and answers natgw show all the same" '^web +forward' natgw show
check_output "its stdout is still /dev/null after the answer" '^/dev/null$' \
	readlink "/proc/$DPID/fd/1"

bg client "$NGW_PROBE" churn tcp 203.0.113.5 443 --seconds 120 --interval 20 >"$NGW_TMP/churn"
CHURN=${NGW_PIDS[-1]}
# held across (a)-(c); another across (e)-(g) (deleting the table in (d)
# unhooks NAT from established connections too: see docs/kernel.md)
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 2.5 >"$NGW_TMP/hold1" 2>&1
HOLD1=${NGW_PIDS[-1]}
sleep 1

# (a) a new forward, saved by rename
put "$C" "$(config "$SSH2")"
check "(a) a renamed-in file is applied" wait_log '^natgw: reload \(the file changed\): applied \+1 -0 ~0'
check_output "(a) nft has the new forward's counter" '0x4e[0-9a-f]{6} counter comment "ssh2"' rule_counters
check_output "(a) natgw show lists it" '^ssh2 +forward' natgw show

# (b) SIGHUP
kill -HUP "$DPID"
check "(b) SIGHUP reloads" wait_log '^natgw: reload \(SIGHUP\): no changes \(2 rules'

# (c) a broken file: diagnostics logged, the running ruleset stays
listing >"$NGW_TMP/before-c.nft"
put "$C" "$(config "$SSH2
  - name: bad
    port: 70000
    to: 192.0.2.10")"
check "(c) a broken file is refused" wait_log 'is not usable; the running ruleset stays'
check_output "(c) with its diagnostic at file:line:col" \
	"^$C:13:11: error: forward \"bad\": port 70000 is out of range \(1-65535\)$" cat "$LOG"
# with --json the daemon's answer is the JSON document natgw writes without
# a daemon (compared once it is gone, at the end)
natgw reload --json >"$NGW_TMP/reload-bad.json" 2>"$NGW_TMP/reload-bad.err"
check_output "(c) natgw reload --json of it exits 1" '^1$' echo $?
check_output "(c) ... its diagnostics as one JSON document on stdout" \
	'^\{"error":"forward \\"bad\\": port 70000 is out of range \(1-65535\)","diagnostics":\[\{"severity":"error","line":13,"column":11,' \
	cat "$NGW_TMP/reload-bad.json"
check_output "(c) ... and as text on stderr" "^$C:13:11: error: forward \"bad\": port 70000" \
	cat "$NGW_TMP/reload-bad.err"
put "$NGW_TMP/broken.yaml" "$(cat "$C")"
listing >"$NGW_TMP/after-c.nft"
check_same "(c) the kernel's table is untouched" "$NGW_TMP/before-c.nft" "$NGW_TMP/after-c.nft"
# truncated in place, as an editor that writes the file over leaves it for a
# moment: an empty file is an error, never "remove every rule"
: >"$C"
# (the third refusal: the file's change, natgw reload --json, the truncation)
check "(c) an emptied file is refused" wait_log 'is not usable; the running ruleset stays' 3
check_output "(c) as empty, at line 1" \
	"^$C:1:1: error: the file is empty; write \"version: 1\" for a configuration with no rules$" \
	cat "$LOG"
listing >"$NGW_TMP/after-c.nft"
check_same "(c) the kernel's table is still untouched" "$NGW_TMP/before-c.nft" "$NGW_TMP/after-c.nft"
put "$C" "$(config "$SSH2")"
check "(c) the good file again: nothing to change" \
	wait_log '^natgw: reload \(the file changed\): no changes \(2 rules'
wait "$HOLD1"
check "a TCP connection held through (a)-(c) was never broken" test $? -eq 0

# (d) another program deletes the table, then flushes it
D_START=$(now_ms)
on router nft delete table inet natgw
check "(d) a deleted table is restored" wait_log 'another program changed table inet natgw; restored it'
D_END=$(now_ms)
check_output "(d) nft lists it again" '0x4e[0-9a-f]{6} counter comment "ssh2"' rule_counters
check_output "(d) with natgw's rules" '^web +forward' natgw show
F_START=$(now_ms)
on router nft flush table inet natgw
check "(d) a flushed table is restored" \
	wait_log 'another program changed table inet natgw; restored it' 2
F_END=$(now_ms)
check_output "(d) its chains have their rules again" 'ct mark set' listing

# (e) SIGKILL, then a new daemon adopts the table as it is
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 7 >"$NGW_TMP/hold2" 2>&1
HOLD2=${NGW_PIDS[-1]}
sleep 0.3
listing >"$NGW_TMP/before-e.nft"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
start_daemon
check "(e) a restarted daemon adopts the table without changes" \
	wait_log '^natgw: start: no changes \(2 rules in table inet natgw\)$'
check "(e) and serves the socket its predecessor left" wait_log '^natgw: running:' 2
listing >"$NGW_TMP/after-e.nft"
check_same "(e) the table is as it was" "$NGW_TMP/before-e.nft" "$NGW_TMP/after-e.nft"

# (f) apply --confirm 2, not confirmed: the previous ruleset comes back
listing >"$NGW_TMP/before-f.nft"
put "$NGW_TMP/try.yaml" "$(config "$SSH2
$TRY")"
check_output "(f) apply --confirm goes through the daemon" \
	'run `natgw confirm` within 2 s' natgw apply --confirm 2 "$NGW_TMP/try.yaml"
check_output "(f) the new forward is in" '^try +forward' natgw show
check_fails "(f) another apply waits for the confirm" 3 natgw apply "$NGW_TMP/try.yaml"
check "(f) rolled back after 2 s" wait_log '^natgw: no natgw confirm within 2 s: rollback: applied \+0 -1 ~0'
listing >"$NGW_TMP/after-f.nft"
check_same "(f) the previous table is back, byte for byte" \
	"$NGW_TMP/before-f.nft" "$NGW_TMP/after-f.nft"
check_fails "(f) too late to confirm" 3 natgw confirm

# (g) apply --confirm, confirmed: it stays
check "(g) apply --confirm 2" natgw apply --confirm 2 "$NGW_TMP/try.yaml"
check_output "(g) natgw confirm" '^natgw: confirmed' natgw confirm
sleep 2.5
check_output "(g) the forward stays after the time is up" '^try +forward' natgw show
check_output "(g) no rollback was logged" '^1$' grep -c 'rollback' "$LOG"

wait "$HOLD2"
check "a TCP connection held through (e)-(g) was never broken" test $? -eq 0
kill "$CHURN"
wait "$CHURN" 2>/dev/null

# Every connection attempt succeeded, except while the table was gone.
awk -v d0="$D_START" -v d1="$D_END" -v f0="$F_START" -v f1="$F_END" '
	function report(t) {
		if (gap_from && t - gap_from > longest) longest = t - gap_from
		gap_from = 0
	}
	$2 == "ok" { ok++; report($1); next }
	{
		failed++
		in_window = ($1 >= d0 - 20 && $1 <= d1 + 20) || ($1 >= f0 - 20 && $1 <= f1 + 20)
		if (!in_window) { outside++; print "failed outside (d): " $0 > "/dev/stderr" }
		if (!gap_from) gap_from = $1
	}
	END {
		printf "connections: %d ok, %d failed (%d outside the table restore)\n", ok, failed, outside
		printf "longest gap while the table was restored: %d ms\n", longest
		exit !(ok > 300 && outside == 0)
	}' "$NGW_TMP/churn" >"$NGW_TMP/churn.summary"
check "no connection failed outside (d)" test $? -eq 0
cat "$NGW_TMP/churn.summary"

# natgw reload goes to the daemon and prints its outcome here; down is
# refused while the daemon would put the table back; an invalid file sent
# through the daemon is refused with its diagnostics, as without it.
check_output "natgw reload: the daemon's answer" '^natgw: (no changes|applied) ' natgw reload
check "(the daemon did it)" wait_log '^natgw: reload \(natgw reload\): ' 2
check_fails "natgw down is refused while the daemon runs" 3 natgw down -c "$C"
said() { cp "$NGW_TMP/check.out" "$NGW_TMP/said"; check_output "$1" "$2" cat "$NGW_TMP/said"; }
said "(saying why)" 'natgw run is serving .* stop it first'
check_output "(and the table stays)" '0x4e[0-9a-f]{6} counter comment "web"' rule_counters
put "$NGW_TMP/bad.yaml" "$(config "  - name: bad
    port: 0
    to: 192.0.2.10")"
natgw apply "$NGW_TMP/bad.yaml" >"$NGW_TMP/bad.out" 2>&1
check "an invalid file through the daemon exits 1" test $? -eq 1
check_output "with its diagnostic" "^$NGW_TMP/bad.yaml:10:11: error: forward \"bad\": port 0 is out of range" \
	cat "$NGW_TMP/bad.out"
put "$NGW_TMP/other.yaml" "version: 1
gateway:
  table: other"
check_fails "a file naming another table is refused by the daemon" 3 natgw apply "$NGW_TMP/other.yaml"
said "(saying which it manages)" 'natgw run manages table inet natgw'
natgw apply --json "$NGW_TMP/bad.yaml" >"$NGW_TMP/bad-daemon.json" 2>/dev/null
check_output "apply --json of an invalid file through the daemon exits 1" '^1$' echo $?
check_output "... its diagnostics as JSON" \
	'^\{"error":"forward \\"bad\\": port 0 is out of range \(1-65535\)","diagnostics":\[\{"severity":"error","line":10,"column":11,' \
	cat "$NGW_TMP/bad-daemon.json"
natgw apply --json "$NGW_TMP/other.yaml" >"$NGW_TMP/other.json" 2>/dev/null
check_output "apply --json of another table's file exits 3" '^3$' echo $?
msg="natgw run manages table inet natgw, and $NGW_TMP/other.yaml names table inet other; nothing was applied"
printf '{"error":"%s","diagnostics":[{"severity":"error","line":0,"column":0,"message":"%s"}]}\n' \
	"$msg" "$msg" >"$NGW_TMP/other.want"
check_same "... with the error as JSON on stdout" "$NGW_TMP/other.want" "$NGW_TMP/other.json"
natgw mappings --json --rule nosuch >"$NGW_TMP/nosuch.out" 2>"$NGW_TMP/nosuch.err"
check_output "mappings --rule of no rule: a usage error (2) through the daemon" '^2$' echo $?
check_output "... said as text alone, stdout empty" '^0$' sh -c "wc -c <'$NGW_TMP/nosuch.out'"
check_output "... on stderr" "^natgw: there is no rule 'nosuch' in table inet natgw\$" cat "$NGW_TMP/nosuch.err"

# The control socket: root only, and malformed messages are refused.
printf 'CWGN\x01\x00\x01\x00\x34\x00\x00\x00' >"$NGW_TMP/show.req"
head -c 52 /dev/zero >>"$NGW_TMP/show.req"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# the directories let anyone through, so only the socket's own mode and the
# daemon's check of the peer stand in the way
chmod o+x "$NGW_TMP" "$NATGW_RUN_DIR"
as_nobody "$NGW_PROBE" unix "$SOCK" - <"$NGW_TMP/show.req" >"$NGW_TMP/nobody.out" 2>&1
check "a non-root user cannot connect" test $? -ne 0
check_output "(the socket's mode refuses it)" "$SOCK: Permission denied" cat "$NGW_TMP/nobody.out"
chmod 0666 "$SOCK"
check_output "nor send a request if the socket's mode is opened" 'refused a client running as uid 65534' \
	as_nobody "$NGW_PROBE" unix "$SOCK" - <"$NGW_TMP/show.req"
chmod 0600 "$SOCK"
check_output "root's well-formed request is served" 'web' on router "$NGW_PROBE" unix "$SOCK" "$NGW_TMP/show.req"
printf 'GET / HTTP/1.1\r\nHost: natgw\r\n\r\n' >"$NGW_TMP/junk.req"
check_output "a message that is not natgw's is refused" 'malformed request \(Protocol error\)' \
	on router "$NGW_PROBE" unix "$SOCK" "$NGW_TMP/junk.req"
printf 'CWGN\x01\x00\x01\x00\xff\xff\xff\xff' >"$NGW_TMP/huge.req"
check_output "a length over the limit is refused before reading" 'malformed request \(Message too long\)' \
	on router "$NGW_PROBE" unix "$SOCK" "$NGW_TMP/huge.req"
printf 'CWGN\x01\x00\x01\x00\x34\x00\x00\x00\x01\x05' >"$NGW_TMP/bad.req"
head -c 50 /dev/zero >>"$NGW_TMP/bad.req"
check_output "a request with impossible fields is refused" 'malformed request \(Bad message\)' \
	on router "$NGW_PROBE" unix "$SOCK" "$NGW_TMP/bad.req"
printf 'CWGN\x01\x00\x01\x00\x34\x00\x00\x00\x00' >"$NGW_TMP/short.req"
check_output "a request cut short is refused" 'malformed request' \
	on router "$NGW_PROBE" unix "$SOCK" "$NGW_TMP/short.req"
printf 'CWGN\x02\x00\x01\x00\x34\x00\x00\x00' >"$NGW_TMP/v2.req"
head -c 52 /dev/zero >>"$NGW_TMP/v2.req"
check_output "another protocol version is refused" 'malformed request \(Protocol error\)' \
	on router "$NGW_PROBE" unix "$SOCK" "$NGW_TMP/v2.req"
check "the daemon is still running" kill -0 "$DPID"
check_output "and still answers" '^web +forward' natgw show
check "(the daemon answered it)" wait_log '^natgw: control socket: show \(pid [0-9]+\)$' 2

# show and mappings go to the daemon; its translation table agrees with
# conntrack. Then its event queue overflows (the daemon stopped while
# 20,000 entries appear, 500 of them natgw's): it says so and repairs its
# table from a dump.
check_output "mappings comes from the daemon" '^[1-9][0-9]*$' \
	sh -c "ip netns exec $(ns_name router) '$NGW_BIN' mappings --rule web --json | jq length"
check "(the daemon answered it)" wait_log '^natgw: control socket: mappings \(pid [0-9]+\)$'
check_output "--cached: the daemon's table as the events left it" '^[1-9][0-9]*$' \
	sh -c "ip netns exec $(ns_name router) '$NGW_BIN' mappings --cached --rule web --json | jq length"
check_output "--count" '^[1-9][0-9]* mappings?$' natgw mappings --count --rule web
web_mark=$(mark_of web)
check_output "the daemon's mappings of web are conntrack's" '^same$' sh -c \
	"a=\$(ip netns exec $(ns_name router) '$NGW_BIN' mappings --rule web --json | jq length)
	 b=\$(ip netns exec $(ns_name router) conntrack -L -m $web_mark 2>/dev/null | wc -l)
	 [ \"\$a\" = \"\$b\" ] && echo same || echo \"natgw \$a, conntrack \$b\""
# (the churn may have overrun the small buffer already: count from here)
lost_before=$(grep -c 'the kernel dropped conntrack events' "$LOG")
kill -STOP "$DPID"
on router "$CTFILL" 20000 500 "$web_mark" >/dev/null
kill -CONT "$DPID"
check "lost conntrack events are noticed" \
	wait_log 'the kernel dropped conntrack events' $((lost_before + 1))
check_output "and repaired from a dump" 'resynchronised from a dump in [0-9]+ ms: ([5-9][0-9]{2}|[0-9]{4,}) mappings' \
	sh -c "grep 'resynchronised from a dump' '$LOG' | tail -1"

# SIGTERM: the daemon goes, the ruleset stays, traffic flows
kill -TERM "$DPID"
wait "$DPID"
check "SIGTERM ends it with status 0" test $? -eq 0
check "it logged why" wait_log '^natgw: stopping on Terminated; table inet natgw stays in the kernel$'
check_output "the table stays" '0x4e[0-9a-f]{6} counter comment "web"' rule_counters
check_fails "its socket is gone" 1 test -e "$SOCK"
check_output "a connection works without the daemon" 'peer=203.0.113.100' \
	on client "$NGW_PROBE" connect tcp 203.0.113.5 443
check_output "show works without the daemon" '^web +forward' natgw show
natgw apply --json "$NGW_TMP/bad.yaml" >"$NGW_TMP/bad-direct.json" 2>/dev/null
check_output "apply --json of the invalid file without the daemon exits 1" '^1$' echo $?
check_same "... with the JSON the daemon answered, byte for byte" \
	"$NGW_TMP/bad-daemon.json" "$NGW_TMP/bad-direct.json"
natgw apply --json -c "$NGW_TMP/broken.yaml" >"$NGW_TMP/broken-direct.json" 2>/dev/null
check_same "... and so does reload's of the broken file" \
	"$NGW_TMP/reload-bad.json" "$NGW_TMP/broken-direct.json"

finish
