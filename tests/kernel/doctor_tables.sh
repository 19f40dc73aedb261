#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw doctor and other programs' tables: a firewall's chain that drops a
# forward's traffic (policy drop on forward, a drop rule on the forwarded
# port, a prerouting drop, an iptables-nft FORWARD DROP, an input drop for a
# target that is the router itself) is named with its family, table, chain,
# hook and priority and the exact command that lets natgw's traffic
# through, doctor exits 1, and the forward really carries nothing; with
# that command run, doctor says nothing and traffic flows. Firewalls that
# let the forward through are never reported.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
command -v iptables-nft >/dev/null || { echo "FAIL: iptables-nft is not installed (scripts/test.sh installs iptables)" >&2; exit 1; }

C=$NGW_TMP/natgw.yaml
config_from base - >"$C" <<'YAML'
  - name: web6
    port: 443
    to: "[2001:db8:1::10]:8443"
  - name: self
    port: 2222
    to: 192.0.2.1:8443
YAML
serve server tcp 192.0.2.10 8443
serve server tcp 2001:db8:1::10 8443
serve router tcp 192.0.2.1 8443
natgw apply -q "$C"

AGREE="natgw's accept cannot override a drop in another table"
FINE="^natgw: no finding: nothing on this router stops the rules of $C$"
W="$C:6:5: warning: forward \"web\""
W6="$C:9:5: warning: forward \"web6\""
SELF="$C:12:5: warning: forward \"self\""

# says WHAT REGEX: doctor exits 1 and prints exactly the lines matching
# REGEX... (anchored, one per argument), nothing else; apply warns of the
# first, and succeeds
says() {
	local what=$1 n=0 re
	shift
	check_fails "$what: exit 1" 1 natgw doctor "$C"
	cp "$NGW_TMP/check.out" "$NGW_TMP/doctor.out"
	for re in "$@"; do
		check_output "$what: the line" "^$re\$" cat "$NGW_TMP/doctor.out"
		n=$((n + 1))
	done
	check_output "$what: only that ($n line)" "^$n\$" grep -c . "$NGW_TMP/doctor.out"
	apply_warns "$what" "$C" "^$1\$"
}
fine() {
	check_output "$1: no finding, exit 0" "$FINE" natgw doctor "$C"
}
flows() {
	check_output "$1: the forward works" 'local=192\.0\.2\.10:8443$' \
		probe client connect tcp 203.0.113.5 443 --timeout 2000
}
stops() {
	check_fails "$1: the forward carries nothing" 1 \
		probe client connect tcp 203.0.113.5 443 --timeout 1000
}
fw() { on router nft "$@"; }

# --- a clean router, with firewall tables that let everything through
fw -f - <<'NFT'
table inet fw4 {
	chain input { type filter hook input priority 0; policy accept; ct state invalid drop; }
	chain forward { type filter hook forward priority 0; policy accept; ct state invalid drop; tcp dport 23 drop; }
	chain prerouting { type filter hook prerouting priority -150; policy accept; }
}
NFT
fine "accepting firewall tables"
flows "accepting firewall tables"
fw delete table inet fw4

# --- firewalld/ufw style: inet filter forward with policy drop
fw add table inet filter
fw add chain inet filter forward '{ type filter hook forward priority 0; policy drop; }'
says "inet filter forward policy drop" \
	"$W: table inet filter, chain forward \(hook forward, priority 0\) drops its new connections by its policy; $AGREE \(nft insert rule inet filter forward ct status dnat accept\)"
stops "inet filter forward policy drop"
fw insert rule inet filter forward ct status dnat accept
fine "with ct status dnat accept"
flows "with ct status dnat accept"
# the usual pair instead: the forward's own rule and the reply rule
fw flush chain inet filter forward
fw add rule inet filter forward ct state established,related accept
fw add rule inet filter forward ip daddr 192.0.2.10 tcp dport 8443 accept
fw add rule inet filter forward ip6 daddr 2001:db8:1::10 tcp dport 8443 accept
fine "accepting the forward by address and port, and replies"
flows "accepting the forward by address and port, and replies"
# new connections accepted, replies not: broken all the same
fw flush chain inet filter forward
fw add rule inet filter forward ct state new tcp dport 8443 accept
says "replies dropped" \
	"$W: table inet filter, chain forward \(hook forward, priority 0\) drops the replies of its connections by its policy; $AGREE \(nft insert rule inet filter forward ct status dnat accept\)"
stops "replies dropped"
fw delete table inet filter

# --- a drop rule on the forward's port, and one on another port
fw add table ip guard
fw add chain ip guard fw '{ type filter hook forward priority 10; }'
fw add rule ip guard fw tcp dport 9999 drop
fine "a drop rule on another port"
fw add rule ip guard fw tcp dport 8443 counter reject
says "a drop rule on the target port (family ip)" \
	"$W: table ip guard, chain fw \(hook forward, priority 10\) drops its new connections by its rules; $AGREE \(nft insert rule ip guard fw ct status dnat accept\)"
