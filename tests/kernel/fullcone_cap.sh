#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# max_per_host of an endpoint-independent ("full cone") UDP rule, as an
# operator relies on it: rule "console" (max_per_host 4) then a plain
# "lan-out". A mapping is an element of ei_snat4 / ei_snat6 keyed by the
# internal socket; a host never holds more than 4 of them, at any moment,
# and every socket past the cap still reaches its remote (as ordinary
# snat; its first datagram may be lost, so every client here sends again).
#
#   1. a host opens 6 sockets, one every 3 s, each sending every 500 ms,
#      daemon running: at most 4 mappings at every sample (each second),
#      4 at the end and those of its first 4 sockets, all 6 answered, and
#      the cap is logged (IPv4 and IPv6 side by side);
#   2. 2000 sockets within about a second (IPv4 and IPv6 at once), without
#      a daemon (natgw apply only) and with natgw run: at most 4 mappings
#      per host over the next 5 s, in nft and in natgw mappings --json,
#      and every socket answered;
#   3. idle_timeout 5 (set by a reload): 8 sockets keep sending for 15 s,
#      longer than the idle timeout: at most 4 mappings at every sample,
#      still 4 at the last, all 8 answered;
#   4. natgw run with 30,000 forwards while a capped host opens 20 new
#      sockets per second for 10 s: the daemon's CPU time stays under 1 s
#      (printed with its CPU time idle), and it never takes its own writes
#      for another program's;
#   5. the ei_ maps filled by another program: a new socket still reaches
#      its remote, the daemon says the maps are full, and natgw show counts
#      the connection as one that went out unmapped.
# They run in the order 2 (no daemon), 1, 2 (daemon), 3, 4, 5; each case
# has hosts of its own (192.0.2.20-25, 2001:db8:1::20-23 on lanhost).
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

C=$NGW_TMP/natgw.yaml
LOG=$NGW_TMP/daemon.log
MAX=4
# one internal host per case, so no case counts another's mappings
addr lanhost eth0 192.0.2.21/24 192.0.2.22/24 192.0.2.23/24 192.0.2.24/24 192.0.2.25/24 \
	2001:db8:1::21/64 2001:db8:1::22/64 2001:db8:1::23/64
serve client udp 203.0.113.100 7000
serve client udp 2001:db8:ff::100 7000

# snat_yaml IDLE_TIMEOUT: the two snat rules
snat_yaml() {
	cat <<YAML
snat:
  - name: console
    from: [192.0.2.20, 192.0.2.21, 192.0.2.22, 192.0.2.23, 192.0.2.24, 192.0.2.25,
           "2001:db8:1::20", "2001:db8:1::21", "2001:db8:1::22", "2001:db8:1::23"]
    proto: udp
    endpoint_independent: true
    idle_timeout: $1
    max_per_host: $MAX
  - name: lan-out
    from: [192.0.2.0/24, "2001:db8:1::/64"]
YAML
}
# put FILE: standard input written beside FILE, then renamed over it
put() {
	cat >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}
printf 'version: 1\ngateway:\n  wan: eth0\n  lan: br-lan\n%s\n' "$(snat_yaml 300)" | put "$C"

