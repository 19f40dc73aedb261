#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Endpoint-independent ("full cone") UDP against what an attacker or another
# host can do, over IPv4 and IPv6:
#
#  1. Frames from the WAN with a spoofed LAN source (once, from a low port,
#     again and again, and with the source of a live mapping) create no
#     mapping, no conntrack entry, and reach nobody: not the destination,
#     and no remote reaches the LAN socket afterwards. A genuine datagram
#     of the LAN host does create its mapping (so the test fails both ways).
#     This part runs with natgw apply alone (the kernel must refuse them),
#     and once more with natgw run.
#  2. A host of a plain masquerade rule never receives what remotes send to
#     a full-cone mapping's external socket E, whichever of the two sent
#     first from the same source port.
#  3. Two full-cone hosts on one source port: the second is never told E,
#     nothing it sends leaves as E, and each is reached at its own socket.
#  4. A full-cone socket on a forwarded port is not given that port: the
#     forward keeps it, and the mapping gets another.
#
# Parts 2 to 4 run with natgw run, which docs/kernel.md asks for when
# mappings may collide.
#
# The remotes live on the client: R1 203.0.113.100, R2 203.0.113.101 and R3
# 198.51.100.7 (IPv6: 2001:db8:ff::100, ::101, ::103). Full-cone hosts:
# 192.0.2.40 (server) and 192.0.2.41 (lanhost), 2001:db8:1::40 and ::41;
# a plain one: 192.0.2.12 and 2001:db8:1::12 (lanhost).
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

cat >"$NGW_TMP/natgw.yaml" <<'YAML'
version: 1
gateway:
  wan: eth0
  lan: br-lan
forwards:
  - name: game
    proto: udp
    port: 7000
    to: 192.0.2.20:7000
  - name: game6
    proto: udp
    port: 7000
    to: "[2001:db8:1::20]:7000"
snat:
  - name: console
    from: [192.0.2.40, 192.0.2.41, "2001:db8:1::40", "2001:db8:1::41"]
    proto: udp
    endpoint_independent: true
  - name: lan-out
    from: 192.0.2.0/24
  - name: lan-out6
    from: "2001:db8:1::/64"
YAML
addr server eth0 192.0.2.40/24 2001:db8:1::40/64
addr lanhost eth0 192.0.2.41/24 192.0.2.12/24 2001:db8:1::41/64 2001:db8:1::12/64
addr client c0 2001:db8:ff::101/64 2001:db8:ff::103/64
# The kernel's default (no reverse-path filter), whatever the machine has:
# natgw must refuse spoofed sources itself.
on router sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.eth0.rp_filter=0
ROUTER_MAC=$(on router cat /sys/class/net/eth0/address)

# ---- helpers -----------------------------------------------------------------

. "$(dirname "$0")/fullcone_lib.sh"

# map_lacks MAP REGEX: the router's map MAP can be listed and no line of it
# matches REGEX
map_lacks() {
	local out
	out=$(on router nft list map inet natgw "$1") || return 1
	no_match "$2" <<<"$out"
}

# ct_none ADDR PORT: conntrack can be listed and holds no UDP entry whose
# original source is ADDR:PORT (what it holds of it is printed)
ct_none() {
	local out f=ipv4
	case $1 in *:*) f=ipv6 ;; esac
	out=$(on router conntrack -L -f "$f" -p udp --orig-src "$1" --orig-port-src "$2" 2>/dev/null) ||
		return 1
	no_match . <<<"$out"
}

# family 4|6: the addresses of one family
family() {
	V=$1
	if [ "$V" = 4 ]; then
		WAN=203.0.113.5 R1=203.0.113.100 R2=203.0.113.101 R3=198.51.100.7
		FC1=192.0.2.40 FC2=192.0.2.41 PLAIN=192.0.2.12 FWD=192.0.2.20
		SD=203.0.113.101	# where the spoofed frames go
	else
		WAN=2001:db8:ff::5 R1=2001:db8:ff::100 R2=2001:db8:ff::101 R3=2001:db8:ff::103
		FC1=2001:db8:1::40 FC2=2001:db8:1::41 PLAIN=2001:db8:1::12 FWD=2001:db8:1::20
		SD=2001:db8:ff::100
	fi
}

# ---- 1. spoofed frames from the WAN ------------------------------------------

check "apply" natgw apply "$NGW_TMP/natgw.yaml"

