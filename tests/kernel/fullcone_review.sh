#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Endpoint-independent ("full cone") UDP: the fixes of the adversarial
# review (commit "Fixes from an adversarial review of full cone"), each held
# to what real traffic, nft and conntrack show:
#
#  1. Fail closed: with ei_retry4 filled by another program, a plain host
#     sending from a port a mapping holds never reaches a remote as that
#     mapping's external socket E, and remotes sending to E reach the
#     mapping's host.
#  2. Spoofed UDP from the WAN with the source of a PLAIN snat rule is
#     dropped: no conntrack entry, no ei_ element, nothing arrives.
#  3. The router's own UDP service (203.0.113.5:51820): without the daemon
#     a mapping on its port never takes what remotes send to it; with
#     natgw run no mapping is given its port at all (ei_local_ports).
#  4. A remote's connection through a mapping outlives the mapping: its E is
#     given to no new mapping while that connection lives.
#  5. A rebuild of the table: a plain flow's external socket stays off new
#     mappings, and a live mapping comes back with its E.
#  6. A forward added on a live mapping's port: the mapping gives way.
#  7. Multi-WAN with from 0.0.0.0/0: a host behind the second WAN makes no
#     mapping; a LAN host still does.
#  8. gateway.lan, a full-cone rule without out and from 0.0.0.0/0: a WAN
#     host whose datagram the router sends back out of eth0 makes no
#     mapping; a LAN host's mapping still works.
#
# Each part starts from no table and an empty conntrack table in the router.
# Remotes live on the client: R1 203.0.113.100, R2 203.0.113.101, R3
# 198.51.100.7 (IPv6: 2001:db8:ff::100, ::101, ::103). Full-cone hosts:
# 192.0.2.40 (server) and 192.0.2.41 (lanhost), 2001:db8:1::40 and ::41;
# a plain one: 192.0.2.12 and 2001:db8:1::12 (lanhost).
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
T0=$(date +%s.%N)

addr server eth0 192.0.2.40/24 2001:db8:1::40/64
addr lanhost eth0 192.0.2.41/24 192.0.2.12/24 2001:db8:1::41/64 2001:db8:1::12/64
addr client c0 2001:db8:ff::101/64 2001:db8:ff::103/64
# No reverse-path filter (the kernel's default): natgw must refuse spoofed
# sources itself.
on router sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.eth0.rp_filter=0
ROUTER_MAC=$(on router cat /sys/class/net/eth0/address)

# ---- helpers (and fullcone_lib.sh) ---------------------------------------------

. "$(dirname "$0")/fullcone_lib.sh"

# set_lacks / set_has KIND NAME REGEX: nft list KIND inet natgw NAME works and
# no line / a line of it matches REGEX (what it lists is printed)
set_lacks() {
	local out
	out=$(on router nft list "$1" inet natgw "$2") || return 1
	no_match "$3" <<<"$out"
}
set_has() {
	local out
	out=$(on router nft list "$1" inet natgw "$2") || return 1
	echo "$out"
	grep -Eq -- "$3" <<<"$out"
}
# key_re ADDR PORT: an element whose key is ADDR . PORT; val_re ADDR PORT:
# one whose value is
key_re() { echo "(^|[{,])[[:space:]]*$(re "$1") \. $2([^0-9]|\$)"; }
val_re() { echo ": $(re "$1") \. $2([^0-9]|\$)"; }

# ct_list FAMILY ARGS...: the router's UDP conntrack entries ARGS select
ct_list() {
	local f=$1
	shift
	on router conntrack -L -f "$f" -p udp "$@" 2>/dev/null
}
fam_of() { case $1 in *:*) echo ipv6 ;; *) echo ipv4 ;; esac; }
# ct_none ADDR PORT [ARGS...]: no UDP entry whose original source is ADDR:PORT
ct_none() {
	local out a=$1 p=$2
	shift 2
	out=$(ct_list "$(fam_of "$a")" --orig-src "$a" --orig-port-src "$p" "$@") || return 1
	no_match . <<<"$out"
}
ct_some() {
	local out a=$1 p=$2
	shift 2
	out=$(ct_list "$(fam_of "$a")" --orig-src "$a" --orig-port-src "$p" "$@") || return 1
	echo "$out"
	[ -n "$out" ]
}

