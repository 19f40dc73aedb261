#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Conntrack under pressure: the router's conntrack table is filled to its
# limit with answered entries (half of them natgw's), so the kernel drops
# every new connection; clients keep trying. natgw run must say the table
# is full, keep up with the flood of events (or notice what it lost and
# repair it), and when the load stops its translation table must equal
# conntrack's. The limit is the machine's own (net.netfilter.nf_conntrack_max,
# counted per namespace): only when it is over 1,048,576 is it lowered for
# the test, and put back after.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
CTFILL=$(realpath "$3")
C=$NATGW_RUN_DIR/natgw.yaml
LOG=$NGW_TMP/daemon.log
mkdir -p "$NATGW_RUN_DIR"

MAX_FILE=/proc/sys/net/netfilter/nf_conntrack_max
ORIG_MAX=$(cat "$MAX_FILE")
if [ "$ORIG_MAX" -gt 1048576 ]; then
	trap 'echo "$ORIG_MAX" >"$MAX_FILE"; topo_down' EXIT
	echo 1048576 >"$MAX_FILE"
fi
MAX=$(cat "$MAX_FILE")

config_from base - >"$C" <<'YAML'
snat:
  - name: lan-out
    from: 192.0.2.0/24
YAML
serve server tcp 192.0.2.10 8443
bg router "$NGW_BIN" run -c "$C" 2>>"$LOG"
DPID=${NGW_PIDS[-1]}
wait_running "$LOG"
check_output "the daemon runs" '^natgw: running: table inet natgw' cat "$LOG"
check_output "a connection works before the load" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443

# fill the router's table: its own entries count against the limit, so
# ask for all of it; what does not fit is refused
room=$((MAX - $(on router conntrack -C)))
on router "$CTFILL" "$room" $((room / 2)) "$(mark_of web)" assured >"$NGW_TMP/fill" 2>&1
cat "$NGW_TMP/fill"
check_output "the table is full" "^$MAX\$" on router conntrack -C

# the load: new connections for 3 s, every one of them dropped
bg client "$NGW_PROBE" churn tcp 203.0.113.5 443 --seconds 3 --interval 50 >"$NGW_TMP/churn"
CHURN=${NGW_PIDS[-1]}
wait "$CHURN"
check_output "new connections fail while the table is full" ' fail ' cat "$NGW_TMP/churn"
for _ in $(seq 40); do
	grep -q 'conntrack table full' "$LOG" && break
	sleep 0.05
done
check_output "natgw says the table is full, and what to do" \
	"^natgw: conntrack table full: $MAX of $MAX entries; the kernel dropped [1-9][0-9]* packets opening new connections and evicted [0-9]+ unanswered connections in the last 1 s \\(raise net\\.netfilter\\.nf_conntrack_max\\)$" \
	cat "$LOG"

# the load stops: natgw's translation table is conntrack's
count_kernel() { on router conntrack -L -m 0x4e000000/0xff000000 2>/dev/null | wc -l; }
count_natgw() { natgw mappings --cached --count | sed -n 's/^\([0-9]*\) mappings\{0,1\}$/\1/p'; }
wait_equal() {	# within 5 s (a dump repairs lost events): k and n set
	for _ in $(seq 50); do
		k=$(count_kernel) n=$(count_natgw)
		[ "$k" = "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_equal
equal=$?
echo "after the load: conntrack has $k of natgw's entries, natgw's table $n"
check "natgw's translation table equals conntrack's ($n, $k)" test "$equal" -eq 0
check "... which holds the flood ($k of natgw's entries)" test "$k" -ge $((room / 2 - 100))
grep -E 'dropped conntrack events|resynchronised' "$LOG" | head -2

# room again: natgw says so, and new connections work
on router conntrack -D -s 198.51.100.0/24 >/dev/null 2>&1
for _ in $(seq 200); do
	grep -q 'conntrack table has room again' "$LOG" && break
	sleep 0.05
done
check_output "natgw says when there is room again" \
	'^natgw: conntrack table has room again: [0-9]+ of [0-9]+ entries; [1-9][0-9]* packets opening new connections were dropped while it was full$' \
	cat "$LOG"
check_output "a connection works after the load" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443
wait_equal
equal=$?
check "natgw's table follows the deletions too ($n, $k)" test "$equal" -eq 0
check "the daemon is still running" kill -0 "$DPID"
finish
