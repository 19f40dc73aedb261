# SPDX-License-Identifier: GPL-2.0-or-later
# Network namespaces for natgw's kernel tests and demo. Source it.
#
# topo_up builds, with names unique to this run:
#
#   client ── c0 ─── eth0 ── router ── br-lan ─┬─ server (192.0.2.10, 2001:db8:1::10)
#   203.0.113.100/.101         203.0.113.5      │   192.0.2.1
#   2001:db8:ff::100           2001:db8:ff::5   └─ lanhost (192.0.2.20, 2001:db8:1::20)
#   198.51.100.7 (outside server)               2001:db8:1::1
#
# Only documentation addresses are used. Everything created is removed by
# topo_down, which runs on exit, error and Ctrl-C once topo_up has run.

NGW_RUN="ngw$$r$RANDOM"
NGW_NAMESPACES=()
NGW_PIDS=()
NGW_TMP=$(mktemp -d)
# natgw's records of its applies go with this run's files, not into the
# machine's /run/natgw
export NATGW_RUN_DIR=$NGW_TMP/run

ns_name() { echo "$NGW_RUN-$1"; }

# on NODE COMMAND...: run COMMAND inside a node's namespace
on() {
	local node=$1
	shift
	ip netns exec "$(ns_name "$node")" "$@"
}

# bg NODE COMMAND...: run in the background; killed by topo_down
bg() {
	local node=$1
	shift
	ip netns exec "$(ns_name "$node")" "$@" &
	NGW_PIDS+=($!)
}

topo_down() {
	local pid ns
	for pid in "${NGW_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${NGW_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	NGW_PIDS=()
	for ns in "${NGW_NAMESPACES[@]}"; do
		# killing what still runs inside lets the namespace go away
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	NGW_NAMESPACES=()
	rm -rf "$NGW_TMP"
}

ns_add() {
	local ns
	ns=$(ns_name "$1")
	ip netns add "$ns" || return 1
	NGW_NAMESPACES+=("$ns")
	# no duplicate address detection: addresses usable at once, so the
	# first IPv6 packet does not wait seconds for neighbour discovery
	on "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	on "$1" ip link set lo up
}

# link NODE_A IF_A NODE_B IF_B: a veth pair between two namespaces
link() {
	local tmp_a="v$RANDOM$RANDOM" tmp_b="v$RANDOM$RANDOM"
	ip link add "$tmp_a" type veth peer name "$tmp_b" || return 1
	ip link set "$tmp_a" netns "$(ns_name "$1")" || return 1
	ip link set "$tmp_b" netns "$(ns_name "$3")" || return 1
	on "$1" ip link set "$tmp_a" name "$2"
	on "$3" ip link set "$tmp_b" name "$4"
	on "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"
	on "$3" sysctl -qw "net.ipv6.conf.$4.accept_dad=0"
	on "$1" ip link set "$2" up
	on "$3" ip link set "$4" up
}

addr() {	# addr NODE IF ADDRESS/LEN...
	local node=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) on "$node" ip -6 addr add "$a" dev "$dev" nodad ;;
		*) on "$node" ip addr add "$a" dev "$dev" ;;
		esac
	done
}

topo_up() {
	trap topo_down EXIT
	trap 'exit 130' INT TERM
	local n
	for n in client router server lanhost; do
		ns_add "$n" || return 1
	done
	link client c0 router eth0
	on router ip link add br-lan type bridge
	on router ip link set br-lan up
	link server eth0 router lan-s
	link lanhost eth0 router lan-l
	on router ip link set lan-s master br-lan
	on router ip link set lan-l master br-lan

	addr client c0 203.0.113.100/24 203.0.113.101/24 198.51.100.7/24 2001:db8:ff::100/64
	addr router eth0 203.0.113.5/24 2001:db8:ff::5/64
	addr router br-lan 192.0.2.1/24 2001:db8:1::1/64
	addr server eth0 192.0.2.10/24 2001:db8:1::10/64
	addr lanhost eth0 192.0.2.20/24 2001:db8:1::20/64
	for n in server lanhost; do
		on "$n" ip route add default via 192.0.2.1
		on "$n" ip -6 route add default via 2001:db8:1::1
	done
	# The client is "the internet": it reaches the LAN only through NAT.
	on router ip route add 198.51.100.0/24 via 203.0.113.100
	on router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	on client ip route add default via 203.0.113.5 2>/dev/null
	on client ip -6 route add default via 2001:db8:ff::5
}

