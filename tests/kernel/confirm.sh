#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Commit-confirm without the daemon: natgw apply --confirm from a terminal
# that dies right after it (its session killed with SIGKILL); the timer
# lives on in a process of its own and puts the previous table back, byte
# for byte. natgw confirm keeps a change; other applies wait; with no table
# before, the rollback removes it; a table natgw has no record of refuses
# --confirm.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

config() {	# config PORT_OF_SECOND_FORWARD
	cat <<YAML
version: 1
gateway:
  wan: eth0
forwards:
  - name: web
    port: 443
    to: 192.0.2.10:8443
  - name: second
    port: $1
    to: 192.0.2.10:22
YAML
}
config 2222 >"$NGW_TMP/a.yaml"
config 2223 >"$NGW_TMP/b.yaml"
listing() { on router nft -s list table inet natgw; }
# a timer that has ended may stay a zombie until init reaps it: not counted
timer_running() { ps -eo stat=,comm= | grep -q '^[^Z][^ ]* *natgw-confirm$'; }
said() { cp "$NGW_TMP/check.out" "$NGW_TMP/said"; check_output "$1" "$2" cat "$NGW_TMP/said"; }

# --- no table before: rollback removes it
check_output "apply --confirm onto no table" 'within 2 s' natgw apply --confirm 2 "$NGW_TMP/a.yaml"
check "a timer process runs" timer_running
sleep 2.5
check_fails "after 2 s without confirm there is no table again" 1 on router nft list table inet natgw
check_fails "and no timer" 1 timer_running

check "apply" natgw apply "$NGW_TMP/a.yaml"
check_output "without a daemon, natgw reload applies directly" \
	'^natgw: no changes \(2 rules in table inet natgw\)$' natgw reload -c "$NGW_TMP/a.yaml"
listing >"$NGW_TMP/a.nft"

# --- the terminal dies right after the apply
setsid bash -c "ip netns exec $(ns_name router) $NGW_BIN apply --confirm 2 $NGW_TMP/b.yaml \
	>$NGW_TMP/term.out 2>&1; kill -KILL \$\$" 2>/dev/null
check_output "the apply from the dying terminal went through" 'applied \+0 -0 ~1' \
	cat "$NGW_TMP/term.out"
check_output "its change is in the kernel" 'second +forward +[0-9]+ +[0-9]+ B +tcp 2223' natgw show
check "its timer outlived the terminal" timer_running
check_fails "another apply is refused while it waits" 3 natgw apply "$NGW_TMP/a.yaml"
said "(saying why)" 'waiting for `natgw confirm`'
sleep 2.5
listing >"$NGW_TMP/rolled-back.nft"
check_output "rolled back" 'second +forward +[0-9]+ +[0-9]+ B +tcp 2222' natgw show
# a changed rule's counter comes back as a new object, listed last by nft:
# compare the listing with its blocks in a fixed order
canonical() { awk 'BEGIN{RS="\n\n"} {print}' "$1" | sort; }
check_same "the previous table is back (its blocks compared in order of name)" \
	<(canonical "$NGW_TMP/a.nft") <(canonical "$NGW_TMP/rolled-back.nft")
check_fails "too late to confirm" 3 natgw confirm
said "(saying so)" 'no apply of table inet natgw is waiting'

# --- an added forward rolled back: the listing is byte for byte the same
{ config 2222; printf '  - name: extra\n    port: 4444\n    to: 192.0.2.10\n'; } >"$NGW_TMP/c.yaml"
check "apply --confirm of an added forward" natgw apply --confirm 1 "$NGW_TMP/c.yaml"
sleep 1.5
listing >"$NGW_TMP/after-add.nft"
check_same "after its rollback the listing is byte-identical" "$NGW_TMP/a.nft" "$NGW_TMP/after-add.nft"

# --- confirmed
check "apply --confirm 2" natgw apply --confirm 2 "$NGW_TMP/b.yaml"
check_output "natgw confirm" '^natgw: confirmed' natgw confirm
check_fails "the timer is gone at once" 1 timer_running
sleep 2.5
check_output "the change stays" 'second +forward +[0-9]+ +[0-9]+ B +tcp 2223' natgw show
check_output "--json tells the seconds" '"confirm":0' natgw apply --json "$NGW_TMP/b.yaml"

# --- a table natgw has no record of: --confirm cannot promise a rollback
rm -f "$NATGW_RUN_DIR"/applied-*
check_fails "--confirm without a record of the table refuses" 3 natgw apply --confirm 5 "$NGW_TMP/a.yaml"
said "(saying why and that nothing was applied)" 'nothing was applied'
check_output "nothing was applied" 'second +forward +[0-9]+ +[0-9]+ B +tcp 2223' natgw show

# --- natgw down while a confirm is pending: its timer would put a table
# back, so down is refused like an apply
check "apply (the record again)" natgw apply "$NGW_TMP/a.yaml"
check "apply --confirm 30" natgw apply --confirm 30 "$NGW_TMP/b.yaml"
check "(its timer runs)" timer_running
natgw down >"$NGW_TMP/down.out" 2>&1
check "natgw down while it waits is refused, exit 3" test $? -eq 3
check_output "(saying why)" 'is waiting for `natgw confirm`; confirm it \(or let it roll back\) first\. Nothing was removed\.$' \
	cat "$NGW_TMP/down.out"
check "(the table stays)" on router nft list table inet natgw
check_output "natgw confirm" '^natgw: confirmed' natgw confirm
check_output "then natgw down removes it" '^natgw: removed table inet natgw$' natgw down

finish
