# SPDX-License-Identifier: GPL-2.0-or-later
# What every benchmark shares: namespaces of its own, timing, statistics,
# the CSV of raw numbers and the tables of docs/BENCHMARKS.md. Source it.

BENCH_NS=()
BENCH_TMP=$(mktemp -d)
export NATGW_RUN_DIR=$BENCH_TMP/run	# natgw's records stay with this run

bench_cleanup() {
	local ns
	for ns in "${BENCH_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	BENCH_NS=()
	[ -n "${BENCH_RESTORE:-}" ] && eval "$BENCH_RESTORE"
	rm -rf "$BENCH_TMP"
}

# ns_new VAR: a fresh, empty network namespace, its name put in VAR. Not
# in a subshell: the list of namespaces to remove on exit lives here.
ns_new() {
	local _made="ngwb$$-$RANDOM$RANDOM"	# a name no caller's variable has
	ip netns add "$_made" || return 1
	BENCH_NS+=("$_made")
	ip netns exec "$_made" ip link set lo up
	printf -v "$1" '%s' "$_made"
}

ns_del() {
	ip netns pids "$1" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$1" 2>/dev/null
}

# settle: waits (at most 5 s) until the CPUs are idle again. The kernel
# frees a deleted namespace's 100,000 rules in the background; the next
# timed run must not share the cores with that.
settle() {
	local i busy total prev_busy prev_total
	read -r prev_busy prev_total < <(cpu_ticks)
	for i in $(seq 50); do
		sleep 0.1
		read -r busy total < <(cpu_ticks)
		# under 10% of the ticks since the last look were busy
		if [ $(( (busy - prev_busy) * 10 )) -lt $((total - prev_total)) ]; then
			return 0
		fi
		prev_busy=$busy prev_total=$total
	done
}

cpu_ticks() {	# busy and total jiffies of all CPUs
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# seconds_of COMMAND...: runs it, prints its wall time in seconds (stdout and
# stderr of the command go to $BENCH_TMP/last.out and .err); fails with it
seconds_of() {
	local start end
	start=$EPOCHREALTIME
	"$@" >"$BENCH_TMP/last.out" 2>"$BENCH_TMP/last.err" || {
		echo "bench: failed: $*" >&2
		sed 's/^/  | /' "$BENCH_TMP/last.err" | head -5 >&2
		return 1
	}
	end=$EPOCHREALTIME
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
}

# stats V...: "median min max" of the values
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s %s\n", m, v[1], v[NR] }'
}

# csv BENCH CASE TOOL N VALUE UNIT: one raw measurement
csv() {
	printf '%s,%s,%s,%s,%s,%s\n' "$@" >>"$BENCH_CSV"
}

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# at_least VALUE GOAL / at_most VALUE GOAL: "met" or "missed"
at_least() { awk -v v="$1" -v g="$2" 'BEGIN { print (v >= g) ? "met" : "missed" }'; }
at_most() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g) ? "met" : "missed" }'; }

# md LINE...: appends to the report being written
md() { printf '%s\n' "$@" >>"$BENCH_MD"; }

# fmt_s SECONDS: "1.234 s" or "12.3 ms"
fmt_s() {
	awk -v s="$1" 'BEGIN { if (s >= 1) printf "%.2f s", s; else printf "%.1f ms", s * 1000 }'
}

# conntrack_room N: the conntrack table can hold N entries (and a tenth
# more); raised for this run if not, put back on exit
conntrack_room() {
	local old want=$(($1 + $1 / 10))
	old=$(sysctl -n net.netfilter.nf_conntrack_max)
	[ "$old" -ge "$want" ] && return 0
	[ -n "${BENCH_RESTORE:-}" ] || BENCH_RESTORE="sysctl -qw net.netfilter.nf_conntrack_max=$old"
	sysctl -qw net.netfilter.nf_conntrack_max="$want"
}

say() { printf '\n== %s\n' "$*" >&2; }

# rule_mark NS RULE: the ct mark natgw gave RULE in namespace NS, as nft
# lists it in rule_counters (marks are a hash of the table's and the
# rules' names: docs/kernel.md)
rule_mark() {
	ip netns exec "$1" nft -s list set inet natgw rule_counters |
		grep -o "0x4e[0-9a-f]\{6\} counter comment \"$2\"" | cut -d' ' -f1
}