# serve NODE tcp|udp ADDR PORT: a probe server, started and ready
serve() {
	local ready
	ready="$NGW_TMP/ready.$RANDOM$RANDOM"
	bg "$1" "$NGW_PROBE" serve "$2" "$3" "$4" --ready "$ready"
	for _ in $(seq 100); do
		[ -e "$ready" ] && return 0
		sleep 0.02
	done
	echo "serve $*: the server did not start" >&2
	return 1
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIPPED: $1 needs root (network namespaces and nftables)" >&2
		exit 77
	fi
}

# ---- assertions -----------------------------------------------------------
# Every check counts; finish prints "N passed, N failed" and fails the test
# if any check did.

NGW_PASSED=0
NGW_FAILED=0

failed() {
	NGW_FAILED=$((NGW_FAILED + 1))
	echo "FAIL: $*" >&2
}

# check WHAT COMMAND...: COMMAND must succeed
check() {
	local what=$1
	shift
	if "$@" >"$NGW_TMP/check.out" 2>&1; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$what"
		sed 's/^/  | /' "$NGW_TMP/check.out" >&2
	fi
}

# check_fails WHAT STATUS COMMAND...: COMMAND must fail with exactly STATUS
# (a usage error of a tool, or a crash, is not the refusal a test expects)
check_fails() {
	local what=$1 want=$2 rc
	shift 2
	"$@" >"$NGW_TMP/check.out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && [ "$want" -ne 0 ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$what (exit status $rc, expected $want)"
		sed 's/^/  | /' "$NGW_TMP/check.out" >&2
	fi
}

# check_output WHAT REGEX COMMAND...: COMMAND must succeed and print a line
# matching the extended regular expression REGEX
check_output() {
	local what=$1 re=$2
	shift 2
	if "$@" >"$NGW_TMP/check.out" 2>&1 && grep -Eq -- "$re" "$NGW_TMP/check.out"; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$what: expected /$re/"
		sed 's/^/  | /' "$NGW_TMP/check.out" >&2
	fi
}

# check_same WHAT FILE_A FILE_B: the two files must be identical
check_same() {
	if cmp -s "$2" "$3"; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$1"
		diff -u "$2" "$3" | head -40 | sed 's/^/  | /' >&2
	fi
}

finish() {
	echo "$(basename "$0" .sh): $NGW_PASSED passed, $NGW_FAILED failed"
	[ "$NGW_FAILED" -eq 0 ] && [ "$NGW_PASSED" -gt 0 ]
}

