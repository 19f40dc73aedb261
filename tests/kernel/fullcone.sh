#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Endpoint-independent ("full cone") UDP, real datagrams through the router:
# an internal socket X sends to remotes R1 and R2, which both see the same
# external socket E; R3, never contacted, sends to E and X receives it; a
# second LAN host reaches X through E (hairpin); a plain masquerade rule
# does not let R3 in (so the test tells the two apart); after the idle
# timeout R3 is refused and the kernel holds no element of the mapping.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

cat >"$NGW_TMP/natgw.yaml" <<'YAML'
version: 1
gateway:
  wan: eth0
  lan: br-lan
snat:
  - name: console
    from: [192.0.2.10, 192.0.2.11, "2001:db8:1::10"]
    proto: udp
    endpoint_independent: true
    idle_timeout: 4
    max_per_host: 2
  - name: lan-out
    from: 192.0.2.0/24
YAML
addr server eth0 192.0.2.11/24	# a second internal host, same source ports
check_output "apply, with a warning for the short idle timeout" \
	'warning: snat "console": idle_timeout 4 s is under the 120 s RFC 4787 \(REQ-5\)' \
	natgw apply "$NGW_TMP/natgw.yaml"
# the remotes: R1 and R2 on the client, R3 (198.51.100.7) only sends
serve client udp 203.0.113.100 7000
serve client udp 203.0.113.101 7000
listing() { on router nft list table inet natgw; }

# X = 192.0.2.10:40000 talks to R1 and R2, and answers whoever writes
bg server "$NGW_PROBE" udppeer udp 192.0.2.10 40000 \
	--to 203.0.113.100:7000,203.0.113.101:7000 --seconds 3 >"$NGW_TMP/x.out"
X=${NGW_PIDS[-1]}
sleep 0.5
check_output "R1 sees X as 203.0.113.5:40000" \
	'^from 203\.0\.113\.100:7000: peer=203\.0\.113\.5:40000 ' cat "$NGW_TMP/x.out"
check_output "R2 sees the same external socket (endpoint-independent mapping)" \
	'^from 203\.0\.113\.101:7000: peer=203\.0\.113\.5:40000 ' cat "$NGW_TMP/x.out"
check_output "nft holds X -> E" '192\.0\.2\.10 \. 40000 timeout 4s expires [0-9a-z]+ : 203\.0\.113\.5 \. 40000' \
	on router nft list map inet natgw ei_snat4
check_output "and E -> X" '203\.0\.113\.5 \. 40000 timeout 4s expires [0-9a-z]+ : 192\.0\.2\.10 \. 40000' \
	on router nft list map inet natgw ei_dnat4
check_output "R3, never contacted, reaches X through E (endpoint-independent filtering)" \
	'^peer=198\.51\.100\.7:[0-9]+ local=192\.0\.2\.10:40000$' \
	on client "$NGW_PROBE" connect udp 203.0.113.5 40000 --from 198.51.100.7 --timeout 1000
check_output "a second LAN host reaches X through E (hairpin)" \
	'^peer=192\.0\.2\.1:[0-9]+ local=192\.0\.2\.10:40000$' \
	on lanhost "$NGW_PROBE" connect udp 203.0.113.5 40000 --from 192.0.2.20 --timeout 1000
check_output "conntrack marks R3's connection with the rule" \
	"mark=$(printf '%d' "$(mark_of console)")" \
	on router conntrack -L -p udp --orig-src 198.51.100.7 --orig-port-dst 40000
check_output "natgw mappings lists the mapping with its rule and time left" \
	'^console +udp +\* +203\.0\.113\.5:40000 +192\.0\.2\.10:40000 +FULL-CONE +[0-9]+s' natgw mappings
check_output "--json too" '"proto":"udp","kind":"snat","rule":"console","remote":"\*","external":"203\.0\.113\.5:40000","internal":"192\.0\.2\.10:40000","state":"FULL-CONE","timeout":[1-4],' \
	natgw mappings --json --rule console
wait "$X"
check_output "X answered both" '^answered 198\.51\.100\.7:' cat "$NGW_TMP/x.out"

# IPv6: the same mapping and filtering through ei_snat6 and ei_dnat6
addr client c0 2001:db8:ff::103/64
serve client udp 2001:db8:ff::100 7000
bg server "$NGW_PROBE" udppeer udp 2001:db8:1::10 40006 --to '[2001:db8:ff::100]:7000' \
	--seconds 2 >"$NGW_TMP/x6.out"
