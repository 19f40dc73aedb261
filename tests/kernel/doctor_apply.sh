#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What would stop a forward, said where the operator already looks: after a
# successful natgw apply (as warnings: the apply stands, exit 0), among
# apply --json's diagnostics, to a natgw reload through the daemon, and in
# the daemon's log, once when a cause appears and once when it goes, as it
# looks again when interfaces or other tables change (a firewall's drop
# chain coming and going among them). natgw check stays
# away from the kernel.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

ETC=$NGW_TMP/etc
C=$ETC/natgw.yaml
LOG=$NGW_TMP/daemon.log
mkdir -p "$ETC" "$NATGW_RUN_DIR"
: >"$LOG"
# web, and a forward in on ppp0, an interface that is not there yet
config_from base - >"$C" <<'YAML'
  - name: vpn
    port: 1194
    proto: udp
    to: 192.0.2.10
    in: ppp0
YAML
FWD="^$C:6:5: warning: forward \"web\": net\.ipv4\.ip_forward is 0, so the router forwards nothing \(sysctl -w net\.ipv4\.ip_forward=1, and set it in /etc/sysctl\.d\)$"
PPP="^$C:9:5: warning: forward \"vpn\": interface \"ppp0\" does not exist now; the rule matches nothing on it until it appears, and natgw keeps working when it does \(check the name against \`ip link\`; a ppp or VPN interface appears only once connected\)$"
serve server tcp 192.0.2.10 8443

# --- natgw apply: the warnings after the summary, exit 0, the rules in
on router sysctl -qw net.ipv4.ip_forward=0
natgw apply "$C" >"$NGW_TMP/apply.out" 2>"$NGW_TMP/apply.err"
check_output "apply with forwarding off exits 0" '^0$' echo $?
check_output "... and says it applied" '^natgw: applied \+2 -0 ~0 in [0-9.]+ ms, new table$' \
	cat "$NGW_TMP/apply.out"
check_output "... then warns: forwarding is off" "$FWD" cat "$NGW_TMP/apply.err"
check_output "... and ppp0 is missing" "$PPP" cat "$NGW_TMP/apply.err"
check_output "... those two lines and nothing else on stderr" '^2$' \
	grep -c . "$NGW_TMP/apply.err"
check_output "... the rules are in the kernel all the same" 'comment "vpn"' \
	on router nft list set inet natgw rule_counters
# an unchanged file: applied (nothing to do), and still said: the operator
# who runs apply again is the one who needs to hear it
natgw apply "$C" >"$NGW_TMP/apply.out" 2>"$NGW_TMP/apply.err"
check_output "an unchanged apply says the causes again" "$FWD" cat "$NGW_TMP/apply.err"
natgw apply --json "$C" >"$NGW_TMP/apply.json" 2>/dev/null
check_output "apply --json exits 0" '^0$' echo $?
check_output "... its diagnostics carry the finding, with its place" \
	'"diagnostics":\[\{"severity":"warning","line":6,"column":5,"message":"forward \\"web\\": net\.ipv4\.ip_forward is 0, so the router forwards nothing \(sysctl -w net\.ipv4\.ip_forward=1, and set it in /etc/sysctl\.d\)"\},\{"severity":"warning","line":9,"column":5,' \
	cat "$NGW_TMP/apply.json"
check_output "check stays kernel-free: no finding from the system" "^$C: ok: 2 forwards, 0 snat rules$" \
	natgw check "$C"
check_fails "... and its output says nothing of forwarding" 1 \
	grep -q ip_forward "$NGW_TMP/check.out"
# an apply that fails says no finding (it applied nothing)
printf 'version: 1\nforwards:\n  - name: x\n    port: 0\n' >"$NGW_TMP/bad.yaml"
natgw apply "$NGW_TMP/bad.yaml" >/dev/null 2>"$NGW_TMP/bad.err"
check_output "an invalid file exits 1" '^1$' echo $?
check_fails "... and warns of nothing on the system" 1 grep -q ip_forward "$NGW_TMP/bad.err"

# --- the daemon: logged once when a cause appears, once when it goes
bg router "$NGW_BIN" run -c "$C" 2>>"$LOG" >&-
DPID=${NGW_PIDS[-1]}
SETTLE=0.3 expect_log "the daemon starts, and logs the two causes" \
	'^natgw: start: no changes \(2 rules in table inet natgw\)$' "$FWD" "$PPP" \
	'^natgw: running: table inet natgw, 2 rules, [0-9]+ mappings; serving '

# a reload through the daemon: the client hears every cause; the log, only
# what changed (nothing)
natgw reload >"$NGW_TMP/reload.out" 2>"$NGW_TMP/reload.err"
check_output "natgw reload exits 0" '^0$' echo $?
check_output "... and the client is told forwarding is off" "$FWD" cat "$NGW_TMP/reload.err"
expect_log "... the log says the reload, not the causes again" \
	'^natgw: reload \(natgw reload\): no changes \(2 rules in table inet natgw\)$'

# ppp0 appears: the daemon looks again (an interface event) and says so
on router ip link add ppp0 type bridge
expect_log "ppp0 appears: that cause goes" \
	'^natgw: no longer found: forward "vpn": interface "ppp0" does not exist now; the rule matches nothing on it until it appears, and natgw keeps working when it does$'
on router ip link del ppp0
expect_log "... and comes back when ppp0 goes" "$PPP"
on router ip link add ppp0 type bridge
expect_log "... gone again" '^natgw: no longer found: forward "vpn": interface "ppp0"'

# forwarding comes back on: a sysctl sends no event; another table's change
# (or the minute's look) makes the daemon look again
on router sysctl -qw net.ipv4.ip_forward=1
on router nft add table ip doctor_apply_probe
expect_log "forwarding on, seen at the next look" \
	'^natgw: no longer found: forward "web": net\.ipv4\.ip_forward is 0, so the router forwards nothing$'
on router nft delete table ip doctor_apply_probe
expect_log "a look that finds nothing new logs nothing"
check_output "the forward works" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443

# a firewall's table that drops forwarded traffic appears, then goes: the
# daemon sees the other table change and says each once
on router nft add table inet filter
on router nft add chain inet filter forward '{ type filter hook forward priority 0; policy drop; }'
expect_log "a firewall's drop chain appears: said" \
	"^$C:6:5: warning: forward \"web\": table inet filter, chain forward \(hook forward, priority 0\) drops its new connections by its policy; natgw's accept cannot override a drop in another table \(nft insert rule inet filter forward ct status dnat accept\)$"
on router nft insert rule inet filter forward ct status dnat accept
expect_log "... and the fix it names: no longer found" \
	'^natgw: no longer found: forward "web": table inet filter, chain forward \(hook forward, priority 0\) drops its new connections by its policy; natgw.s accept cannot override a drop in another table$'
check_output "... and the forward works through it" 'local=192\.0\.2\.10:8443$' \
	probe client connect tcp 203.0.113.5 443

kill -TERM "$DPID"
wait "$DPID"
forget "$DPID"
finish