# ct_replied ADDR PORT [ARGS...]: there are such entries, and each has seen a reply
ct_replied() {
	local out a=$1 p=$2
	shift 2
	out=$(ct_list "$(fam_of "$a")" --orig-src "$a" --orig-port-src "$p" "$@") || return 1
	echo "$out"
	[ -n "$out" ] && ! grep -q UNREPLIED <<<"$out"
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds (quietly), at most SECONDS
wait_until() {
	local end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# reset: every probe and daemon of the last part stopped, no natgw table,
# nothing in the router's conntrack table
reset() {
	local p
	for p in "${NGW_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${NGW_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	NGW_PIDS=()
	natgw down >/dev/null 2>&1
	on router conntrack -F >/dev/null 2>&1
}

# elapsed SINCE: seconds from SINCE (date +%s.%N) to now
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
section() { echo "== $1 (at $(elapsed "$T0") s)"; }

family() {
	V=$1
	if [ "$V" = 4 ]; then
		WAN=203.0.113.5 R1=203.0.113.100 R2=203.0.113.101 R3=198.51.100.7
		FC1=192.0.2.40 FC2=192.0.2.41 PLAIN=192.0.2.12 FWD=192.0.2.20 SPOOF=192.0.2.77
	else
		WAN=2001:db8:ff::5 R1=2001:db8:ff::100 R2=2001:db8:ff::101 R3=2001:db8:ff::103
		FC1=2001:db8:1::40 FC2=2001:db8:1::41 PLAIN=2001:db8:1::12 FWD=2001:db8:1::20
		SPOOF=2001:db8:1::77
	fi
}

# config_a [IDLE [FILE]]: the full-cone rule for .40 and .41 before the
# plain rules of the whole LAN; FILE (forwards:) appended
config_a() {
	cat <<YAML
version: 1
gateway:
  wan: eth0
  lan: br-lan
snat:
  - name: console
    from: [192.0.2.40, 192.0.2.41, "2001:db8:1::40", "2001:db8:1::41"]
    proto: udp
    endpoint_independent: true
    idle_timeout: ${1:-300}
  - name: lan-out
    from: 192.0.2.0/24
  - name: lan-out6
    from: "2001:db8:1::/64"
YAML
	[ -z "${2:-}" ] || cat "$2"
}

# ---- 1. fail closed: ei_retry4 full ----------------------------------------------
# Broken, a full ei_retry4 would make the "add to ei_retry4 and drop" rule
# stop at its add and let the packet through: the plain host's datagram
# would leave as E (R1 would record peer=E), conntrack would keep its flow,
# and R1 sending to E would reach the plain host.

section "1. ei_retry4 full"
config_a >"$NGW_TMP/a.yaml"
check "1: apply" natgw apply "$NGW_TMP/a.yaml"
family 4
record client "$R1" 9000 "1.r1"
record client "$R2" 7000 "1.r2"
record client "$R3" 9200 "1.r3"
udppeer server "1.fc" "$FC1" 5000 "$(sock "$R2" 7000)" 20
E=$(told "1.fc" "$(sock "$R2" 7000)")
check_output "1: R2 tells the full-cone host an external socket E" "^$(sock_re "$WAN")\$" echo "$E"
EP=$(sock_port "${E:-x:0}")

# another program fills ei_retry4 to its size (262,144) with keys in
# 100.64.0.0/10 that live an hour
awk 'BEGIN {
	for (a = 64; a < 68; a++)
		for (b = 0; b < 256; b++) {
			s = "add element inet natgw ei_retry4 { "
			for (c = 0; c < 256; c++)
				s = s sprintf("%s100.%d.%d.%d . 1 timeout 1h", c ? ", " : "", a, b, c)
			print s " }"
		}
}' >"$NGW_TMP/fill.nft"
t=$(date +%s.%N)
check "1: another program adds 262,144 elements to ei_retry4" on router nft -f "$NGW_TMP/fill.nft"
printf '   (filling ei_retry4 took %.1f s)\n' "$(elapsed "$t")"
check_exit "1: ei_retry4 is full: one element more is refused" 1 'Too many open files|No space' \
	on router nft add element inet natgw ei_retry4 '{ 100.127.0.1 . 1 timeout 1h }'

# the plain host sends from E's port to R1, the other full-cone host to R3
udppeer lanhost "1.pl" "$PLAIN" "$EP" "$(sock "$R1" 9000)" 4
PP=${NGW_PIDS[-1]}
udppeer lanhost "1.fc2" "$FC2" "$EP" "$(sock "$R3" 9200)" 4
PF=${NGW_PIDS[-1]}
sleep 2.5
check "1: no datagram reached R1 from E (${E:-none})" lacks "1.r1" "^peer=$(re "${E:-none}") "
check "1: the plain host was never told E" lacks "1.pl" "^from .*: peer=$(re "${E:-none}") "
check "1: conntrack keeps no flow of the plain host's socket (every datagram dropped: fail closed)" \
	ct_none "$PLAIN" "$EP"
check "1: no datagram reached R3 from E (the second full-cone host)" lacks "1.r3" "^peer=$(re "${E:-none}") "
check "1: the second full-cone host was never told E" lacks "1.fc2" "^from .*: peer=$(re "${E:-none}") "
check "1: conntrack keeps no flow of the second full-cone host's socket" ct_none "$FC2" "$EP"
reaches "1: R1, from $(sock "$R1" 9000), sending to E reaches the full-cone host, not the plain one" \
	"$R1" 9000 "$E" "$(sock "$FC1" "$EP")"
reaches "1: R3, from $(sock "$R3" 9200), sending to E reaches the full-cone host" \
	"$R3" 9200 "$E" "$(sock "$FC1" "$EP")"
check "1: ei_snat4 still maps the full-cone host to E" \
	set_has map ei_snat4 "$(key_re "$FC1" "$EP").*$(val_re "$WAN" "$EP")"
stop "$PP"
stop "$PF"
reset

# ---- 2. spoofed UDP with a plain rule's source ---------------------------------------
# Broken (the spoof check only on full-cone rules), the router would
# masquerade the frames: the destination would record "data=spoof" from
# the router's address, conntrack would keep the flow, the one on a
# mapping's port would land in ei_retry and the other's E in ei_busy.

section "2. spoofed sources of a plain rule"
check "2: apply" natgw apply "$NGW_TMP/a.yaml"
for v in 4 6; do
	family $v
	SD=$R2
	record client "$SD" 9993 "2.dst.$V"
	record client "$R1" 7000 "2.r1.$V"
	# a live mapping on 6001, so a spoofed frame from 6001 would meet it
	udppeer server "2.fc.$V" "$FC1" 6001 "$(sock "$R1" 7000)" 10
	M=$(told "2.fc.$V" "$(sock "$R1" 7000)")
	check_output "IPv$V 2: the full-cone host holds $(sock "$WAN" 6001)" \
		"^$(re "$(sock "$WAN" 6001)")\$" echo "$M"
	for port in 6001 6002; do
		what="IPv$V 2: spoofed $(sock "$SPOOF" "$port") -> $(sock "$SD" 9993) x5"
		check_output "$what: the frames were sent" '^sent 5$' \
			on client "$NGW_PROBE" spoof c0 "$ROUTER_MAC" "$(sock "$SPOOF" "$port")" \
			"$(sock "$SD" 9993)" --count 5 --every 50
		sleep 0.3
		check "$what: conntrack has no entry of it" ct_none "$SPOOF" "$port"
		check "$what: ei_retry$V has no element of it" \
			set_lacks set "ei_retry$V" "$(key_re "$SPOOF" "$port")"
		check "$what: ei_busy$V has no element for $(sock "$WAN" "$port")" \
			set_lacks set "ei_busy$V" "$(key_re "$WAN" "$port")"
	done
	check "IPv$V 2: nothing spoofed arrived at the destination" lacks "2.dst.$V" 'data=spoof'
	# control: the plain host's own datagram arrives there
	check_output "IPv$V 2: (control) the plain host's own datagram arrives, as the router's" \
		"^peer=$(sock_re "$WAN") local=$(re "$(sock "$SD" 9993)")\$" \
		on lanhost "$NGW_PROBE" connect udp "$SD" 9993 --from "$PLAIN" --sport 6003 --timeout 1000
done
reset

# ---- 3. the router's own UDP service -----------------------------------------------------
# Broken (a) (no socket lookup before ei_dnat), R3's datagram to :51820 would
# be sent on to the full-cone host, whose socket answers local=<host>:51820.
# Broken (b) (no ei_local_ports), the full-cone host would be told :51820.

section "3a. the router's own port, natgw apply only"
check "3a: apply" natgw apply "$NGW_TMP/a.yaml"
record router 203.0.113.5 51820 "3.rtr.4"
record router 2001:db8:ff::5 51820 "3.rtr.6"
for v in 4 6; do
	family $v
	record client "$R2" 7000 "3a.r2.$V"
	udppeer server "3a.fc.$V" "$FC1" 51820 "$(sock "$R2" 7000)" 10
	E=$(told "3a.fc.$V" "$(sock "$R2" 7000)")
	# what makes this part a test: without natgw run nothing keeps the
	# router's port off mappings, so the mapping has it
	check_output "IPv$V 3a: without natgw run the full-cone host's mapping is given $(sock "$WAN" 51820)" \
		"^$(re "$(sock "$WAN" 51820)")\$" echo "$E"
	check "IPv$V 3a: ei_dnat$V has it" \
		set_has map "ei_dnat$V" "$(key_re "$WAN" 51820).*$(val_re "$FC1" 51820)"
	reaches "IPv$V 3a: a new remote (R3) sending to $(sock "$WAN" 51820) reaches the router's server" \
		"$R3" "" "$(sock "$WAN" 51820)" "$(sock "$WAN" 51820)"
	check "IPv$V 3a: the full-cone host answered nobody but R2" lacks "3a.fc.$V" '^answered '
	check_output "IPv$V 3a: the router's server recorded R3" \
		"^peer=$(sock_re "$R3") local=$(re "$(sock "$WAN" 51820)") data=hello\$" \
		cat "$NGW_TMP/3.rtr.$V"
done
# the router's servers stay; the rest goes
for p in "${NGW_PIDS[@]:2}"; do stop "$p"; done
natgw down >/dev/null 2>&1
on router conntrack -F >/dev/null 2>&1

section "3b. the router's own port, natgw run"
bg router "$NGW_BIN" run -c "$NGW_TMP/a.yaml" 2>"$NGW_TMP/3b.daemon.log"
DPID=${NGW_PIDS[-1]}
check "3b: natgw run starts" wait_running "$NGW_TMP/3b.daemon.log"
# the daemon looks at the router's sockets when it starts and every 5 s
t=$(date +%s.%N)
check "3b: natgw run fills ei_local_ports" wait_until 7 set_has set ei_local_ports 'elements = '
printf '   (ei_local_ports had elements %s s after the daemon ran)\n' "$(elapsed "$t")"
# (at b87ae00 this fails: natgw makes the set with a 4-byte key for one
# inet_service, and nft lists its ports byte-swapped: 27850 for 51820; the
# data path matches the right port, as the traffic below shows)
check "3b: nft list set inet natgw ei_local_ports shows 51820" \
	set_has set ei_local_ports "(^|[{,])[[:space:]]*51820([^0-9]|\$)"
for v in 4 6; do
	family $v
	record client "$R2" 7000 "3b.r2.$V"
	udppeer server "3b.fc.$V" "$FC1" 51820 "$(sock "$R2" 7000)" 10
	X=$(told "3b.fc.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V 3b: R2 tells the full-cone host an external socket" "^$(sock_re "$WAN")\$" echo "$X"
	check "IPv$V 3b: not $(sock "$WAN" 51820) ($X)" test -n "$X" -a "$X" != "$(sock "$WAN" 51820)"
	check "IPv$V 3b: the full-cone host was never told $(sock "$WAN" 51820)" \
		lacks "3b.fc.$V" "^from .*: peer=$(re "$(sock "$WAN" 51820)") "
	reaches "IPv$V 3b: a new remote (R3) sending to $(sock "$WAN" 51820) reaches the router's server" \
		"$R3" "" "$(sock "$WAN" 51820)" "$(sock "$WAN" 51820)"
	reaches "IPv$V 3b: R3 sending to what the host was told reaches it" "$R3" "" "$X" "$(sock "$FC1" 51820)"
done
check "3b: the daemon is still running" kill -0 "$DPID"
reset

# ---- 4. a remote's connection outlives the mapping -------------------------------------------
# Broken (nothing keeps a remote's connection's E off new mappings), .41
# would be given E once .40's mapping idled out and .40's own connection
# ended: it would be told E, and a new remote sending to E would reach it
# while R3's datagrams to E still reach .40.

section "4. a remote's connection outlives the mapping"
on router sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
	net.netfilter.nf_conntrack_udp_timeout_stream=60
config_a 6 >"$NGW_TMP/a6.yaml"
check "4: apply (idle_timeout 6)" natgw apply "$NGW_TMP/a6.yaml"
declare -A E4
for v in 4 6; do
	family $v
	# .40 sends once, from 5000, to R2
	record client "$R2" 7000 "4.r2.$V"
	check_output "IPv$V 4: the full-cone host's one exchange with R2" "^peer=$(sock_re "$WAN") " \
		on server "$NGW_PROBE" connect udp "$R2" 7000 --from "$FC1" --sport 5000 --timeout 2000
	E=$(sed -n 's/^peer=\([^ ]*\) .*/\1/p' "$NGW_TMP/check.out")
	E4[$v]=$E
	record server "$FC1" 5000 "4.fc.$V"
	# R3 sends to E every 500 ms from now on
	bg client "$NGW_PROBE" udppeer udp "$R3" 5600 --to "${E:-$(sock "$WAN" 1)}" --every 500 \
		--seconds 80 >"$NGW_TMP/4.r3.$V"
done
for v in 4 6; do
	family $v
	E=${E4[$v]}
	check "IPv$V 4: R3 reaches the full-cone host through E ($E)" \
		wait_until 3 grep -q "^from $(re "$E"): peer=$(sock_re "$R3" 5600) local=$(re "$(sock "$FC1" 5000)")\$" \
		"$NGW_TMP/4.r3.$V"
done
for v in 4 6; do
	family $v
	check "IPv$V 4: the mapping idles out (ei_snat$V no longer has it)" \
		wait_until 12 set_lacks map "ei_snat$V" "$(key_re "$FC1" 5000)"
done
t=$(date +%s.%N)
for v in 4 6; do
	family $v
	# until then ei_claims (ct count on E) would refuse E as well: only
	# R3's connection must hold it
	check "IPv$V 4: the full-cone host's own connection to R2 ends (conntrack)" \
		wait_until 40 ct_none "$FC1" 5000 --orig-dst "$R2"
done
printf '   (waited %.1f s for the first connections to end)\n' "$(elapsed "$t")"
for v in 4 6; do
	family $v
	E=${E4[$v]}
	EP=$(sock_port "${E:-x:0}")
	check "IPv$V 4: conntrack still has R3's connection to E, to the full-cone host" \
		ct_some "$R3" 5600 --orig-dst "$WAN" --orig-port-dst "$EP" --reply-src "$FC1"
	check "IPv$V 4: ei_busy$V has E" set_has set "ei_busy$V" "$(key_re "$WAN" "$EP")"
	record client "$R1" 9000 "4.r1.$V"
	udppeer lanhost "4.fc2.$V" "$FC2" 5000 "$(sock "$R1" 9000)" 4
	X=$(told "4.fc2.$V" "$(sock "$R1" 9000)")
	check_output "IPv$V 4: R1 tells the second full-cone host an external socket" \
		"^$(sock_re "$WAN")\$" echo "$X"
	check "IPv$V 4: not E ($E; told $X)" test -n "$X" -a "$X" != "$E"
	check "IPv$V 4: no datagram reached R1 from E" lacks "4.r1.$V" "^peer=$(re "${E:-none}") "
	reaches_nobody "IPv$V 4: a new remote (R2, from 7001) sending to E reaches nobody" \
		"$R2" 7001 "$E"
	n=$(grep -c "local=$(re "$(sock "$FC1" 5000)")\$" "$NGW_TMP/4.r3.$V")
	sleep 1.2
	check "IPv$V 4: R3's flow to the full-cone host still lives" \
		test "$(grep -c "local=$(re "$(sock "$FC1" 5000)")\$" "$NGW_TMP/4.r3.$V")" -gt "$n"
done
reset
on router sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
	net.netfilter.nf_conntrack_udp_timeout_stream=120

# ---- 5. a rebuild keeps flows apart -------------------------------------------------------
# Broken (ei_ sets empty after a rebuild), .40 sending from 5300 would be
# given the plain flow's :5300 (and R3 sending to :5300 would reach .40),
# and .40's mapping from 6000 would be gone: nothing in ei_snat, and R3
# would reach nobody through it. The plain host's sender is stopped
# (SIGSTOP) across the rebuild: every packet of its flow writes ei_busy
# again, so only thus does the check see what the rebuild itself left.

section "5. a rebuild"
check "5: apply" natgw apply "$NGW_TMP/a.yaml"
declare -A P5 E5
for v in 4 6; do
	family $v
	record client "$R1" 9000 "5.r1.$V"
	record client "$R2" 7000 "5.r2.$V"
	udppeer lanhost "5.pl.$V" "$PLAIN" 5300 "$(sock "$R1" 9000)" 60
	P5[$v]=${NGW_PIDS[-1]}
	T=$(told "5.pl.$V" "$(sock "$R1" 9000)")
	check_output "IPv$V 5: the plain host's flow is $(sock "$WAN" 5300)" \
		"^$(re "$(sock "$WAN" 5300)")\$" echo "$T"
	check_output "IPv$V 5: the full-cone host sends once from 6000" "^peer=$(sock_re "$WAN") " \
		on server "$NGW_PROBE" connect udp "$R2" 7000 --from "$FC1" --sport 6000 --timeout 2000
	E5[$v]=$(sed -n 's/^peer=\([^ ]*\) .*/\1/p' "$NGW_TMP/check.out")
	record server "$FC1" 6000 "5.fc6000.$V"
	check "IPv$V 5: ei_snat$V has its mapping to ${E5[$v]}" set_has map "ei_snat$V" \
		"$(key_re "$FC1" 6000).*$(val_re "$WAN" "$(sock_port "${E5[$v]:-x:0}")")"
done
sleep 1
for v in 4 6; do kill -STOP "${P5[$v]}"; done
sleep 0.3
{
	echo "forwards:"
	for i in $(seq 0 1099); do
		printf '  - name: f%d\n    port: %d\n    to: 192.0.2.10:80\n' "$i" $((20000 + i))
	done
} >"$NGW_TMP/f1100.yaml"
config_a 300 "$NGW_TMP/f1100.yaml" >"$NGW_TMP/a1100.yaml"
check_output "5: the apply of 1,100 forwards rebuilds the table and brings the mappings back" \
	'full-cone mappings? back from conntrack.*table rebuilt' natgw apply "$NGW_TMP/a1100.yaml"
for v in 4 6; do
	family $v
	E=${E5[$v]}
	check "IPv$V 5: right after the rebuild ei_busy$V has the plain flow's $(sock "$WAN" 5300)" \
		set_has set "ei_busy$V" "$(key_re "$WAN" 5300)"
	check "IPv$V 5: ei_snat$V has the mapping from 6000 again, to the same E ($E)" \
		set_has map "ei_snat$V" "$(key_re "$FC1" 6000).*$(val_re "$WAN" "$(sock_port "${E:-x:0}")")"
	reaches "IPv$V 5: an uncontacted remote (R3) reaches the full-cone host through E before it sends again" \
		"$R3" "" "$E" "$(sock "$FC1" 6000)"
	udppeer server "5.fc.$V" "$FC1" 5300 "$(sock "$R2" 7000)" 10
	X=$(told "5.fc.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V 5: R2 tells the full-cone host, sending from 5300, an external socket" \
		"^$(sock_re "$WAN")\$" echo "$X"
	check "IPv$V 5: not the plain flow's $(sock "$WAN" 5300) ($X)" \
		test -n "$X" -a "$X" != "$(sock "$WAN" 5300)"
	reaches_nobody "IPv$V 5: a new remote (R3) sending to $(sock "$WAN" 5300) reaches nobody" \
		"$R3" "" "$(sock "$WAN" 5300)"
	kill -CONT "${P5[$v]}"
	n=$(answers "5.pl.$V" "$(sock "$R1" 9000)" "$(sock "$WAN" 5300)")
	sleep 0.8
	check "IPv$V 5: the plain flow goes on as $(sock "$WAN" 5300)" \
		more_answers "5.pl.$V" "$(sock "$R1" 9000)" "$(sock "$WAN" 5300)" "$n"
	reaches "IPv$V 5: its remote, from $(sock "$R1" 9000), sending to $(sock "$WAN" 5300) reaches the plain host" \
		"$R1" 9000 "$(sock "$WAN" 5300)" "$(sock "$PLAIN" 5300)"
done
reset

# ---- 6. a forward added on a live mapping's port --------------------------------------------
# Broken (no yield), the apply would not say it, ei_dnat would keep
# :7100 -> .40 (and ei_snat .40:7100), so a hairpin or any path that takes
# the map would still reach .40 on the forwarded port.

section "6. a forward on a live mapping's port"
check "6: apply" natgw apply "$NGW_TMP/a.yaml"
for v in 4 6; do
	family $v
	record lanhost "$FWD" 7100 "6.fwd.$V"
	record client "$R2" 7000 "6.r2.$V"
	udppeer server "6.fc.$V" "$FC1" 7100 "$(sock "$R2" 7000)" 15
	E=$(told "6.fc.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V 6: the full-cone host holds $(sock "$WAN" 7100)" \
		"^$(re "$(sock "$WAN" 7100)")\$" echo "$E"
	check "IPv$V 6: ei_dnat$V has it" set_has map "ei_dnat$V" "$(key_re "$WAN" 7100).*$(val_re "$FC1" 7100)"
done
cat >"$NGW_TMP/f7100.yaml" <<'YAML'
forwards:
  - name: game
    proto: udp
    port: 7100
    to: 192.0.2.20
  - name: game6
    proto: udp
    port: 7100
    to: "[2001:db8:1::20]"
YAML
config_a 300 "$NGW_TMP/f7100.yaml" >"$NGW_TMP/a7100.yaml"
check_output "6: the apply says both mappings gave way to the forwards" \
	'2 full-cone mappings gave way to forwards' natgw apply "$NGW_TMP/a7100.yaml"
for v in 4 6; do
	family $v
	n=$(answers "6.fc.$V" "$(sock "$R2" 7000)" "$(sock "$WAN" 7100)")
	check "IPv$V 6: ei_dnat$V has no element for port 7100 to the full-cone host" \
		set_lacks map "ei_dnat$V" "$(key_re "$WAN" 7100).*$(val_re "$FC1" 7100)"
	check "IPv$V 6: ei_snat$V has none of the full-cone host's 7100" \
		set_lacks map "ei_snat$V" "$(key_re "$FC1" 7100)"
	reaches "IPv$V 6: a new remote (R3) sending to $(sock "$WAN" 7100) reaches the forward's target" \
		"$R3" "" "$(sock "$WAN" 7100)" "$(sock "$FWD" 7100)"
	sleep 0.7
	check "IPv$V 6: the full-cone host's own connection to R2 goes on (as $(sock "$WAN" 7100))" \
		more_answers "6.fc.$V" "$(sock "$R2" 7000)" "$(sock "$WAN" 7100)" "$n"
	check "IPv$V 6: and the mapping did not come back with its datagrams" \
		set_lacks map "ei_dnat$V" "$(key_re "$WAN" 7100).*$(val_re "$FC1" 7100)"
done
reset

# ---- 7. multi-WAN, from 0.0.0.0/0 ---------------------------------------------------------
# Broken (only gateway.lan's absence or eth0 considered), the host behind
# eth1 would make a mapping: ei_snat would have its socket.

section "7. multi-WAN"
ns_add wan2
link wan2 eth0 router eth1
addr router eth1 198.51.100.129/25 2001:db8:2::1/64
addr wan2 eth0 198.51.100.130/25 2001:db8:2::2/64
on wan2 ip route add default via 198.51.100.129
on wan2 ip -6 route add default via 2001:db8:2::1
on router sysctl -qw net.ipv4.conf.eth1.rp_filter=0
cat >"$NGW_TMP/multi.yaml" <<'YAML'
version: 1
gateway:
  wan: [eth0, eth1]
  lan: br-lan
snat:
  - name: cone
    from: [0.0.0.0/0, "::/0"]
    proto: udp
    endpoint_independent: true
YAML
check "7: apply" natgw apply "$NGW_TMP/multi.yaml"
for v in 4 6; do
	family $v
	if [ "$V" = 4 ]; then W2=198.51.100.130; else W2=2001:db8:2::2; fi
	record client "$R1" 9000 "7.r1.$V"
	record client "$R1" 9001 "7.r1w2.$V"
	udppeer wan2 "7.w2.$V" "$W2" 5400 "$(sock "$R1" 9001)" 4
	udppeer server "7.fc.$V" "$FC1" 5401 "$(sock "$R1" 9000)" 4
	E=$(told "7.fc.$V" "$(sock "$R1" 9000)")
	sleep 0.5
	check "IPv$V 7: ei_snat$V has no element of the host behind eth1" \
		set_lacks map "ei_snat$V" "$(key_re "$W2" '[0-9]+')"
	check "IPv$V 7: ei_dnat$V has none to it" set_lacks map "ei_dnat$V" "$(val_re "$W2" '[0-9]+')"
	reaches_nobody "IPv$V 7: an uncontacted remote (R3) sending to $(sock "$WAN" 5400) reaches nobody" \
		"$R3" "" "$(sock "$WAN" 5400)"
	check "IPv$V 7: the host behind eth1 answered nobody" lacks "7.w2.$V" '^answered '
	echo "   (IPv$V 7: R1 received $(grep -c . "$NGW_TMP/7.r1w2.$V") datagrams of the host behind eth1," \
		"which got $(grep -c '^from' "$NGW_TMP/7.w2.$V") answers)"
	check_output "IPv$V 7: the LAN host is told an external socket" "^$(sock_re "$WAN")\$" echo "$E"
	check "IPv$V 7: ei_snat$V has the LAN host's mapping" set_has map "ei_snat$V" \
		"$(key_re "$FC1" 5401).*$(val_re "$WAN" "$(sock_port "${E:-x:0}")")"
	reaches "IPv$V 7: an uncontacted remote (R3) reaches the LAN host through it" \
		"$R3" "" "$E" "$(sock "$FC1" 5401)"
done
reset

# ---- 8. gateway.lan, no out, from 0.0.0.0/0 ------------------------------------------------
# Broken (the "came in where it goes out" drop only with an out), the
# client's datagram, routed by the router back out of eth0, would make a
# mapping: ei_snat would have the client's socket. The LAN host's part is
# what the rule is for: it must still give a mapping an uncontacted remote
# reaches. (At b87ae00 it does not: ei_spoof's "iifname != @lan ip saddr
# 0.0.0.0/0 udp drop", with no oifname for a rule without out, drops every
# UDP datagram that comes from outside the LAN, R2's answers and R3's
# datagrams to the mapping included.)

section "8. gateway.lan only, no out"
cat >"$NGW_TMP/noout.yaml" <<'YAML'
version: 1
gateway:
  lan: br-lan
snat:
  - name: cone
    from: [0.0.0.0/0, "::/0"]
    proto: udp
    endpoint_independent: true
YAML
# the client sends to 198.51.100.60 (2001:db8:fe::200) through the router,
# which routes it back out of eth0 towards 203.0.113.100 (2001:db8:ff::100)
on client ip route add 198.51.100.60/32 via 203.0.113.5
on client ip -6 route add 2001:db8:fe::200/128 via 2001:db8:ff::5
on client sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv6.conf.all.accept_redirects=0 \
	net.ipv6.conf.c0.accept_redirects=0 net.ipv4.conf.c0.accept_redirects=0
on router ip -6 route add 2001:db8:fe::/64 via 2001:db8:ff::100
on router sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
check "8: apply" natgw apply "$NGW_TMP/noout.yaml"
for v in 4 6; do
	family $v
	if [ "$V" = 4 ]; then FAR=198.51.100.60; else FAR=2001:db8:fe::200; fi
	record client "$R2" 7000 "8.r2.$V"
	udppeer client "8.wan.$V" "$R1" 5500 "$(sock "$FAR" 9000)" 3
	udppeer server "8.fc.$V" "$FC1" 5501 "$(sock "$R2" 7000)" 4
	sleep 1
	check "IPv$V 8: ei_snat$V has no element of the WAN host" \
		set_lacks map "ei_snat$V" "$(key_re "$R1" 5500)"
	check "IPv$V 8: ei_dnat$V has none to it" set_lacks map "ei_dnat$V" "$(val_re "$R1" 5500)"
	reaches_nobody "IPv$V 8: an uncontacted remote (R3) sending to $(sock "$WAN" 5500) reaches nobody" \
		"$R3" "" "$(sock "$WAN" 5500)"
	check "IPv$V 8: the WAN host answered nobody" lacks "8.wan.$V" '^answered '
	E=$(told "8.fc.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V 8: R2 received the LAN host's datagrams, from the router's address" \
		"^peer=$(sock_re "$WAN") local=$(re "$(sock "$R2" 7000)") data=hello\$" cat "$NGW_TMP/8.r2.$V"
	check "IPv$V 8: conntrack saw R2's answers come back to the router (no [UNREPLIED])" \
		ct_replied "$FC1" 5501 --orig-dst "$R2"
	check_output "IPv$V 8: the LAN host is told an external socket (R2's answers reach it)" \
		"^$(sock_re "$WAN")\$" echo "$E"
	check "IPv$V 8: ei_snat$V has the LAN host's mapping" set_has map "ei_snat$V" "$(key_re "$FC1" 5501)"
	# a rule without `out` masquerades whatever leaves by any interface,
	# the LAN one too: the LAN host sees R3 as the router
	E=${E:-$(sock "$WAN" 5501)}
	check_output "IPv$V 8: an uncontacted remote (R3) reaches the LAN host through its mapping" \
		"^peer=[^ ]+ local=$(re "$(sock "$FC1" 5501)")\$" \
		on client "$NGW_PROBE" connect udp "$(sock_addr "$E")" "$(sock_port "$E")" \
		--from "$R3" --timeout 1000
done
reset

# ---- 9. a rebuild does not turn capped sockets into mappings ---------------------------
# Broken (every connection of the rule's mark written back as a mapping),
# the host would hold three mappings after the rebuild where max_per_host
# allows one.

section "9. capped sockets across a rebuild"
config_a 300 | sed 's/^    idle_timeout: 300$/    idle_timeout: 300\n    max_per_host: 1/' >"$NGW_TMP/cap1.yaml"
check "9: apply (max_per_host 1)" natgw apply "$NGW_TMP/cap1.yaml"
family 4
record client "$R2" 7000 "9.r2"
for p in 5001 5002 5003; do
	udppeer server "9.fc.$p" "$FC1" "$p" "$(sock "$R2" 7000)" 30
	sleep 0.4
done
sleep 1
held() { on router nft list map inet natgw ei_snat4 | grep -c "$(re "$FC1") \. 500[123] "; }
check_output "9: before the rebuild the host holds one mapping" '^1$' held
config_a 300 "$NGW_TMP/f1100.yaml" |
	sed 's/^    idle_timeout: 300$/    idle_timeout: 300\n    max_per_host: 1/' >"$NGW_TMP/cap1100.yaml"
check_output "9: the apply rebuilds the table" 'table rebuilt' natgw apply "$NGW_TMP/cap1100.yaml"
check_output "9: after it the host still holds one mapping" '^1$' held
from_r2() { grep -c "^from $(re "$(sock "$R2" 7000)"): " "$NGW_TMP/$1"; }
declare -A N9
for p in 5001 5002 5003; do N9[$p]=$(from_r2 "9.fc.$p"); done
sleep 1
for p in 5001 5002 5003; do
	check "9: socket $p still gets answers after the rebuild" \
		test "$(from_r2 "9.fc.$p")" -gt "${N9[$p]}"
done
reset

# ---- 10. a full-cone host on a LAN gateway.lan does not list -----------------------------
# gateway.lan lists where hairpin clients are, not every LAN. Broken (every
# packet of a full-cone rule not from gateway.lan dropped), the host on the
# second LAN would reach nobody and make no mapping.

section "10. a LAN not in gateway.lan"
ns_add lan2host
link lan2host eth0 router lan2
addr router lan2 2001:db8:3::1/64
addr lan2host eth0 2001:db8:3::40/64
on lan2host ip -6 route add default via 2001:db8:3::1
cat >"$NGW_TMP/lan2.yaml" <<'YAML'
version: 1
gateway:
  wan: eth0
  lan: br-lan
snat:
  - name: cone
    from: "2001:db8:3::40"
    proto: udp
    endpoint_independent: true
YAML
check "10: apply" natgw apply "$NGW_TMP/lan2.yaml"
family 6
record client "$R1" 9000 "10.r1"
udppeer lan2host "10.fc" 2001:db8:3::40 5600 "$(sock "$R1" 9000)" 4
E=$(told "10.fc" "$(sock "$R1" 9000)")
check_output "10: the host on the second LAN reaches R1 and is told an external socket" \
	"^$(sock_re "$WAN")\$" echo "$E"
check "10: ei_snat6 has its mapping" set_has map ei_snat6 \
	"$(key_re 2001:db8:3::40 5600).*$(val_re "$WAN" "$(sock_port "${E:-x:0}")")"
reaches "10: an uncontacted remote (R3) reaches it through the mapping" \
	"$R3" "" "$E" "$(sock 2001:db8:3::40 5600)"
reset

echo "fullcone_review: $(elapsed "$T0") s in all"
finish
