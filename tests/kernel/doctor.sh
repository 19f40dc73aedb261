#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw doctor on routers that each have one fault: it names the fault with
# its exact line and exits 1; with the fault fixed it exits 0 and the
# forward carries traffic. A clean router gives no finding at all, also for
# a rich configuration (tests/kernel/configs/rich.yaml).
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

C=$NGW_TMP/natgw.yaml
config_from base >"$C"
serve server tcp 192.0.2.10 8443
natgw apply -q "$C"


# --- a clean router: nothing to say
check_output "a clean router: no finding" \
	"^natgw: no finding: nothing on this router stops the rules of $C$" natgw doctor "$C"
check_output "... and with --json an empty array" '^\[\]$' natgw doctor --json "$C"
check_output "the forward works" 'local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 443

# --- a clean router with a rich configuration: no false alarm
config_from rich >"$NGW_TMP/rich.yaml"
serve server tcp 2001:db8:1::10 8443
serve lanhost udp 192.0.2.20 9005
natgw apply "$NGW_TMP/rich.yaml" >/dev/null 2>"$NGW_TMP/rich.err"
check_output "a rich configuration applies" '^0$' echo $?
# (its one warning is of the configuration: endpoint_independent without
# the daemon)
check_output "... and apply warns of nothing on the router" \
	'^1 .*: warning: snat "console": without natgw run, max_per_host' \
	sh -c "echo \$(wc -l <'$NGW_TMP/rich.err') \$(cat '$NGW_TMP/rich.err')"
check_output "doctor finds nothing in it" \
	"^natgw: no finding: nothing on this router stops the rules of $NGW_TMP/rich.yaml$" \
	natgw doctor "$NGW_TMP/rich.yaml"
check_output "... and its forwards work: IPv6" 'local=\[2001:db8:1::10\]:8443$' \
	probe client connect tcp 2001:db8:ff::5 443
check_output "... a UDP port range" 'local=192\.0\.2\.20:9005$' \
	probe client connect udp 203.0.113.5 8005
check_output "... hairpin" 'local=192\.0\.2\.10:8443$' probe lanhost connect tcp 203.0.113.5 443
natgw apply -q "$C"

# --- forwarding off
on router sysctl -qw net.ipv4.ip_forward=0
doctor_says "forwarding off" "$C" 1 \
	"^$C:6:5: warning: forward \"web\": net\.ipv4\.ip_forward is 0, so the router forwards nothing \(sysctl -w net\.ipv4\.ip_forward=1, and set it in /etc/sysctl\.d\)$"
natgw doctor --json "$C" >"$NGW_TMP/doctor.json"
check_output "... in JSON: rule, cause, detail, fix, file, line, column" \
	"^\[\{\"severity\":\"warning\",\"blocks\":true,\"rule\":\"web\",\"kind\":\"forward\",\"cause\":\"forwarding\",\"detail\":\"net.ipv4.ip_forward is 0, so the router forwards nothing\",\"fix\":\"sysctl -w net.ipv4.ip_forward=1, and set it in /etc/sysctl.d\",\"file\":\"$C\",\"line\":6,\"column\":5\}\]$" \
	cat "$NGW_TMP/doctor.json"
check_fails "... and the forward does carry nothing" 1 \
	probe client connect tcp 203.0.113.5 443 --timeout 1000
on router sysctl -qw net.ipv4.ip_forward=1
check "fixed: doctor exits 0" natgw doctor -q "$C"
check_output "... and the forward works" 'local=192\.0\.2\.10:8443$' probe client connect tcp 203.0.113.5 443

# --- IPv6 forwarding off matters only to a configuration with IPv6 rules
on router sysctl -qw net.ipv6.conf.all.forwarding=0
check "IPv6 forwarding off, no IPv6 rule: nothing" natgw doctor -q "$C"
config_from base - >"$NGW_TMP/v6.yaml" <<'YAML'
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
YAML
check_fails "IPv6 forwarding off with an IPv6 forward" 1 natgw doctor "$NGW_TMP/v6.yaml"
cp "$NGW_TMP/check.out" "$NGW_TMP/doctor.out"
check_output "... names it" \
	"^$NGW_TMP/v6.yaml:9:5: warning: forward \"web6\": net\.ipv6\.conf\.all\.forwarding is 0, so the router forwards nothing" \
	cat "$NGW_TMP/doctor.out"
on router sysctl -qw net.ipv6.conf.all.forwarding=1

# --- the router's own service on a forwarded port
bg router "$NGW_PROBE" serve tcp 0.0.0.0 443
LISTENER=${NGW_PIDS[-1]}
for _ in $(seq 50); do
	on router ss -Htln 'sport = :443' | grep -q . && break
	sleep 0.05
done
doctor_says "a listener on the router" "$C" 1 \
	"^$C:6:5: warning: forward \"web\": the router's own natgw-probe \(pid [0-9]+\) listens on tcp port 443; the forward takes that port from the WAN \(and from the LAN, with hairpin\), so it never reaches it \(move the service or the forward to another port, or give the forward an address the service does not listen on\)$"
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null
check "it is gone: doctor exits 0" natgw doctor -q "$C"
# one bound to loopback is not reachable from outside: no finding
bg router "$NGW_PROBE" serve tcp 127.0.0.1 443
LISTENER=${NGW_PIDS[-1]}
sleep 0.3
check "a listener on 127.0.0.1 is none of the forward's business" natgw doctor -q "$C"
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null

# a socket on [::] takes IPv4 too, unless it is IPv6-only (sock_diag says)
listen_on() {	# listen_on ADDR: the router's own TCP service on ADDR port 443
	bg router "$NGW_PROBE" serve tcp "$1" 443
	LISTENER=${NGW_PIDS[-1]}
	for _ in $(seq 50); do
		on router ss -Htln 'sport = :443' | grep -q . && break
		sleep 0.05
	done
}
on router sysctl -qw net.ipv6.bindv6only=1
listen_on ::
check "an IPv6-only listener on [::] is none of an IPv4 forward's business" \
	natgw doctor -q "$C"
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null
on router sysctl -qw net.ipv6.bindv6only=0
listen_on ::
doctor_says "a dual-stack listener on [::] is" "$C" 1 \
	"^$C:6:5: warning: forward \"web\": the router's own natgw-probe \(pid [0-9]+\) listens on tcp port 443;"
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null

# --- an interface that does not exist: a warning, not a block
config_from base - >"$NGW_TMP/ppp.yaml" <<'YAML'
  - name: vpn
    port: 1194
    proto: udp
    to: 192.0.2.10
    in: ppp0
YAML
check_output "a missing interface is said, exit 0" \
	"^$NGW_TMP/ppp.yaml:9:5: warning: forward \"vpn\": interface \"ppp0\" does not exist now; the rule matches nothing on it until it appears, and natgw keeps working when it does \(check the name against \`ip link\`; a ppp or VPN interface appears only once connected\)$" \
	natgw doctor "$NGW_TMP/ppp.yaml"

# --- read-only: the kernel's table is as before
on router nft list table inet natgw >"$NGW_TMP/after.nft"
natgw doctor "$C" >/dev/null 2>&1
on router nft list table inet natgw >"$NGW_TMP/after2.nft"
check_same "doctor changes nothing in the kernel" "$NGW_TMP/after.nft" "$NGW_TMP/after2.nft"

finish
