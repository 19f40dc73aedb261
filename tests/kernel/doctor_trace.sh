#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw doctor --trace RULE: real packets of a forward followed through the
# router's tables. A foreign drop chain is named with its table and chain
# (exit 1); a working forward is seen reaching the target and its reply
# coming back (exit 0), over IPv4 and IPv6, TCP, UDP and a port range;
# --from, --seconds and the limit of 10 packets hold; the trace chains are
# gone after every way out (the end, SIGINT, an error), a SIGKILLed trace's
# are removed by the next apply or trace, a second trace is refused without harm to
# the first, and neither an apply nor natgw run fights a trace.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

C=$NGW_TMP/natgw.yaml
config_from base - >"$C" <<'YAML'
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: dns
    proto: udp
    port: 5353
    to: 192.0.2.10:53
  - name: range
    proto: both
    port: 9000-9009
    to: 192.0.2.10:9000-9009
  - name: off
    port: 444
    to: 192.0.2.10:8443
    enabled: false
snat:
  - name: out
    from: 192.0.2.0/24
    to: masquerade
YAML
serve server tcp 192.0.2.10 8443
serve server tcp 2001:db8:1::10 8443
serve server udp 192.0.2.10 53
serve server tcp 192.0.2.10 9003
natgw apply -q "$C"

# trace_start NAME ARGS...: natgw doctor --trace ARGS in the background
# (stdout NAME.out, stderr NAME.err), once it says it traces
trace_start() {
	local name=$1
	shift
	bg router "$NGW_BIN" doctor -c "$C" "$@" >"$NGW_TMP/$name.out" 2>"$NGW_TMP/$name.err"
	TPID=$!
	for _ in $(seq 150); do
		grep -q '^natgw: tracing forward' "$NGW_TMP/$name.err" && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.02
	done
	failed "$name: the trace did not start"
	sed 's/^/  | /' "$NGW_TMP/$name.err" >&2
}

# trace_end: waits for it; its exit status in TRC
trace_end() {
	wait "$TPID" 2>/dev/null
	TRC=$?
	forget "$TPID"
}

# no_trace_chain WHAT: table inet natgw holds none of the trace chains
no_trace_chain() {
	check_fails "$1: no trace chain is left" 1 \
		sh -c "ip netns exec $(ns_name router) nft list table inet natgw | grep trace-"
}

# said WHAT REGEX: the output of the last check has a line matching REGEX
said() {
	cp "$NGW_TMP/check.out" "$NGW_TMP/said.out"
	check_output "$1" "$2" cat "$NGW_TMP/said.out"
}