sleep 0.5
check_output "IPv6: R1 sees X as [2001:db8:ff::5]:40006" \
	'^from \[2001:db8:ff::100\]:7000: peer=\[2001:db8:ff::5\]:40006 ' cat "$NGW_TMP/x6.out"
check_output "IPv6: R3, never contacted, reaches X" \
	'^peer=\[2001:db8:ff::103\]:[0-9]+ local=\[2001:db8:1::10\]:40006$' \
	on client "$NGW_PROBE" connect udp 2001:db8:ff::5 40006 --from 2001:db8:ff::103 --timeout 1000
check_output "IPv6: natgw mappings lists it" \
	'^console +udp +\* +\[2001:db8:ff::5\]:40006 +\[2001:db8:1::10\]:40006 +FULL-CONE' natgw mappings

# the same through plain masquerade: R3 does not get in
bg lanhost "$NGW_PROBE" udppeer udp 192.0.2.20 41000 --to 203.0.113.100:7000 --seconds 2 \
	>"$NGW_TMP/y.out"
Y=${NGW_PIDS[-1]}
sleep 0.5
check_output "masquerade: R1 sees 203.0.113.5:41000" \
	'^from 203\.0\.113\.100:7000: peer=203\.0\.113\.5:41000 ' cat "$NGW_TMP/y.out"
check_fails "masquerade: R3 does not reach the internal socket" 1 \
	on client "$NGW_PROBE" connect udp 203.0.113.5 41000 --from 198.51.100.7 --timeout 700
wait "$Y"

# idle: X has sent nothing for longer than idle_timeout (4 s)
sleep 4.5
check_fails "after the idle timeout R3 no longer gets through" 1 \
	on client "$NGW_PROBE" connect udp 203.0.113.5 40000 --from 198.51.100.7 --timeout 700
for map in ei_snat4 ei_dnat4 ei_mark4; do
	check_fails "and $map holds nothing of it" 1 sh -c \
		"ip netns exec $(ns_name router) nft list map inet natgw $map | grep -q '40000'"
done

# the daemon: it answers mappings with the full-cone ones, and a restart
# (SIGKILL) changes nothing for a live mapping, which the kernel keeps
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }
bg router "$NGW_BIN" run -c "$NGW_TMP/natgw.yaml" 2>"$NGW_TMP/daemon.log"
DPID=${NGW_PIDS[-1]}
for _ in $(seq 100); do grep -q '^natgw: running' "$NGW_TMP/daemon.log" && break; sleep 0.05; done
bg server "$NGW_PROBE" udppeer udp 192.0.2.10 40001 --to 203.0.113.100:7000 --every 500 \
	--seconds 4 >/dev/null
sleep 0.5
check_output "the daemon lists the mapping" '^1$' \
	sh -c "ip netns exec $(ns_name router) '$NGW_BIN' mappings --json |
		jq '[.[] | select(.state == \"FULL-CONE\" and .internal == \"192.0.2.10:40001\")] | length'"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
bg router "$NGW_BIN" run -c "$NGW_TMP/natgw.yaml" 2>>"$NGW_TMP/daemon.log"
DPID=${NGW_PIDS[-1]}
for _ in $(seq 100); do [ "$(grep -c '^natgw: running' "$NGW_TMP/daemon.log")" -ge 2 ] && break; sleep 0.05; done
check_output "a restarted daemon adopts the table as it is" '^natgw: start: no changes' cat "$NGW_TMP/daemon.log"
check_output "the live mapping works across the restart" \
	'^peer=198\.51\.100\.7:[0-9]+ local=192\.0\.2\.10:40001$' \
	on client "$NGW_PROBE" connect udp 203.0.113.5 40001 --from 198.51.100.7 --timeout 1000

# Collision: X1 and X2 (another host) both use source port 45000, towards
# different remotes; Linux NAT would give both 203.0.113.5:45000. X1 keeps
# it; X2's first datagram is dropped before it leaves, and its next one
# gets a random port, which is its mapping from the first datagram that
# gets out: no remote ever sees X2 as 203.0.113.5:45000.
bg server "$NGW_PROBE" udppeer udp 192.0.2.10 45000 --to 203.0.113.100:7000 --every 500 \
	--seconds 6 >"$NGW_TMP/x1.out"
sleep 0.3
bg server "$NGW_PROBE" udppeer udp 192.0.2.11 45000 --to 203.0.113.101:7000 --every 500 \
	--seconds 6 >"$NGW_TMP/x2.out"
sleep 1.3
check_output "X2 gets through" '^from 203\.0\.113\.101:7000: peer=203\.0\.113\.5:[0-9]+ ' \
	cat "$NGW_TMP/x2.out"
