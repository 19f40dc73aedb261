#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two applies at once never merge (issue: on a router with no table, two
# applies both reported "new table" and the kernel held both files'
# forwards). What an operator expects: each apply is based on the table it
# read, so after `natgw apply x & natgw apply y` the kernel holds exactly
# one of the two files (the one applied last), both commands say so or say
# clearly that nothing was applied, and natgw show, natgw plan and nft
# agree. Also while another program commits to nftables all the time: an
# apply either applies its file whole or says nothing was applied, exit 3.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
GEN=$(realpath "$(dirname "$0")/../../scripts/gen-forwards.sh")

ETC=$NGW_TMP/etc
mkdir -p "$ETC"
printf 'version: 1\nforwards:\n  - name: x\n    port: 1000\n    to: 192.0.2.10\n' >"$ETC/x.yaml"
printf 'version: 1\nforwards:\n  - name: y\n    port: 2000\n    to: 192.0.2.20\n' >"$ETC/y.yaml"
bash "$GEN" 300 >"$ETC/f300.yaml"
bash "$GEN" 500 >"$ETC/f500.yaml"
sed -i 's/^  - name: f/  - name: g/' "$ETC/f500.yaml"

# the rules in the kernel, as nft lists rule_counters (one element a rule,
# its comment the rule's name), sorted
kernel_ports() {
	on router nft -s list set inet natgw rule_counters 2>/dev/null |
		grep -o 'comment "[^"]*"' | sed 's/comment "\(.*\)"/\1/' | sort
}
file_ports() {	# the rule names of a file, sorted
	sed -n 's/^  - name: //p' "$1" | sort
}

# race A B TIMES FROM: TIMES times, applies A and B at once (from no table,
# or FROM applied first); each time the kernel must hold one of the two
# files exactly, natgw plan of it must say "no changes", and both commands
# must have exited 0 (the second waited for the first) or 3 with "nothing
# was applied"
race() {
	local a=$1 b=$2 times=$3 from=$4 i merged=0 bad_status=0 unplanned=0 ok=0
	file_ports "$a" >"$NGW_TMP/a.ports"
	file_ports "$b" >"$NGW_TMP/b.ports"
	for i in $(seq "$times"); do
		if [ "$from" = none ]; then
			natgw down >/dev/null 2>&1
		else
			natgw apply "$from" >/dev/null 2>&1
		fi
		natgw apply "$a" >"$NGW_TMP/ra.out" 2>&1 &
		local pa=$!
		natgw apply "$b" >"$NGW_TMP/rb.out" 2>&1 &
		local pb=$!
		wait "$pa"; local sa=$?
		wait "$pb"; local sb=$?
		for s in "$sa:$NGW_TMP/ra.out" "$sb:$NGW_TMP/rb.out"; do
			case ${s%%:*} in
			0) ;;
			3) grep -q 'nothing was applied' "${s#*:}" || bad_status=$((bad_status + 1)) ;;
			*) bad_status=$((bad_status + 1)); sed 's/^/  | /' "${s#*:}" >&2 ;;
			esac
		done
		kernel_ports >"$NGW_TMP/k.ports"
		local winner=
		cmp -s "$NGW_TMP/k.ports" "$NGW_TMP/a.ports" && winner=$a
		cmp -s "$NGW_TMP/k.ports" "$NGW_TMP/b.ports" && winner=$b
		if [ -z "$winner" ]; then
			merged=$((merged + 1))
			continue
		fi
		natgw plan "$winner" 2>&1 | grep -q '^natgw: no changes' || unplanned=$((unplanned + 1))
		ok=$((ok + 1))
	done
	check "$(basename "$a") and $(basename "$b") at once from $from, $times times: the kernel held one file exactly each time ($merged mixes)" test "$merged" -eq 0
	check "(every apply exited 0, or 3 saying nothing was applied: $bad_status others)" test "$bad_status" -eq 0
	check "(natgw plan of the file the kernel holds says no changes: $unplanned did not)" test "$unplanned" -eq 0
	check "(and the table was there: $ok of $times)" test "$ok" -eq "$times"
}

race "$ETC/x.yaml" "$ETC/y.yaml" 10 none
race "$ETC/f300.yaml" "$ETC/f500.yaml" 6 none
race "$ETC/f300.yaml" "$ETC/f500.yaml" 6 "$ETC/x.yaml"