# is WHAT WANT GOT
is() {
	if [ "$2" = "$3" ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$1: expected $2, got $3"
	fi
}

# --- a working forward: it reaches the target, its reply comes back
trace_start ok --trace web --seconds 3
check_output "the forward works" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443 --sport 40000
trace_end
is "a working forward: exit 0" 0 "$TRC"
check_output "... the progress line" \
	'^natgw: tracing forward "web" for 3 s, at most 10 packets; send traffic now \(Ctrl-C stops\)$' \
	cat "$NGW_TMP/ok.err"
check_output "... its SYN forwarded and answered" \
	'^packet 1 \(tcp 203\.0\.113\.100:40000 -> 203\.0\.113\.5:443\): forwarded to 192\.0\.2\.10:8443, reply came back$' \
	cat "$NGW_TMP/ok.out"
check_output "... the reply passed back to the client" \
	'^packet [0-9]+ \(reply tcp 192\.0\.2\.10:8443 -> 203\.0\.113\.100:40000\): reply of packet 1, passed back to 203\.0\.113\.100:40000$' \
	cat "$NGW_TMP/ok.out"
check_output "... the path names natgw's own DNAT chain" \
	'^  table inet natgw, chain prerouting: rule handle [0-9]+: accept$' cat "$NGW_TMP/ok.out"
no_trace_chain "after the trace"

# --- a foreign drop chain: its table and chain are named
on router nft add table inet filter
on router nft add chain inet filter forward '{ type filter hook forward priority 0; policy drop; }'
trace_start drop --trace web --seconds 2
check_fails "the foreign chain drops the forward" 1 \
	probe client connect tcp 203.0.113.5 443 --sport 40001 --timeout 1000
trace_end
is "a forward dropped: exit 1" 1 "$TRC"
check_output "... names table inet filter, chain forward" \
	'^packet 1 \(tcp 203\.0\.113\.100:40001 -> 203\.0\.113\.5:443\): dropped by table inet filter, chain forward \(policy drop\)$' \
	cat "$NGW_TMP/drop.out"
check_output "... the step of the path" \
	'^  table inet filter, chain forward: policy drop$' cat "$NGW_TMP/drop.out"
no_trace_chain "after a drop"
on router nft delete table inet filter

# --- --seconds: no traffic, back within N+1 s
start=$(date +%s%N)
check_fails "no packet: exit 1" 1 natgw doctor -c "$C" --trace web --seconds 2
elapsed=$((($(date +%s%N) - start) / 1000000))
said "... says so" '^natgw: no packet of forward "web" arrived in 2 s$'
check "... within 3 s (took $elapsed ms)" test "$elapsed" -lt 3000

# --- --from: another remote's packets are not traced
trace_start from --trace web --from 203.0.113.101 --seconds 2
probe client connect tcp 203.0.113.5 443 --from 203.0.113.100 >/dev/null
trace_end
is "--from: traffic of another remote is not traced" 1 "$TRC"
check_fails "... nothing printed" 1 grep -q '^packet' "$NGW_TMP/from.out"
trace_start from2 --trace web --from 203.0.113.101 --seconds 2
probe client connect tcp 203.0.113.5 443 --from 203.0.113.101 >/dev/null
trace_end
is "--from: the remote's own traffic is traced" 0 "$TRC"
check_output "... from it" '^packet 1 \(tcp 203\.0\.113\.101:[0-9]+ -> 203\.0\.113\.5:443\): forwarded to 192\.0\.2\.10:8443, reply came back$' \
	cat "$NGW_TMP/from2.out"

# --- at most 10 packets, then it ends (before its 10 s)
trace_start ten --trace web --seconds 10
start=$(date +%s%N)
for p in 41001 41002 41003 41004; do
	probe client connect tcp 203.0.113.5 443 --sport $p >/dev/null
done
trace_end
elapsed=$((($(date +%s%N) - start) / 1000000))
is "ten packets traced" 10 "$(grep -Ec '^packet [0-9]+ \(tcp [^)]*\): ' "$NGW_TMP/ten.out")"
check "... and it ended then ($elapsed ms)" test "$elapsed" -lt 5000

# --- IPv6, UDP, a port range
trace_start v6 --trace web6 --seconds 2
probe client connect tcp 2001:db8:ff::5 443 --sport 40002 >/dev/null
trace_end
is "IPv6: exit 0" 0 "$TRC"
check_output "... forwarded and answered" \
	'^packet 1 \(tcp \[2001:db8:ff::100\]:40002 -> \[2001:db8:ff::5\]:443\): forwarded to \[2001:db8:1::10\]:8443, reply came back$' \
	cat "$NGW_TMP/v6.out"
trace_start udp --trace dns --seconds 2
probe client connect udp 203.0.113.5 5353 --sport 40003 >/dev/null
trace_end
is "UDP: exit 0" 0 "$TRC"
check_output "... forwarded and answered" \
	'^packet 1 \(udp 203\.0\.113\.100:40003 -> 203\.0\.113\.5:5353\): forwarded to 192\.0\.2\.10:53, reply came back$' \
	cat "$NGW_TMP/udp.out"
trace_start range --trace range --seconds 2
probe client connect tcp 203.0.113.5 9003 --sport 40004 >/dev/null
trace_end
is "a port range: exit 0" 0 "$TRC"
check_output "... forwarded and answered" \
	'^packet 1 \(tcp 203\.0\.113\.100:40004 -> 203\.0\.113\.5:9003\): forwarded to 192\.0\.2\.10:9003, reply came back$' \
	cat "$NGW_TMP/range.out"
# nothing listens on 9004: UDP gets no reply (ICMP says so, not traced),
# TCP gets a reset
trace_start silent --trace range --seconds 2
probe client connect udp 203.0.113.5 9004 --sport 40005 --timeout 500 >/dev/null 2>&1
probe client connect tcp 203.0.113.5 9004 --sport 40005 --timeout 500 >/dev/null 2>&1
trace_end
is "a target that does not answer: exit 1" 1 "$TRC"
check_output "... UDP: no reply" \
	'^packet 1 \(udp 203\.0\.113\.100:40005 -> 203\.0\.113\.5:9004\): forwarded to 192\.0\.2\.10:9004, no reply within 2 s$' \
	cat "$NGW_TMP/silent.out"
check_output "... TCP: refused" \
	'^packet 2 \(tcp 203\.0\.113\.100:40005 -> 203\.0\.113\.5:9004\): forwarded to 192\.0\.2\.10:9004, the target refused the connection \(TCP reset\)$' \
	cat "$NGW_TMP/silent.out"

# --- JSON
trace_start json --trace web --seconds 2 --json
probe client connect tcp 203.0.113.5 443 --sport 40006 >/dev/null
trace_end
check_output "JSON: the first packet, its outcome and summary" \
	'^\[\{"packet":1,"reply":false,"reply_of":0,"flow":"tcp 203\.0\.113\.100:40006 -> 203\.0\.113\.5:443","path":\[.*\],"outcome":"left","dropped_by":\{\},"out":"tcp 203\.0\.113\.100:40006 -> 192\.0\.2\.10:8443","answered":true,"summary":"forwarded to 192\.0\.2\.10:8443, reply came back"\}' \
	cat "$NGW_TMP/json.out"

# --- SIGINT while tracing: it stops at once and removes its chains
trace_start int --trace web --seconds 30
check_output "while tracing, the trace chains are there" 'chain trace-first' \
	on router nft list table inet natgw
start=$(date +%s%N)
kill -INT "$TPID"
trace_end
elapsed=$((($(date +%s%N) - start) / 1000000))
is "SIGINT: exit 1 (no packet)" 1 "$TRC"
check "... stopped at once ($elapsed ms)" test "$elapsed" -lt 1000
check_output "... says so" '^natgw: trace stopped \(Interrupt\) after' cat "$NGW_TMP/int.err"
no_trace_chain "after SIGINT"

# --- errors: what cannot be traced says why; no chain stays
check_fails "an unknown rule: exit 3" 3 natgw doctor -c "$C" --trace nosuch
said "... says so" "^natgw: doctor --trace: $C has no forward named \"nosuch\"$"
check_fails "an snat rule: usage, exit 2" 2 natgw doctor -c "$C" --trace out
said "... says so" '^natgw: doctor --trace: "out" is an snat rule; --trace follows the packets of a forward$'
check_fails "a disabled forward: exit 3" 3 natgw doctor -c "$C" --trace off
said "... says so" '^natgw: doctor --trace: forward "off" is disabled \(enabled: false\): it is not in the kernel, there is nothing to trace$'
check_fails "--from of the other family: exit 2" 2 natgw doctor -c "$C" --trace web --from 2001:db8:ff::100
check_fails "--seconds 0: exit 2" 2 natgw doctor -c "$C" --trace web --seconds 0
check_fails "--from without --trace: exit 2" 2 natgw doctor -c "$C" --from 203.0.113.100
check_fails "not applied (forward missing): exit 3" 3 natgw doctor -c <(config_from base - <<'YAML'
  - name: later
    port: 445
    to: 192.0.2.10:8443
YAML
) --trace later
said "... says so" '^natgw: doctor --trace: forward "later" is not in table inet natgw: apply the configuration first \(natgw apply\)$'
no_trace_chain "after the errors"

# --- two traces at once: the second is refused, the first goes on
trace_start first --trace web --seconds 3
check_fails "a second trace: exit 3" 3 natgw doctor -c "$C" --trace web6 --seconds 1
said "... says why" '^natgw: doctor --trace: another natgw doctor --trace is tracing in table inet natgw \(pid [0-9]+\); one at a time$'
probe client connect tcp 203.0.113.5 443 >/dev/null
trace_end
is "... the first still traces: exit 0" 0 "$TRC"
no_trace_chain "after both"

# --- SIGKILL: the chains stay; the next apply (or trace, or the daemon's
# look every minute) removes them
trace_start killed --trace web --seconds 30
kill -KILL "$TPID"
trace_end
check_output "SIGKILL leaves the chains" 'chain trace-first' on router nft list table inet natgw
check_output "... an apply removes them, and says so" \
	'^natgw: removed the trace chains of an earlier trace that did not end \(killed\)$' \
	natgw apply "$C"
no_trace_chain "after that apply"
# while a trace runs, an apply leaves its chains alone
trace_start alive --trace web --seconds 30
natgw apply "$C" >"$NGW_TMP/apply-alive.out" 2>&1
check_output "a live trace's chains stay through an apply" 'chain trace-first' \
	on router nft list table inet natgw
check_fails "... and the apply says nothing of them" 1 grep -q 'trace chains' "$NGW_TMP/apply-alive.out"
kill -INT "$TPID"
trace_end
trace_start killed --trace web --seconds 30
kill -KILL "$TPID"
trace_end
trace_start next --trace web --seconds 2
check_output "... the next trace removes them" \
	'^natgw: removed the trace chains of an earlier trace that did not end \(killed\)$' cat "$NGW_TMP/next.err"
probe client connect tcp 203.0.113.5 443 >/dev/null
trace_end
is "... and traces: exit 0" 0 "$TRC"
no_trace_chain "after the next trace"

# --- an apply of a changed file while tracing: neither breaks the other
config_from base - >"$NGW_TMP/changed.yaml" <<'YAML'
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: dns
    proto: udp
    port: 5353
    to: 192.0.2.10:53
  - name: range
    port: 9000-9009
    to: 192.0.2.10:9000-9009
  - name: more
    port: 8080
    to: 192.0.2.20:80
YAML
trace_start apply --trace web --seconds 2
check "apply while tracing" natgw apply -q "$NGW_TMP/changed.yaml"
check_output "... the trace chains stay" 'chain trace-first' on router nft list table inet natgw
probe client connect tcp 203.0.113.5 443 >/dev/null
trace_end
is "... the trace goes on: exit 0" 0 "$TRC"
no_trace_chain "after a trace during an apply"
check_output "... and a plan afterwards is empty" "^natgw: no changes" natgw plan "$NGW_TMP/changed.yaml"

# --- natgw run: the daemon does not fight the trace
LOG=$NGW_TMP/run.log
bg router "$NGW_BIN" run -v -c "$C" 2>>"$LOG" >&-
RUNPID=$!
check "natgw run starts" wait_running "$LOG"
trace_start run --trace web --seconds 2
probe client connect tcp 203.0.113.5 443 >/dev/null
trace_end
is "a trace under natgw run: exit 0" 0 "$TRC"
sleep 0.5
check_fails "... the daemon saw no change to restore" 1 grep -E 'another program|restor' "$LOG"
no_trace_chain "after a trace under natgw run"
kill "$RUNPID"

finish