stops "a drop rule on the target port"
fw delete table ip guard

# --- family ip6: only the IPv6 forward
fw add table ip6 guard6
fw add chain ip6 guard6 fw '{ type filter hook forward priority 0; policy drop; }'
says "an ip6 table" \
	"$W6: table ip6 guard6, chain fw \(hook forward, priority 0\) drops its new connections by its policy; $AGREE \(nft insert rule ip6 guard6 fw ct status dnat accept\)"
flows "an ip6 table leaves IPv4 alone"
check_fails "... and stops IPv6" 1 probe client connect tcp 2001:db8:ff::5 443 --timeout 1000
fw delete table ip6 guard6

# --- by the output interface (the LAN the router routes the target to):
# the usual hand-written block of new connections from the WAN to the LAN
fw add table inet wall
fw add chain inet wall f '{ type filter hook forward priority 0; }'
fw add rule inet wall f ct state established,related accept
fw add rule inet wall f iifname eth0 oifname br-lan ct state new drop
says "new connections from the WAN to the LAN dropped" \
	"$W: table inet wall, chain f \(hook forward, priority 0\) drops its new connections by its rules; $AGREE \(nft insert rule inet wall f ct status dnat accept\)"
stops "new connections from the WAN to the LAN dropped"
fw insert rule inet wall f ct status dnat accept
fine "... with ct status dnat accept before it"
flows "... with ct status dnat accept before it"
fw delete table inet wall
# and at postrouting, where the forwarded packet leaves by the LAN
fw add table inet wall
fw add chain inet wall o '{ type filter hook postrouting priority 0; }'
fw add rule inet wall o oifname br-lan tcp dport 8443 drop
says "a postrouting drop towards the LAN" \
	"$W: table inet wall, chain o \(hook postrouting, priority 0\) drops its new connections by its rules; $AGREE \(nft insert rule inet wall o ct status dnat accept\)"
stops "a postrouting drop towards the LAN"
fw delete table inet wall

# --- prerouting, before natgw's dstnat: the original port
fw add table inet raw
fw add chain inet raw pre '{ type filter hook prerouting priority -300; }'
fw add rule inet raw pre iifname eth0 tcp dport 443 drop
says "a raw prerouting drop" \
	"$W: table inet raw, chain pre \(hook prerouting, priority -300\) drops its new connections by its rules; $AGREE \(nft insert rule inet raw pre tcp dport 443 accept\)"
stops "a raw prerouting drop"
fw insert rule inet raw pre tcp dport 443 accept
fine "a raw prerouting drop, with the accept"
flows "a raw prerouting drop, with the accept"
fw delete table inet raw

# --- iptables-nft: FORWARD DROP, then Docker's DOCKER-USER
on router iptables-nft -P FORWARD DROP
says "iptables-nft FORWARD DROP" \
	"$W: iptables-nft table ip filter, chain FORWARD \(hook forward, priority 0\) drops its new connections by its policy; $AGREE \(iptables -I FORWARD -m conntrack --ctstate DNAT -j ACCEPT\)"
stops "iptables-nft FORWARD DROP"
on router iptables-nft -I FORWARD -m conntrack --ctstate DNAT -j ACCEPT
on router iptables-nft -I FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
fine "iptables-nft with --ctstate DNAT"
flows "iptables-nft with --ctstate DNAT"
on router iptables-nft -F FORWARD
on router iptables-nft -N DOCKER-USER
on router iptables-nft -N DOCKER-ISOLATION-STAGE-1
on router iptables-nft -A FORWARD -j DOCKER-USER
on router iptables-nft -A FORWARD -j DOCKER-ISOLATION-STAGE-1
on router iptables-nft -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
on router iptables-nft -A DOCKER-USER -j RETURN
on router iptables-nft -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j RETURN
on router iptables-nft -A DOCKER-ISOLATION-STAGE-1 -j RETURN
says "Docker" \
	"$W: iptables-nft table ip filter, chain FORWARD \(hook forward, priority 0\) drops its new connections by its policy; $AGREE \(iptables -I DOCKER-USER -m conntrack --ctstate DNAT -j ACCEPT\)"
on router iptables-nft -I DOCKER-USER -m conntrack --ctstate DNAT -j ACCEPT
fine "Docker, with the accept in DOCKER-USER"
flows "Docker, with the accept in DOCKER-USER"
on router iptables-nft -P FORWARD ACCEPT
on router iptables-nft -F
on router iptables-nft -X

# --- ufw: its chains, and the fix where ufw keeps it
on router iptables-nft-restore <<'RULES'
*filter
:FORWARD DROP [0:0]
:ufw-before-forward - [0:0]
:ufw-after-logging-forward - [0:0]
:ufw-user-forward - [0:0]
-A FORWARD -j ufw-before-forward
-A FORWARD -j ufw-after-logging-forward
-A ufw-before-forward -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ufw-before-forward -p icmp --icmp-type echo-request -j ACCEPT
-A ufw-before-forward -j ufw-user-forward
-A ufw-after-logging-forward -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW BLOCK] "
COMMIT
RULES
says "ufw" \
	"$W: iptables-nft table ip filter, chain FORWARD \(hook forward, priority 0\) drops its new connections by its policy; $AGREE \(iptables -I ufw-before-forward -m conntrack --ctstate DNAT -j ACCEPT, and add it to /etc/ufw/before.rules\)"