# Both commands of one race report honestly: the kernel holds y after
# `natgw apply x; natgw apply y` run at once only if y's apply said so.
natgw down >/dev/null 2>&1
natgw apply "$ETC/x.yaml" >"$NGW_TMP/sx.out" 2>&1 &
px=$!
natgw apply "$ETC/y.yaml" >"$NGW_TMP/sy.out" 2>&1
wait "$px"
case $(kernel_ports | tr '\n' ' ') in
"x ") held=x other=y ;;
"y ") held=y other=x ;;
*) held=both other=none ;;
esac
check "the kernel holds one of the two forwards ($held)" test "$other" != none
natgw show >"$NGW_TMP/show.out" 2>&1
check_output "natgw show lists it" "^$held " cat "$NGW_TMP/show.out"
check_fails "(and not the other)" 1 grep -q "^$other " "$NGW_TMP/show.out"
check_output "(one apply says new table, the other changed it)" 'new table' cat "$NGW_TMP/sx.out" "$NGW_TMP/sy.out"
check_fails "(not both)" 1 sh -c "grep -q 'new table' '$NGW_TMP/sx.out' && grep -q 'new table' '$NGW_TMP/sy.out'"

# Another program commits to nftables all the time (its own table): every
# apply of natgw either applies its file whole (exit 0) or says nothing was
# applied (exit 3), and the kernel always holds the last file applied.
on router nft add table inet busy
bg router sh -c 'i=0; while [ ! -e "$1" ] && [ $i -lt 20000 ]; do
	nft add chain inet busy c$((i % 50)) 2>/dev/null; nft delete chain inet busy c$((i % 50)) 2>/dev/null; i=$((i + 1)); done' \
	busy "$NGW_TMP/busy.stop"
BUSY=${NGW_PIDS[-1]}
last=none wrong=0 failed_badly=0
for i in $(seq 8); do
	f=$ETC/f300.yaml
	[ $((i % 2)) -eq 0 ] && f=$ETC/f500.yaml
	natgw apply "$f" >"$NGW_TMP/busy.out" 2>&1
	s=$?
	if [ "$s" -eq 0 ]; then
		last=$f
	elif [ "$s" -ne 3 ] || ! grep -q 'nothing was applied' "$NGW_TMP/busy.out"; then
		failed_badly=$((failed_badly + 1))
		sed 's/^/  | /' "$NGW_TMP/busy.out" >&2
	fi
	if [ "$last" != none ]; then
		kernel_ports >"$NGW_TMP/k.ports"
		file_ports "$last" | cmp -s - "$NGW_TMP/k.ports" || wrong=$((wrong + 1))
	fi
done
# reading while the other program commits: the kernel marks a dump it
# interrupted, and natgw reads again rather than failing or trusting half
shows_failed=0
for i in $(seq 10); do
	natgw show >"$NGW_TMP/show-busy.out" 2>&1 || { shows_failed=$((shows_failed + 1)); sed 's/^/  | /' "$NGW_TMP/show-busy.out" >&2; }
	natgw plan "$last" >"$NGW_TMP/plan-busy.out" 2>&1 || { shows_failed=$((shows_failed + 1)); sed 's/^/  | /' "$NGW_TMP/plan-busy.out" >&2; }
done
check "natgw show and plan while another program commits: all 20 exit 0 ($shows_failed did not)" test "$shows_failed" -eq 0
touch "$NGW_TMP/busy.stop"
wait "$BUSY" 2>/dev/null
check "while another program commits: every apply exited 0 or 3 with 'nothing was applied' ($failed_badly did not)" test "$failed_badly" -eq 0
check "(and the kernel held the last file applied each time: $wrong times not)" test "$wrong" -eq 0
check "(at least one apply went through)" test "$last" != none
check "the other program's table is untouched" on router nft list table inet busy

# An apply ends, whatever another program does: here it commits to its own
# table without pause for up to 60 s, while natgw applies 5,000 forwards.
# natgw sends its plan again a bounded number of times, then says nothing
# was applied; it must not wait for the other program to stop.
bash "$GEN" 5000 >"$ETC/f5000.yaml"
bg router sh -c 'end=$(($(date +%s) + 60)); while [ ! -e "$1" ] && [ $(date +%s) -lt $end ]; do
	nft add chain inet busy spin 2>/dev/null; nft delete chain inet busy spin 2>/dev/null; done' \
	spin "$NGW_TMP/spin.stop"