# ei_count HOST: the mappings of HOST, elements of ei_snat4 (ei_snat6)
# keyed by one of its sockets; "nft-failed" when nft cannot list the map
ei_count() {
	local map=ei_snat4 re out
	case $1 in *:*) map=ei_snat6 ;; esac
	re="(^|[^0-9a-f:.])$(printf '%s' "$1" | sed 's/\./\\./g') \. [0-9]+"
	out=$(on router nft list map inet natgw "$map") || { echo nft-failed; return; }
	printf '%s\n' "$out" | grep -oE -- "$re" | wc -l
}
# first_mapped OUT HOST: the first MAX sockets in the probe's output OUT
# each have a mapping (a later socket never takes an earlier one's place)
first_mapped() {
	local map=ei_snat4 re listing port n=0 bad=0
	case $2 in *:*) map=ei_snat6 ;; esac
	re="(^|[^0-9a-f:.])$(printf '%s' "$2" | sed 's/\./\\./g') \\. "
	listing=$(on router nft list map inet natgw "$map") || return 1
	for port in $(sed -n 's/^local=.*:\([0-9]*\) sent=.*/\1/p' "$1" | head -n "$MAX"); do
		n=$((n + 1))
		if grep -qE -- "$re$port " <<<"$listing"; then
			echo "$2 port $port: mapped"
		else
			echo "$2 port $port: no mapping"
			bad=1
		fi
	done
	[ "$n" -eq "$MAX" ] && [ "$bad" -eq 0 ]
}
# json_count HOST: natgw mappings --json's FULL-CONE lines of HOST
json_count() {
	local p="$1:"
	case $1 in *:*) p="[$1]:" ;; esac
	natgw mappings --json | jq --arg p "$p" \
		'[.[] | select(.state == "FULL-CONE" and (.internal | startswith($p)))] | length'
}
now_ns() { date +%s%N; }
sleep_until() {	# sleep_until NANOSECONDS_SINCE_THE_EPOCH
	local ms=$((($1 - $(now_ns)) / 1000000))
	[ "$ms" -gt 0 ] && sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	return 0
}
# sample SECONDS FILE HOST...: each second for SECONDS s (the first right
# away), a line "SECOND HOST COUNT" per HOST in FILE
sample() {
	local secs=$1 file=$2 start i h
	shift 2
	start=$(now_ns)
	for ((i = 0; i < secs; i++)); do
		sleep_until $((start + i * 1000000000))
		for h in "$@"; do
			echo "$i $h $(ei_count "$h")"
		done >>"$file"
	done
}
# at_most MAX FILE [HOST]: every sample in FILE (of HOST) counts at most MAX
at_most() {
	cat "$2"
	awk -v max="$1" -v host="${3:-}" '(host == "" || $2 == host) &&
		($3 !~ /^[0-9]+$/ || $3 + 0 > max) { bad = 1 } END { exit bad }' "$2"
}
# is_at_most MAX VALUE
is_at_most() { echo "$2"; [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -le "$1" ]; }
is_equal() { echo "$1 = $2?"; [ "$1" = "$2" ]; }
# wait_log REGEX FILE SECONDS: until FILE has a line matching REGEX
wait_log() {
	local end=$(($(now_ns) + $3 * 1000000000))
	while [ "$(now_ns)" -lt "$end" ]; do
		grep -Eq -- "$1" "$2" && return 0
		sleep 0.1
	done
	grep -Eq -- "$1" "$2" && return 0
	echo "no line matches /$1/ in $2 after $3 s:"
	tail -40 "$2"
	return 1
}
start_daemon() {	# start_daemon FILE LOG
	bg router "$NGW_BIN" run -v -c "$1" 2>>"$2"
	DPID=${NGW_PIDS[-1]}
}
stop_daemon() {
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	forget "$DPID"
}
# cpu_ticks PID: utime + stime of PID, in clock ticks
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat") || return 1
	s=${s##*) }	# the fields after the command's name
	awk '{ print $12 + $13 }' <<<"$s"
}
# map_size MAP: its elements (each listed with its timeout)
map_size() {
	on router nft list map inet natgw "$1" | awk '{ n += gsub(/ timeout /, "") } END { print n + 0 }'
}
# same_sizes FAMILY: ei_snat, ei_dnat and ei_mark of FAMILY (4, 6) hold as many
same_sizes() {
	local s d m
	s=$(map_size "ei_snat$1") d=$(map_size "ei_dnat$1") m=$(map_size "ei_mark$1")
	echo "ei_snat$1 $s, ei_dnat$1 $d, ei_mark$1 $m"
	[ "$s" = "$d" ] && [ "$d" = "$m" ]
}
# burst HOST REMOTE TAG: 2000 sockets of HOST to REMOTE:7000 within about a
# second, each sending 3 times 300 ms apart (in the background)
BURST=2000
burst() {
	bg lanhost "$NGW_PROBE" sockets udp "$2" 7000 --from "$1" --count "$BURST" \
		--interval 0.5 --every 300 --tries 3 --seconds 3 >"$NGW_TMP/$3.out"
}
# burst_checks WHAT V4HOST V6HOST TAG: the bursts of both hosts are done;
# at most MAX mappings each over the next 5 s, and every socket answered
burst_checks() {
	local what=$1 h4=$2 h6=$3 tag=$4 h
	local p1=${NGW_PIDS[-1]} p2=${NGW_PIDS[-2]}
	wait "$p1" "$p2"
	forget "$p1"
	forget "$p2"
	sample 6 "$NGW_TMP/$tag.samples" "$h4" "$h6"
	for h in "$h4" "$h6"; do
		check "$what: $h holds at most $MAX mappings at each sample over 5 s" \
			at_most "$MAX" "$NGW_TMP/$tag.samples" "$h"
		check "$what: natgw mappings --json lists at most $MAX FULL-CONE lines of $h" \
			is_at_most "$MAX" "$(json_count "$h")"
	done
	for f in 4 6; do
		check "$what: ei_snat$f, ei_dnat$f and ei_mark$f hold as many elements (no half mapping)" \
			same_sizes "$f"
	done
	check_output "$what: every IPv4 socket reached the remote" "^sockets=$BURST answered=$BURST " \
		cat "$NGW_TMP/$tag.v4.out"
	check_output "$what: every IPv6 socket reached the remote" "^sockets=$BURST answered=$BURST " \
		cat "$NGW_TMP/$tag.v6.out"
	echo "$what: $(head -1 "$NGW_TMP/$tag.v4.out") (IPv4), $(head -1 "$NGW_TMP/$tag.v6.out") (IPv6);" \
		"mappings: $(awk '{ print $2 "=" $3 }' "$NGW_TMP/$tag.samples" | tr '\n' ' ')"
}