# A daemon's log ($LOG, set by the test) is checked exactly: mark, act, then
# expect_log the lines the daemon wrote since the mark, each matching its
# regex, and no more (it is given SETTLE seconds to write a line too many;
# a line too many after a start or stop shows in the next check).
MARK=0
SETTLE=0.6
mark() { MARK=$(wc -l <"$LOG"); }
expect_log() {	# expect_log WHAT REGEX...
	local what=$1 n
	shift
	for _ in $(seq 100); do
		[ "$(($(wc -l <"$LOG") - MARK))" -ge $# ] && break
		sleep 0.05
	done
	sleep "$SETTLE"
	tail -n +$((MARK + 1)) "$LOG" >"$NGW_TMP/new.log"
	n=$(wc -l <"$NGW_TMP/new.log")
	local i=0 ok=1 re
	[ "$n" -eq $# ] || ok=0
	for re in "$@"; do
		i=$((i + 1))
		sed -n "${i}p" "$NGW_TMP/new.log" | grep -Eq -- "$re" || ok=0
	done
	if [ $ok -eq 1 ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$what: expected $# lines:"
		printf '  | /%s/\n' "$@" >&2
		echo "  the daemon logged $n:" >&2
		sed 's/^/  | /' "$NGW_TMP/new.log" >&2
	fi
	mark
}

# apply_warns WHAT FILE REGEX: natgw apply FILE succeeds (exit 0) and warns
# with a line matching REGEX: what doctor finds is said after every apply
apply_warns() {
	natgw apply "$2" >"$NGW_TMP/apply.out" 2>"$NGW_TMP/apply.err"
	check_output "$1: apply exits 0" '^0$' echo $?
	check_output "$1: apply warns" "$3" cat "$NGW_TMP/apply.err"
}

# doctor_says WHAT FILE STATUS REGEX: natgw doctor FILE exits exactly STATUS
# (0 or more) and prints a line matching REGEX (its output stays in
# $NGW_TMP/doctor.out); and natgw apply FILE warns of it, and succeeds
doctor_says() {
	if [ "$3" -eq 0 ]; then
		check "$1: exit 0" natgw doctor "$2"
	else
		check_fails "$1: exit $3" "$3" natgw doctor "$2"
	fi
	cp "$NGW_TMP/check.out" "$NGW_TMP/doctor.out"
	check_output "$1: the line" "$4" cat "$NGW_TMP/doctor.out"
	apply_warns "$1" "$2" "$4"
}

# doctor_clean WHAT FILE: natgw doctor finds nothing in FILE
doctor_clean() {
	check_output "$1" "^natgw: no finding: nothing on this router stops the rules of $2\$" \
		natgw doctor "$2"
}

# forget PID: a process waited for, not to be killed again by topo_down
forget() {
	local keep=() p
	for p in "${NGW_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	NGW_PIDS=("${keep[@]}")
}

# The configs the kernel tests share, beside this file (found while it is
# sourced, from any working directory)
NGW_CONFIGS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/configs

# config_from NAME [FILE]...: tests/kernel/configs/NAME.yaml without its
# comment lines, then each FILE ("-": standard input, as for cat), e.g.
#   config_from base - >"$C" <<'YAML'
#   (the test's own forwards and rules)
#   YAML
config_from() {
	local name=$1
	shift
	sed '/^#/d' "$NGW_CONFIGS/$name.yaml" || return 1
	[ $# -eq 0 ] || cat -- "$@"
}

# forwards_config NAME PORT [NAME PORT]...: a config of forwards on eth0 to
# 192.0.2.10:80, one per NAME and PORT
forwards_config() {
	printf 'version: 1\ngateway:\n  wan: eth0\nforwards:\n'
	while [ $# -ge 2 ]; do
		printf '  - name: %s\n    port: %s\n    to: 192.0.2.10:80\n' "$1" "$2"
		shift 2
	done
}

# natgw and the probe on a node
natgw() { on "${NGW_NODE:-router}" "$NGW_BIN" "$@"; }

# wait_running LOG: until natgw run (logging to LOG) says it runs, 5 s at most
wait_running() {
	for _ in $(seq 100); do
		grep -q '^natgw: running' "$1" && return 0
		sleep 0.05
	done
	return 1
}
probe() {
	local node=$1
	shift
	on "$node" "$NGW_PROBE" "$@"
}

# mark_of RULE: the ct mark natgw gave RULE, as natgw show --json says
mark_of() {
	natgw show --json | tr '{' '\n' | grep "\"rule\":\"$1\"" |
		sed 's/.*"mark":"\(0x[0-9a-f]*\)".*/\1/'
}

# kernel_test_init NATGW_BIN PROBE_BIN: the common start of every kernel test
kernel_test_init() {
	require_root "$(basename "$0")"
	NGW_BIN=$(realpath "$1")
	NGW_PROBE=$(realpath "$2")
	for tool in ip nft conntrack; do
		command -v "$tool" >/dev/null || {
			echo "FAIL: $tool is not installed (scripts/test.sh installs it)" >&2
			exit 1
		}
	done
	topo_up || { echo "FAIL: could not build the test network" >&2; exit 1; }
}