# ufw route allow proto tcp to any port 8443
on router iptables-nft -A ufw-user-forward -p tcp --dport 8443 -j ACCEPT
fine "ufw with a route allow for the target port"
flows "ufw with a route allow for the target port"
on router iptables-nft -P FORWARD ACCEPT
on router iptables-nft -F
on router iptables-nft -X

# --- iptables-legacy: only listing it leaves an empty table (no finding);
# a drop policy natgw cannot evaluate is a warning (exit 0)
command -v iptables-legacy >/dev/null || failed "iptables-legacy is not installed"
on router iptables-legacy -L -n >/dev/null
check_output "iptables-legacy listed: its table exists" '^filter$' on router cat /proc/net/ip_tables_names
fine "an empty iptables-legacy table"
on router iptables-legacy -P FORWARD DROP
check_output "iptables-legacy FORWARD DROP: a warning, exit 0" \
	"^$W: iptables-legacy table filter has rules or a drop policy in this namespace; natgw does not evaluate them, and a drop there stops the forward whatever natgw's table accepts \(check \`iptables-legacy -t filter -L -n -v\` for a drop on the forward's traffic, or move its rules to iptables-nft\)$" \
	natgw doctor "$C"
stops "iptables-legacy FORWARD DROP"
on router iptables-legacy -P FORWARD ACCEPT
fine "iptables-legacy back to accept"

# --- attack: 1,000 chains jumped from a drop chain, each dropping other
# ports, then the accept; and the ruleset changing while doctor reads it
{
	echo "table inet many {"
	echo " chain main { type filter hook forward priority 0; policy drop;"
	for i in $(seq 1000); do echo "  jump c$i"; done
	echo "  ct status dnat accept; }"
	for i in $(seq 1000); do echo " chain c$i { tcp dport $((20000 + i)) drop; }"; done
	echo "}"
} >"$NGW_TMP/many.nft"
fw -f "$NGW_TMP/many.nft"
fine "1,000 chains that drop other ports"
flows "1,000 chains that drop other ports"
fw add rule inet many c500 tcp dport 8443 drop
says "one of 1,000 chains drops the target port" \
	"$W: table inet many, chain main \(hook forward, priority 0\) drops its new connections by its rules or its policy; $AGREE \(nft insert rule inet many main ct status dnat accept\)"
# a firewall reloading five times a second, its commits milliseconds apart
bg router bash -c 'while :; do nft add table ip churn; nft add chain ip churn c "{ type filter hook forward priority 1; }"; nft delete table ip churn; sleep 0.2; done'
CHURN=${NGW_PIDS[-1]}
for i in $(seq 10); do
	natgw doctor "$C" >"$NGW_TMP/churn.out" 2>&1
	echo "$?:$(cat "$NGW_TMP/churn.out")"
done | sort -u >"$NGW_TMP/churn.all"
kill "$CHURN"
wait "$CHURN" 2>/dev/null
# each run reads one generation of the ruleset (the finding), or says it
# could not (exit 3); never a wrong answer from half of two
check_output "while the ruleset changes: the finding" \
	"^1:$W: table inet many, chain main " cat "$NGW_TMP/churn.all"
check_fails "... or that it could not read, nothing else" 1 grep -Ev \
	"^(1:$W: table inet many, chain main |3:natgw: reading the system: the firewall's tables changed while they were read, every time; run natgw doctor again$)" \
	"$NGW_TMP/churn.all"
fw delete table inet many

# --- a target that is the router itself: the input hook
fw add table inet host
fw add chain inet host input '{ type filter hook input priority 0; policy drop; }'
fw add rule inet host input ct state established,related accept
says "input drop, a target on the router" \
	"$SELF: table inet host, chain input \(hook input, priority 0\) drops its new connections by its policy; $AGREE \(nft insert rule inet host input ct status dnat accept\)"
check_fails "... it carries nothing" 1 probe client connect tcp 203.0.113.5 2222 --timeout 1000
fw insert rule inet host input ct status dnat accept
fine "input drop, with the accept"
check_output "... it works" 'local=192\.0\.2\.1:8443$' probe client connect tcp 203.0.113.5 2222 --timeout 2000
fw delete table inet host

# --- read-only: the kernel's ruleset is as before
on router nft list ruleset >"$NGW_TMP/before.nft"
natgw doctor "$C" >/dev/null 2>&1
on router nft list ruleset >"$NGW_TMP/after.nft"
check_same "doctor changes nothing in the kernel" "$NGW_TMP/before.nft" "$NGW_TMP/after.nft"

finish