# ---- 2, without a daemon: the kernel alone keeps the cap -------------------
check "apply (no daemon)" natgw apply "$C"
burst 192.0.2.21 203.0.113.100 nodaemon.v4
burst 2001:db8:1::21 2001:db8:ff::100 nodaemon.v6
burst_checks "burst, no daemon" 192.0.2.21 2001:db8:1::21 nodaemon

# ---- 1, slow opening, daemon running ---------------------------------------
start_daemon "$C" "$LOG"
check "the daemon starts" wait_running "$LOG"
bg lanhost "$NGW_PROBE" sockets udp 203.0.113.100 7000 --from 192.0.2.20 --count 6 \
	--interval 3000 --every 500 --seconds 19 >"$NGW_TMP/slow.v4.out"
S4=${NGW_PIDS[-1]}
bg lanhost "$NGW_PROBE" sockets udp 2001:db8:ff::100 7000 --from 2001:db8:1::20 --count 6 \
	--interval 3000 --every 500 --seconds 19 >"$NGW_TMP/slow.v6.out"
S6=${NGW_PIDS[-1]}
sample 19 "$NGW_TMP/slow.samples" 192.0.2.20 2001:db8:1::20
wait "$S4" "$S6"
forget "$S4"
forget "$S6"
for h in 192.0.2.20 2001:db8:1::20; do
	check "slow opening: $h holds at most $MAX mappings at every sample" \
		at_most "$MAX" "$NGW_TMP/slow.samples" "$h"
	n=$(ei_count "$h")
	check "slow opening: $h holds $MAX mappings at the end" is_equal "$n" "$MAX"
	check "slow opening: natgw mappings --json agrees for $h" is_equal "$(json_count "$h")" "$n"
done
check "slow opening: they are 192.0.2.20's first $MAX sockets" first_mapped "$NGW_TMP/slow.v4.out" 192.0.2.20
check "slow opening: they are 2001:db8:1::20's first $MAX sockets" \
	first_mapped "$NGW_TMP/slow.v6.out" 2001:db8:1::20
check_output "slow opening: all 6 IPv4 sockets still get answers" '^sockets=6 answered=6 recent=6 ' \
	cat "$NGW_TMP/slow.v4.out"
check_output "slow opening: all 6 IPv6 sockets still get answers" '^sockets=6 answered=6 recent=6 ' \
	cat "$NGW_TMP/slow.v6.out"
check_output "slow opening: the daemon logged the cap for 192.0.2.20" \
	'192\.0\.2\.20([^0-9].*)? has reached max_per_host' cat "$LOG"
check_output "slow opening: the daemon logged the cap for 2001:db8:1::20" \
	'2001:db8:1::20([^0-9a-f].*)? has reached max_per_host' cat "$LOG"

# ---- 2, with the daemon -------------------------------------------------------
burst 192.0.2.22 203.0.113.100 daemon.v4
burst 2001:db8:1::22 2001:db8:ff::100 daemon.v6
burst_checks "burst, daemon running" 192.0.2.22 2001:db8:1::22 daemon

# ---- 3, past idle_timeout --------------------------------------------------------
printf 'version: 1\ngateway:\n  wan: eth0\n  lan: br-lan\n%s\n' "$(snat_yaml 5)" | put "$C"
check "idle_timeout 5: the daemon applies the changed file" \
	wait_log '^natgw: reload \(the file changed\): applied' "$LOG" 5