# spoof_case LABEL SPORT DPORT COUNT: frames from the client to the router's
# MAC, UDP from FC1:SPORT (spoofed) to SD:DPORT, COUNT of them 100 ms apart;
# checked while the last ones are still being sent, and after
spoof_case() {
	local label=$1 port=$2 dport=$3 count=$4 what pid x
	what="IPv$V $label: spoofed $(sock "$FC1" "$port") -> $(sock "$SD" "$dport") x$count"
	x=$(re "$FC1")
	record server "$FC1" "$port" "lan.$V.$port"	# the LAN socket, listening
	record client "$SD" "$dport" "dst.$V.$dport"	# the destination
	bg client "$NGW_PROBE" spoof c0 "$ROUTER_MAC" "$(sock "$FC1" "$port")" \
		"$(sock "$SD" "$dport")" --count "$count" --every 100 >"$NGW_TMP/spoof.out" 2>&1
	pid=${NGW_PIDS[-1]}
	if [ "$count" -gt 1 ]; then
		sleep "$((count / 10 - 1))"	# checked while the attacker is still at it
	else
		wait "$pid"
		sleep 0.3
	fi
	check "$what: ei_snat$V has no element of the spoofed source" \
		map_lacks "ei_snat$V" "(^|[{,])[[:space:]]*$x \. $port([^0-9]|\$)"
	check "$what: ei_dnat$V has none for external port $port nor to the spoofed source" \
		map_lacks "ei_dnat$V" "\. $port([^0-9]|\$)"
	check "$what: ei_mark$V has none for external port $port" \
		map_lacks "ei_mark$V" "\. $port([^0-9]|\$)"
	reaches_nobody "$what: R3 sending to $(sock "$WAN" "$port") reaches nobody" \
		"$R3" "" "$(sock "$WAN" "$port")"
	reaches_nobody "$what: nor does the spoofed destination, from its socket" \
		"$SD" "$dport" "$(sock "$WAN" "$port")"
	wait "$pid"
	forget "$pid"
	check_output "$what: the frames were sent" "^sent $count\$" cat "$NGW_TMP/spoof.out"
	sleep 0.2
	check "$what: nothing arrived at the destination" empty "dst.$V.$dport"
	check "$what: nothing arrived at the LAN socket" empty "lan.$V.$port"
	check "$what: conntrack has no entry of the spoofed flow (a packet the router drops is never confirmed)" \
		ct_none "$FC1" "$port"
	check "$what: still no ei_snat$V element" map_lacks "ei_snat$V" "(^|[{,])[[:space:]]*$x \. $port([^0-9]|\$)"
}