check_fails "but never as X1's external socket" 1 \
	grep -q '^from 203\.0\.113\.101:7000: peer=203\.0\.113\.5:45000 ' "$NGW_TMP/x2.out"
moved=$(on router nft list map inet natgw ei_snat4 |
	sed -n 's/.*192\.0\.2\.11 \. 45000 [^:]*: 203\.0\.113\.5 \. \([0-9]*\).*/\1/p')
check "X2 has another external port" test -n "$moved" -a "$moved" != 45000
check_output "R3 to 203.0.113.5:45000 reaches X1" '^peer=198\.51\.100\.7:[0-9]+ local=192\.0\.2\.10:45000$' \
	on client "$NGW_PROBE" connect udp 203.0.113.5 45000 --from 198.51.100.7 --timeout 1000
check_output "R3 to X2's new port reaches X2" '^peer=198\.51\.100\.7:[0-9]+ local=192\.0\.2\.11:45000$' \
	on client "$NGW_PROBE" connect udp 203.0.113.5 "${moved:-1}" --from 198.51.100.7 --timeout 1000
check_output "a new destination of X2 sees it there" "^from 203\.0\.113\.100:7000: peer=203\.0\.113\.5:${moved:-1} " \
	on server "$NGW_PROBE" udppeer udp 192.0.2.11 45000 --to 203.0.113.100:7000 --seconds 0.5

# max_per_host 2: X1's host holds two mappings now (40001 and 45000), so
# its socket 46000 is one too many
check_output "X1's host holds two mappings" '^2$' sh -c \
	"ip netns exec $(ns_name router) nft list map inet natgw ei_snat4 | grep -c '192\.0\.2\.10 \. '"
bg server "$NGW_PROBE" udppeer udp 192.0.2.10 46000 --to 203.0.113.100:7000 --every 500 \
	--seconds 3 >"$NGW_TMP/over.out"
sleep 0.5
check_output "the cap is logged" 'console": 192\.0\.2\.10 has reached max_per_host \(2 endpoint-independent mappings\)' \
	cat "$NGW_TMP/daemon.log"
check_output "the socket over the cap still gets out (as ordinary snat)" \
	'^from 203\.0\.113\.100:7000: peer=203\.0\.113\.5:' cat "$NGW_TMP/over.out"
check_fails "but has no mapping" 1 sh -c \
	"ip netns exec $(ns_name router) nft list map inet natgw ei_snat4 | grep -q '192\.0\.2\.10 \. 46000 '"
check_output "(it is in ei_capped4)" '192\.0\.2\.10 \. 46000' on router nft list set inet natgw ei_capped4
check_fails "so R3 does not reach it" 1 \
	on client "$NGW_PROBE" connect udp 203.0.113.5 46000 --from 198.51.100.7 --timeout 700
check_output "another host is not limited by it" '192\.0\.2\.11 \. 45000 ' \
	on router nft list map inet natgw ei_snat4
check "the daemon is still running" kill -0 "$DPID"
kill "$DPID"
wait "$DPID" 2>/dev/null
sleep 4.5	# every mapping above idles out

# the mapping lives while X keeps sending: a datagram every 0.5 s for 7 s,
# longer than the idle timeout, and R3 still gets through at the end
bg server "$NGW_PROBE" udppeer udp 192.0.2.10 40002 --to 203.0.113.100:7000 --every 500 \
	--seconds 7 >/dev/null
sleep 5.5
check_output "while X keeps sending, its mapping outlives the idle timeout" \
	'^peer=198\.51\.100\.7:[0-9]+ local=192\.0\.2\.10:40002$' \
	on client "$NGW_PROBE" connect udp 203.0.113.5 40002 --from 198.51.100.7 --timeout 1000

# the rule goes: its mappings close at once, not when they idle out
sed '/name: console/,/max_per_host/d' "$NGW_TMP/natgw.yaml" >"$NGW_TMP/no-console.yaml"
check_output "removing the rule withdraws its mappings" 'applied \+0 -1 ~0 in .* flushed [1-9]' \
	natgw apply "$NGW_TMP/no-console.yaml"
check_fails "nothing of them stays in the kernel" 1 sh -c \
	"ip netns exec $(ns_name router) nft list map inet natgw ei_dnat4 | grep -q '40002'"
check_fails "and R3 is refused at once" 1 \
	on client "$NGW_PROBE" connect udp 203.0.113.5 40002 --from 198.51.100.7 --timeout 700

finish