bg lanhost "$NGW_PROBE" sockets udp 203.0.113.100 7000 --from 192.0.2.23 --count 8 \
	--every 500 --seconds 15.5 >"$NGW_TMP/idle.v4.out"
I4=${NGW_PIDS[-1]}
bg lanhost "$NGW_PROBE" sockets udp 2001:db8:ff::100 7000 --from 2001:db8:1::23 --count 8 \
	--every 500 --seconds 15.5 >"$NGW_TMP/idle.v6.out"
I6=${NGW_PIDS[-1]}
sample 16 "$NGW_TMP/idle.samples" 192.0.2.23 2001:db8:1::23
wait "$I4" "$I6"
forget "$I4"
forget "$I6"
for h in 192.0.2.23 2001:db8:1::23; do
	check "idle_timeout 5: $h holds at most $MAX mappings at every sample over 15 s" \
		at_most "$MAX" "$NGW_TMP/idle.samples" "$h"
	check "idle_timeout 5: $h still holds $MAX at the last sample (its sockets keep sending)" \
		is_equal "$(awk -v h="$h" '$2 == h { n = $3 } END { print n }' "$NGW_TMP/idle.samples")" "$MAX"
done
check_output "idle_timeout 5: all 8 IPv4 sockets still get answers" '^sockets=8 answered=8 recent=8 ' \
	cat "$NGW_TMP/idle.v4.out"
check_output "idle_timeout 5: all 8 IPv6 sockets still get answers" '^sockets=8 answered=8 recent=8 ' \
	cat "$NGW_TMP/idle.v6.out"
echo "idle_timeout 5: mappings per second: $(awk '{ print $2 "=" $3 }' "$NGW_TMP/idle.samples" | tr '\n' ' ')"
check "the daemon is still running" kill -0 "$DPID"
stop_daemon

# ---- 4, the daemon's CPU with 30,000 forwards ---------------------------------------
BIG=$NGW_TMP/big.yaml
BIGLOG=$NGW_TMP/daemon-big.log
args=()
for p in $(seq 10000 39999); do
	args+=("f$p" "$p")
done
{
	forwards_config "${args[@]}" | sed 's/^  wan: eth0$/  wan: eth0\n  lan: br-lan/'
	snat_yaml 300
} >"$BIG"
unset args
start_daemon "$BIG" "$BIGLOG"
check "30,000 forwards: the daemon starts" wait_log '^natgw: running' "$BIGLOG" 90
# what it does after starting is its own business: the measurement starts
# once its CPU time has stayed the same for a second (30 s at most)
prev=-1
for _ in $(seq 30); do
	cur=$(cpu_ticks "$DPID")
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 1
done
FROM=$(($(wc -l <"$BIGLOG") + 1))
if [ "$FROM" -gt 1 ] && head -n $((FROM - 1)) "$BIGLOG" |
	grep -Eq 'changed by another program|checking table inet|another program changed'; then
	echo "30,000 forwards: (not checked) while it started, before the measurement, the daemon logged:"
	head -n $((FROM - 1)) "$BIGLOG" | sed 's/^/  | /'
fi
t0=$(cpu_ticks "$DPID")
sleep 10
t1=$(cpu_ticks "$DPID")
bg lanhost "$NGW_PROBE" sockets udp 203.0.113.100 7000 --from 192.0.2.24 --count 200 \
	--interval 50 --every 500 --seconds 12 >"$NGW_TMP/cpu.out"	# the last opened sends 4 times
P=${NGW_PIDS[-1]}
sleep 10
t2=$(cpu_ticks "$DPID")
wait "$P"
forget "$P"
HZ=$(getconf CLK_TCK)
idle_ticks=$((t1 - t0)) busy_ticks=$((t2 - t1))
echo "30,000 forwards: daemon CPU over 10 s idle: $(awk -v t="$idle_ticks" -v hz="$HZ" \
	'BEGIN { printf "%.2f", t / hz }') s; over 10 s of 20 new sockets/s:" \
	"$(awk -v t="$busy_ticks" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }') s"
check "30,000 forwards: the daemon used under 1 s of CPU in the 10 s of 20 new sockets/s" \
	sh -c "echo '$busy_ticks ticks (idle: $idle_ticks) of 1/$HZ s; read: ${t0:-none} ${t1:-none} ${t2:-none}'
		[ -n '$t0' ] && [ -n '$t2' ] && [ $busy_ticks -lt $HZ ]"