SPIN=${NGW_PIDS[-1]}
t0=$(date +%s)
natgw apply "$ETC/f5000.yaml" >"$NGW_TMP/spin.out" 2>&1
s=$?
t1=$(date +%s)
check "(the other program was still committing when natgw ended)" kill -0 "$SPIN"
touch "$NGW_TMP/spin.stop"
wait "$SPIN" 2>/dev/null
check "an apply among endless commits of another program ends in $((t1 - t0)) s (at most 30), exit 0 or 3 ($s)" \
	test "$((t1 - t0))" -le 30 -a \( "$s" -eq 0 -o "$s" -eq 3 \)
[ "$s" -eq 3 ] && check_output "(saying so)" 'other programs committed to nftables [0-9]+ times while natgw was applying to table inet natgw; nothing was applied' \
	cat "$NGW_TMP/spin.out"

# Two natgw tables whose names share a mark slot, applied at once for the
# first time: one of them is refused, every time (never both made).
both=0 none=0
for i in $(seq 8); do
	on router nft delete table inet natgw 2>/dev/null
	on router nft delete table inet guest2 2>/dev/null
	printf 'version: 1\ngateway:\n  table: natgw\nforwards:\n  - name: x\n    port: 80\n    to: 192.0.2.10\n' >"$ETC/s1.yaml"
	printf 'version: 1\ngateway:\n  table: guest2\nforwards:\n  - name: x\n    port: 81\n    to: 192.0.2.10\n' >"$ETC/s2.yaml"
	natgw apply "$ETC/s1.yaml" >/dev/null 2>&1 &
	p1=$!
	natgw apply "$ETC/s2.yaml" >/dev/null 2>&1 &
	p2=$!
	wait "$p1" "$p2"
	n=$(on router nft list tables | grep -cE 'inet (natgw|guest2)$')
	[ "$n" -eq 2 ] && both=$((both + 1))
	[ "$n" -eq 0 ] && none=$((none + 1))
done
check "two tables of one mark slot applied at once: never both made ($both times both)" test "$both" -eq 0
check "(and one of them always was: $none times none)" test "$none" -eq 0
on router nft delete table inet guest2 2>/dev/null

# Another program edits natgw's own table all the time (an element of its
# lan set, in and out): natgw plans again when that happens, and each apply
# applies its file or says nothing was applied.
bg router sh -c 'i=0; while [ ! -e "$1" ] && [ $i -lt 20000 ]; do
	nft add element inet natgw lan "{ \"dummy$((i % 9))\" }" 2>/dev/null
	nft delete element inet natgw lan "{ \"dummy$((i % 9))\" }" 2>/dev/null
	i=$((i + 1)); done' editor "$NGW_TMP/editor.stop"
EDITOR_PID=${NGW_PIDS[-1]}
applied=0 refused=0 failed_badly=0 last=none
kernel_ports >"$NGW_TMP/before-edit.ports"
for i in $(seq 6); do
	f=$ETC/f300.yaml
	[ $((i % 2)) -eq 0 ] && f=$ETC/f500.yaml
	natgw apply "$f" >"$NGW_TMP/edit.out" 2>&1
	case $? in
	0) applied=$((applied + 1)) last=$f ;;
	3) if grep -q 'changed by another program while natgw was applying, 3 times in a row; nothing was applied' "$NGW_TMP/edit.out"; then
		refused=$((refused + 1))
	   else
		failed_badly=$((failed_badly + 1)); sed 's/^/  | /' "$NGW_TMP/edit.out" >&2
	   fi ;;
	*) failed_badly=$((failed_badly + 1)); sed 's/^/  | /' "$NGW_TMP/edit.out" >&2 ;;
	esac
done
touch "$NGW_TMP/editor.stop"
wait "$EDITOR_PID" 2>/dev/null
check "while another program edits natgw's table: each apply applied or said why not ($applied applied, $refused refused, $failed_badly otherwise)" test "$failed_badly" -eq 0
echo "while natgw's table was edited: $applied applied, $refused refused"
kernel_ports >"$NGW_TMP/k.ports"
if [ "$last" = none ]; then	# every one refused: what was there stays
	cmp -s "$NGW_TMP/before-edit.ports" "$NGW_TMP/k.ports"
else
	file_ports "$last" | cmp -s - "$NGW_TMP/k.ports"
fi
check "(the kernel holds the last file applied, or what it held: $last)" test $? -eq 0

finish