for v in 4 6; do
	family $v
	spoof_case "once" 6666 9999 1
	spoof_case "from a low port" 162 9998 1
	spoof_case "repeatedly for 3 s" 6667 9997 30

	# control: the host itself sending from 6668 creates its mapping
	record client "$R2" 7000 "r2.$V"
	udppeer server "ctl.$V" "$FC1" 6668 "$(sock "$R2" 7000)" 4
	P=${NGW_PIDS[-1]}
	E=$(told "ctl.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V control: the LAN host's own datagram goes out as the router's" \
		"^$(sock_re "$WAN")\$" echo "$E"
	check_output "IPv$V control: and creates its mapping in ei_snat$V" \
		"(^|[{,])[[:space:]]*$(re "$FC1") \. 6668 .*: $(re "$WAN") \. [0-9]+" \
		on router nft list map inet natgw "ei_snat$V"
	reaches "IPv$V control: R3 reaches the host through it" "$R3" "" "$E" "$(sock "$FC1" 6668)"
	# an attacker sending with the source of that live mapping reaches nobody
	record client "$R2" 9996 "dst.$V.9996"
	check_output "IPv$V control: spoofed frames with the live mapping's source are sent" '^sent 3$' \
		on client "$NGW_PROBE" spoof c0 "$ROUTER_MAC" "$(sock "$FC1" 6668)" \
		"$(sock "$R2" 9996)" --count 3 --every 100
	sleep 0.3
	check "IPv$V: spoofed frames with a live mapping's source reach nobody" empty "dst.$V.9996"
	stop "$P"
done

# ---- the daemon, for parts 2 to 4 ---------------------------------------------

bg router "$NGW_BIN" run -c "$NGW_TMP/natgw.yaml" 2>"$NGW_TMP/daemon.log"
DPID=${NGW_PIDS[-1]}
check "natgw run starts" wait_running "$NGW_TMP/daemon.log"
for v in 4 6; do
	family $v
	spoof_case "once, with natgw run" 6669 9995 1
done

# ---- 2. a plain masquerade host and a full-cone mapping on one port ------------

for v in 4 6; do
	family $v
	record client "$R1" 9000 "r1.$V"

	# .40 first: E is its; .12 sends from the same port to R1; R1 to E
	udppeer server "2a.fc.$V" "$FC1" 5000 "$(sock "$R2" 7000)" 6
	P1=${NGW_PIDS[-1]}
	E=$(told "2a.fc.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V 2a: R2 tells the full-cone host an external socket" \
		"^$(sock_re "$WAN")\$" echo "$E"
	udppeer lanhost "2a.pl.$V" "$PLAIN" 5000 "$(sock "$R1" 9000)" 4
	P2=${NGW_PIDS[-1]}
	T=$(told "2a.pl.$V" "$(sock "$R1" 9000)")
	check_output "IPv$V 2a: the plain host's exchange with R1 works" \
		"^$(sock_re "$WAN")\$" echo "$T"
	reaches "IPv$V 2a: R1, from $(sock "$R1" 9000), sending to E ($E) reaches the full-cone host, not the plain one" \
		"$R1" 9000 "$E" "$(sock "$FC1" 5000)"
	stop "$P1"
	stop "$P2"

	# .12 first holds WAN:5100 towards R1; then .40 sends from 5100 to R2
	udppeer lanhost "2b.pl.$V" "$PLAIN" 5100 "$(sock "$R1" 9000)" 6
	P2=${NGW_PIDS[-1]}
	T=$(told "2b.pl.$V" "$(sock "$R1" 9000)")
	check_output "IPv$V 2b: the plain host holds $(sock "$WAN" 5100) towards R1" \
		"^$(re "$(sock "$WAN" 5100)")\$" echo "$T"
	udppeer server "2b.fc.$V" "$FC1" 5100 "$(sock "$R2" 7000)" 6
	P1=${NGW_PIDS[-1]}
	X=$(told "2b.fc.$V" "$(sock "$R2" 7000)")
	check_output "IPv$V 2b: R2 tells the full-cone host an external socket" \
		"^$(sock_re "$WAN")\$" echo "$X"
	reaches "IPv$V 2b: R1, from $(sock "$R1" 9000), sending to what the full-cone host was told ($X) reaches it" \
		"$R1" 9000 "$X" "$(sock "$FC1" 5100)"
	before=$(answers "2b.pl.$V" "$(sock "$R1" 9000)" "$(sock "$WAN" 5100)")
	sleep 0.8
	check "IPv$V 2b: the plain host's flow still works after it (as $(sock "$WAN" 5100))" \
		more_answers "2b.pl.$V" "$(sock "$R1" 9000)" "$(sock "$WAN" 5100)" "$before"
	check "IPv$V 2b: the full-cone host is never told $(sock "$WAN" 5100) while the plain flow lives" \
		lacks "2b.fc.$V" "^from .*: peer=$(re "$(sock "$WAN" 5100)") "
	stop "$P1"
	stop "$P2"
done

# ---- 3. two full-cone hosts on one source port ----------------------------------

for v in 4 6; do
	family $v
	record client "$R1" 9100 "3.r1.$V"
	record client "$R2" 7100 "3.r2.$V"
	udppeer server "3.a.$V" "$FC1" 5200 "$(sock "$R2" 7100)" 6
	P1=${NGW_PIDS[-1]}
	E=$(told "3.a.$V" "$(sock "$R2" 7100)")
	check_output "IPv$V 3: R2 tells the first full-cone host E" "^$(sock_re "$WAN")\$" echo "$E"
	udppeer lanhost "3.b.$V" "$FC2" 5200 "$(sock "$R1" 9100)" 5
	P2=${NGW_PIDS[-1]}
	T=$(told "3.b.$V" "$(sock "$R1" 9100)")
	check_output "IPv$V 3: R1 tells the second one an external socket" \
		"^$(sock_re "$WAN")\$" echo "$T"
	check "IPv$V 3: and not E ($E)" test -n "$T" -a "$T" != "$E"
	reaches "IPv$V 3: R3 sending to what the second was told ($T) reaches it" \
		"$R3" "" "$T" "$(sock "$FC2" 5200)"
	reaches "IPv$V 3: R3 sending to E ($E) reaches the first" "$R3" "" "$E" "$(sock "$FC1" 5200)"
	sleep 0.3
	check "IPv$V 3: no datagram of the second host reached R1 from E" \
		lacks "3.r1.$V" "^peer=$(re "${E:-none}") "
	check_output "IPv$V 3: (R1 did receive the second host's datagrams)" \
		"^peer=$(sock_re "$WAN") local=$(re "$(sock "$R1" 9100)") data=hello\$" cat "$NGW_TMP/3.r1.$V"
	check "IPv$V 3: the second host was never told E" \
		lacks "3.b.$V" "^from .*: peer=$(re "${E:-none}") "
	stop "$P1"
	stop "$P2"
done

# ---- 4. a full-cone socket on a forwarded port -----------------------------------

for v in 4 6; do
	family $v
	record lanhost "$FWD" 7000 "4.fwd.$V"		# the forward's target
	record client "$R1" 3478 "4.stun.$V"
	udppeer server "4.fc.$V" "$FC1" 7000 "$(sock "$R1" 3478)" 5
	P1=${NGW_PIDS[-1]}
	X=$(told "4.fc.$V" "$(sock "$R1" 3478)")
	check_output "IPv$V 4: the STUN server tells the full-cone host an external socket" \
		"^$(sock_re "$WAN")\$" echo "$X"
	check "IPv$V 4: not the forwarded $(sock "$WAN" 7000) ($X)" \
		test -n "$X" -a "$X" != "$(sock "$WAN" 7000)"
	reaches "IPv$V 4: R3 sending to the told socket reaches the full-cone host" \
		"$R3" "" "$X" "$(sock "$FC1" 7000)"
	reaches "IPv$V 4: R3 sending to $(sock "$WAN" 7000) reaches the forward's target" \
		"$R3" "" "$(sock "$WAN" 7000)" "$(sock "$FWD" 7000)"
	check "IPv$V 4: the STUN server never saw the full-cone host as $(sock "$WAN" 7000)" \
		lacks "4.stun.$V" "^peer=$(re "$(sock "$WAN" 7000)") "
	stop "$P1"
done

check "the daemon is still running" kill -0 "$DPID"

finish