check_output "30,000 forwards: every one of the 200 sockets reached the remote" \
	'^sockets=200 answered=200 ' cat "$NGW_TMP/cpu.out"
check "30,000 forwards: 192.0.2.24 holds at most $MAX mappings" is_at_most "$MAX" "$(ei_count 192.0.2.24)"
sleep 1	# what the last sockets' events lead to
# window PATTERN: the lines matching PATTERN the daemon logged from the
# start of the measurement
window() { tail -n "+$FROM" "$BIGLOG" | grep -E -- "$1"; }
check_fails "30,000 forwards: the daemon never took its own writes for another program's" 1 \
	window 'changed by another program'
check_fails "30,000 forwards: and never checked the whole table" 1 window 'checking table inet'
check_fails "30,000 forwards: and never restored it" 1 window 'another program changed table'

# ---- 5, full maps ---------------------------------------------------------------------
# fill_map MAP: as many elements as the map's size (65535 without one), in
# 100.64.0.0/10, with a long timeout; an nft script on standard output
fill_map() {
	on router nft list map inet natgw "$1" | awk -v map="$1" '
		function value(t, i) {
			if (t == "ipv4_addr") return "100." (64 + int(i / 65536)) "." int(i / 256) % 256 "." i % 256
			if (t == "inet_service") return 1024
			if (t == "mark") return "0x00000001"
			print "fill_map: " map ": no value for type " t > "/dev/stderr"
			exit 1
		}
		/^[ \t]*type / { sub(/^[ \t]*type /, ""); type = $0 }
		/^[ \t]*size / { size = $2 }
		END {
			if (!size) size = 65535
			n = split(type, kd, " : ")
			nk = split(kd[1], kt, " \\. ")
			nd = n > 1 ? split(kd[2], dt, " \\. ") : 0
			for (i = 0; i < size; i++) {
				if (i % 1000 == 0)
					printf "%sadd element inet natgw %s { ", i ? " }\n" : "", map
				else
					printf ", "
				for (k = 1; k <= nk; k++)
					printf("%s%s", (k > 1 ? " . " : ""), value(kt[k], i))
				printf " timeout 1h"
				for (k = 1; k <= nd; k++)
					printf("%s%s", (k > 1 ? " . " : " : "), value(dt[k], i))
			}
			print " }"
		}'
}
# is_full MAP: MAP holds as many elements as its size (65535 without one)
is_full() {
	on router nft list map inet natgw "$1" | awk '/^[ \t]*size / { size = $2 }
		{ n += gsub(/ timeout /, "") }
		END { if (!size) size = 65535; print n " elements, size " size; exit n != size }'
}
for m in ei_dnat4 ei_snat4 ei_mark4; do
	on router nft flush map inet natgw "$m"
	fill_map "$m" >"$NGW_TMP/fill-$m.nft"
	check "full maps: another program fills $m" on router nft -f "$NGW_TMP/fill-$m.nft"
	check "full maps: $m is full" is_full "$m"
done
bg lanhost "$NGW_PROBE" sockets udp 203.0.113.100 7000 --from 192.0.2.25 --count 1 \
	--every 300 --seconds 2 >"$NGW_TMP/full.out"
P=${NGW_PIDS[-1]}
check "full maps: the daemon says so within 10 s" \
	wait_log 'snat "console": the endpoint-independent maps are full' "$BIGLOG" 10
wait "$P"
forget "$P"
check_output "full maps: a new full-cone socket still reaches its remote" '^sockets=1 answered=1 ' \
	cat "$NGW_TMP/full.out"
# console_row: natgw show --json's row of rule console, printed; true when
# its "unmapped" is at least 1
console_row() {
	natgw show --json | jq -ec '.[] | select(.rule == "console")' >"$NGW_TMP/row" || return 1
	cat "$NGW_TMP/row"
	jq -e '.unmapped >= 1' "$NGW_TMP/row" >/dev/null
}
console_lines() { natgw show | grep -F console; }
check "full maps: natgw show --json counts console's connection that went out unmapped" \
	console_row
check_output "full maps: natgw show says so too" 'console: .* went out as ordinary snat' \
	console_lines
check "the daemon is still running" kill -0 "$DPID"
stop_daemon

finish
