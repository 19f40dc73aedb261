#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw in several network namespaces of one machine, sharing one runtime
# directory, as routers in containers or namespaces do. Each namespace is a
# router of its own: what an operator runs in one must never read or change
# another's table, nor talk to another's daemon or commit-confirm timer.
#
#   router ── eth0 ── client        daemon: forward "alpha" (8081)
#   r2     ── eth0 ── third         r2's daemon: forward "bravo" (8082);
#                                   third has neither daemon nor table
#   nsa    ── eth0 ── nsb           commit-confirm without a daemon
#
# (1) both daemons run side by side, and natgw show in each lists its own
# rules, answered by its own daemon; (2) in the third namespace show finds
# no table and apply makes one there only, with no daemon hearing of it;
# (3) a request sent to the router's socket from another namespace is
# refused; (4) apply --confirm in two namespaces: confirm in one confirms
# that one only, and the other rolls back on its own time.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

ns_add r2 && ns_add third && ns_add nsa && ns_add nsb || {
	echo "FAIL: could not add the namespaces" >&2
	exit 1
}
link r2 eth0 third eth0
link nsa eth0 nsb eth0
addr r2 eth0 198.51.100.2/24
addr third eth0 198.51.100.3/24
addr nsa eth0 203.0.113.65/26
addr nsb eth0 203.0.113.66/26

forwards_config alpha 8081 >"$NGW_TMP/r1.yaml"
forwards_config bravo 8082 >"$NGW_TMP/r2.yaml"
forwards_config charlie 8083 >"$NGW_TMP/third.yaml"

# run NAME NODE COMMAND...: output in $NGW_TMP/NAME.out, exit status in RC
run() {
	local name=$1 node=$2
	shift 2
	on "$node" "$@" >"$NGW_TMP/$name.out" 2>&1
	RC=$?
}
out() { cat "$NGW_TMP/$1.out"; }
# lacks WHAT REGEX FILE: FILE has no line matching REGEX
lacks() {
	if grep -Eq -- "$2" "$3"; then
		failed "$1: /$2/ should not be there"
		sed 's/^/  | /' "$3" >&2
	else
		NGW_PASSED=$((NGW_PASSED + 1))
	fi
}
status_is() {	# status_is WHAT WANT
	if [ "$RC" -eq "$2" ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$1: exit status $RC, expected $2"
	fi
}
# names NODE: the rules in natgw's table of NODE, as nft lists them (the
# comments of its counters), on one line in order of name
names() {
	on "$1" nft list set inet natgw rule_counters | grep -o 'comment "[^"]*"' |
		sed 's/comment "\(.*\)"/\1/' | sort | paste -sd ' '
}
# requests a daemon's log shows it served
served() { grep -Ec '^natgw: control socket: [a-z]+ \(pid [0-9]+\)$' "$1"; }

# ---- (1) two daemons, one in each router namespace ---------------------------
LOG1=$NGW_TMP/r1.log
LOG2=$NGW_TMP/r2.log
bg router "$NGW_BIN" run -v -c "$NGW_TMP/r1.yaml" 2>"$LOG1"
D1=${NGW_PIDS[-1]}
check "the router's daemon starts" wait_running "$LOG1"
bg r2 "$NGW_BIN" run -v -c "$NGW_TMP/r2.yaml" 2>"$LOG2"
D2=${NGW_PIDS[-1]}
check "r2's daemon starts beside it" wait_running "$LOG2"
sleep 0.3
check "the router's daemon still runs" kill -0 "$D1"
kill -0 "$D2" 2>/dev/null || sed 's/^/  r2 | /' "$LOG2" >&2
check "r2's daemon still runs" kill -0 "$D2"

check_output "nft: the router's table holds its own forward only" '^alpha$' names router
check_output "nft: r2's table holds its own forward only" '^bravo$' names r2

run show1 router "$NGW_BIN" show
status_is "natgw show in the router" 0
check_output "natgw show in the router lists alpha" '^alpha +forward' out show1
lacks "and not r2's bravo" 'bravo' "$NGW_TMP/show1.out"
check_output "the router's daemon answered it" '^1$' served "$LOG1"
run show2 r2 "$NGW_BIN" show
status_is "natgw show in r2" 0
check_output "natgw show in r2 lists bravo" '^bravo +forward' out show2
lacks "and not the router's alpha" 'alpha' "$NGW_TMP/show2.out"
check_output "r2's daemon answered it" '^1$' served "$LOG2"
check_output "and the router's daemon did not" '^1$' served "$LOG1"

# ---- (2) a third namespace: no daemon, no table ------------------------------
run show3 third "$NGW_BIN" show
status_is "natgw show where there is no table" 3
check_output "says there is no table" '^natgw: there is no table inet natgw' out show3
lacks "does not list the router's rules" 'alpha' "$NGW_TMP/show3.out"
lacks "does not list r2's rules" 'bravo' "$NGW_TMP/show3.out"
run apply3 third "$NGW_BIN" apply "$NGW_TMP/third.yaml"
status_is "natgw apply in the third namespace" 0
check_output "makes a new table" 'applied \+1 -0 ~0 .*new table' out apply3
check_output "the third namespace has natgw's table" '^table inet natgw$' on third nft list tables
check_output "nft: it holds charlie only" '^charlie$' names third
check_output "nft: the router's table still holds alpha only" '^alpha$' names router
check_output "nft: r2's table still holds bravo only" '^bravo$' names r2
run show3b third "$NGW_BIN" show
status_is "natgw show in the third namespace, after its apply" 0
check_output "lists charlie" '^charlie +forward' out show3b
lacks "and nothing of the others" 'alpha|bravo' "$NGW_TMP/show3b.out"
check_output "the router's daemon heard of none of it" '^1$' served "$LOG1"
check_output "nor did r2's" '^1$' served "$LOG2"

# ---- (3) the router's socket, from other namespaces --------------------------
SOCK1=$NATGW_RUN_DIR/natgw-$(on router stat -L -c %i /proc/self/ns/net).sock
SOCK2=$NATGW_RUN_DIR/natgw-$(on r2 stat -L -c %i /proc/self/ns/net).sock
check "the router's daemon serves a socket named after its namespace" test -S "$SOCK1"
check "and r2's daemon one named after its own" test -S "$SOCK2"
printf 'CWGN\x01\x00\x01\x00\x34\x00\x00\x00' >"$NGW_TMP/show.req"
head -c 52 /dev/zero >>"$NGW_TMP/show.req"
run raw3 third "$NGW_PROBE" unix "$SOCK1" "$NGW_TMP/show.req"
check_output "a request from the third namespace is refused" \
	'refused a client in another network namespace' out raw3
lacks "and is not answered" 'alpha' "$NGW_TMP/raw3.out"
"$NGW_PROBE" unix "$SOCK1" "$NGW_TMP/show.req" >"$NGW_TMP/raw0.out" 2>&1
check_output "a request from the machine's own namespace is refused" \
	'refused a client in another network namespace' out raw0
lacks "and is not answered" 'alpha' "$NGW_TMP/raw0.out"
run rawr2 r2 "$NGW_PROBE" unix "$SOCK1" "$NGW_TMP/show.req"
check_output "a request from r2 to the router's socket is refused" \
	'refused a client in another network namespace' out rawr2
check_output "the router's daemon logged the refusals" '^3$' \
	grep -c 'control socket: refused a client in another network namespace' "$LOG1"
check_output "and served nothing to them" '^1$' served "$LOG1"
run rawown router "$NGW_PROBE" unix "$SOCK1" "$NGW_TMP/show.req"
check_output "its own namespace's request is served" '^alpha +forward' out rawown

# ---- (4) commit-confirm without a daemon, in two namespaces ------------------
forwards_config delta 9001 >"$NGW_TMP/a0.yaml"
forwards_config delta 9001 echo 9002 >"$NGW_TMP/a1.yaml"
forwards_config foxtrot 9003 >"$NGW_TMP/b.yaml"
forwards_config foxtrot 9003 golf 9004 >"$NGW_TMP/b1.yaml"
run a0 nsa "$NGW_BIN" apply "$NGW_TMP/a0.yaml"
status_is "apply in nsa" 0
run a1 nsa "$NGW_BIN" apply --confirm 3 "$NGW_TMP/a1.yaml"
status_is "apply --confirm 3 in nsa" 0
check_output "(waiting 3 s)" 'within 3 s' out a1
run b nsb "$NGW_BIN" apply --confirm 30 "$NGW_TMP/b.yaml"
status_is "apply --confirm 30 in nsb" 0
check_output "(waiting 30 s)" 'within 30 s' out b
run cb nsb "$NGW_BIN" confirm
status_is "natgw confirm in nsb" 0
check_output "confirms" '^natgw: confirmed' out cb
sleep 3.5
check_output "nsa's unconfirmed change was rolled back all the same" '^delta$' names nsa
check_output "nsb keeps what it confirmed" '^foxtrot$' names nsb
run ca nsa "$NGW_BIN" confirm
status_is "too late to confirm in nsa" 3
run cb2 nsb "$NGW_BIN" confirm
status_is "nothing left to confirm in nsb" 3

# the same with no daemon anywhere: both timers of 30 s; confirm in nsb
# (by natgw confirm, or sent by hand to nsa's timer) leaves nsa's waiting,
# and confirming it in nsa then succeeds
kill -TERM "$D1" "$D2" 2>/dev/null
wait "$D1"
check "the router's daemon stops on SIGTERM" test $? -eq 0
wait "$D2"
check "r2's daemon stops on SIGTERM" test $? -eq 0
forget "$D1"
forget "$D2"
run a2 nsa "$NGW_BIN" apply --confirm 30 "$NGW_TMP/a1.yaml"
status_is "apply --confirm 30 in nsa" 0
run b2 nsb "$NGW_BIN" apply --confirm 30 "$NGW_TMP/b1.yaml"
status_is "apply --confirm 30 in nsb" 0
# a confirm sent from nsb to nsa's timer by hand is refused
printf 'CWGN\x01\x00\x05\x00\x34\x00\x00\x00' >"$NGW_TMP/confirm.req"
head -c 52 /dev/zero >>"$NGW_TMP/confirm.req"
SOCKA=$NATGW_RUN_DIR/confirm-natgw-$(on nsa stat -L -c %i /proc/self/ns/net).sock
check "nsa's timer serves a socket named after its namespace" test -S "$SOCKA"
run rawc nsb "$NGW_PROBE" unix "$SOCKA" "$NGW_TMP/confirm.req"
check_output "nsa's timer refuses a confirm from nsb" \
	'refused a client in another network namespace' out rawc
lacks "(it did not confirm)" 'confirmed' "$NGW_TMP/rawc.out"
run cb3 nsb "$NGW_BIN" confirm
status_is "natgw confirm in nsb" 0
run a3 nsa "$NGW_BIN" apply "$NGW_TMP/a0.yaml"
status_is "nsa's apply is still waiting for its own confirm" 3
check_output "(saying so)" 'waiting for `natgw confirm`' out a3
run ca2 nsa "$NGW_BIN" confirm
status_is "natgw confirm in nsa confirms nsa's" 0
check_output "(saying so)" '^natgw: confirmed' out ca2
check_output "nsa keeps its confirmed change" '^delta echo$' names nsa
check_output "nsb keeps its confirmed change" '^foxtrot golf$' names nsb
check_output "the router still holds alpha only" '^alpha$' names router
check_output "r2 still holds bravo only" '^bravo$' names r2
check_output "the third namespace still holds charlie only" '^charlie$' names third

# (5) containers: two namespaces whose processes also have a PID namespace
# of their own (neither sees the other's processes, nor the machine's PID
# 1), sharing the runtime directory: each runs its daemon and reaches it.
ns_add cy
ns_add cz
forwards_config yankee 8091 >"$NGW_TMP/cy.yaml"
forwards_config zulu 8092 >"$NGW_TMP/cz.yaml"
in_pidns() { local node=$1; shift; on "$node" unshare --pid --fork --mount-proc "$@"; }
bg cy unshare --pid --fork --mount-proc "$NGW_BIN" run -v -c "$NGW_TMP/cy.yaml" 2>"$NGW_TMP/cy.log"
DY=${NGW_PIDS[-1]}
bg cz unshare --pid --fork --mount-proc "$NGW_BIN" run -v -c "$NGW_TMP/cz.yaml" 2>"$NGW_TMP/cz.log"
DZ=${NGW_PIDS[-1]}
check "a daemon runs in the first container" wait_running "$NGW_TMP/cy.log"
check "and in the second, beside it" wait_running "$NGW_TMP/cz.log"
in_pidns cy "$NGW_BIN" show >"$NGW_TMP/cy.show" 2>&1
check "natgw show in the first container" test $? -eq 0
check_output "(lists its rule)" '^yankee +forward' cat "$NGW_TMP/cy.show"
in_pidns cz "$NGW_BIN" show >"$NGW_TMP/cz.show" 2>&1
check "natgw show in the second container" test $? -eq 0
check_output "(lists its rule)" '^zulu +forward' cat "$NGW_TMP/cz.show"
check_output "each answered by its own daemon (first)" '^natgw: control socket: show' cat "$NGW_TMP/cy.log"
check_output "(second)" '^natgw: control socket: show' cat "$NGW_TMP/cz.log"
# unshare's parent waits out SIGTERM: stop the daemons themselves
pkill -TERM -f -- "run -v -c $NGW_TMP/c[yz].yaml"
wait "$DY" "$DZ" 2>/dev/null
forget "$DY"
forget "$DZ"

finish
