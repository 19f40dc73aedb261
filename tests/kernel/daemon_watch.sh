#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What natgw run reloads, and when, as its file is edited, truncated,
# written slowly, deleted and moved about: (1) the file is truncated
# (`: >`) while a TCP connection is held through a forward: the rules, the
# mapping and the connection stay; (2) its directory is removed and made
# again with a new file: applied; (3) the file is replaced by a symlink to a
# file elsewhere, whose later edits are applied; (4) the symlink is pointed
# at another file: its edits are applied, the old target's are not; (5) a
# file truncated, then written in two parts without a close between them,
# is applied once, whole; so is one written in two parts 100 ms apart;
# (6) the file deleted and never recreated, its directory replaced by a
# plain file, a symlink loop, a FIFO: the running ruleset stays, and the
# daemon never waits on the FIFO; (7) inotify's queue overflows while the
# file changes: the daemon watches again and applies it. Every line the
# daemon logs is checked.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"

ETC=$NGW_TMP/etc
C=$ETC/natgw.yaml
LOG=$NGW_TMP/daemon.log
mkdir -p "$ETC" "$NATGW_RUN_DIR"
: >"$LOG"

SSH2='  - name: ssh2
    port: 2222
    to: 192.0.2.10:22'
TRY='  - name: try
    port: 3333
    to: 192.0.2.10:3333'
A=$(config_from base)			# web
B=$(printf '%s\n%s' "$A" "$SSH2")	# web, ssh2
B3=$(printf '%s\n%s' "$B" "$TRY")	# web, ssh2, try
AT=$(printf '%s\n%s' "$A" "$TRY")	# web, try

# put FILE CONTENT: written beside it, then renamed over it, as editors do
put() {
	printf '%s\n' "$2" >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}

listing() { on router nft -s list table inet natgw; }
# the names of the rules in the kernel, sorted: "ssh2 web "
forwards() {
	on router nft -s list set inet natgw rule_counters | grep -o 'comment "[a-z0-9]*"' |
		sed 's/comment "\(.*\)"/\1/' | sort | tr '\n' ' '; echo
}
MS='applied \+[0-9]+ -[0-9]+ ~[0-9]+ in [0-9.]+ ms'

# fresh CONTENT: each part starts from a plain file in a new directory and
# a new daemon, so that it passes or fails by itself
DPID=
fresh() {
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID"
		wait "$DPID"
		forget "$DPID"
		SETTLE=0 expect_log "the daemon stops" \
			'^natgw: stopping on Terminated; table inet natgw stays in the kernel$'
	fi
	rm -rf "$ETC"
	mkdir "$ETC"
	put "$C" "$1"
	bg router "$NGW_BIN" run -c "$C" 2>>"$LOG" >&-
	DPID=${NGW_PIDS[-1]}
	SETTLE=0 expect_log "the daemon starts" \
		"^natgw: start: ($MS(, new table)?|no changes \([0-9]+ rules in table inet natgw\))$" \
		'^natgw: running: table inet natgw, [0-9]+ rules, [0-9]+ mappings; serving '
}

serve server tcp 192.0.2.10 8443
fresh "$B"

# (1) truncated while a connection is held: nothing changes in the kernel
bg client "$NGW_PROBE" hold tcp 203.0.113.5 443 --seconds 2 >"$NGW_TMP/hold" 2>&1
HOLD=${NGW_PIDS[-1]}
sleep 0.3
WEB=$(mark_of web)
listing >"$NGW_TMP/before-1.nft"
check_output "(1) the held connection has its mapping" '^1$' \
	sh -c "ip netns exec $(ns_name router) conntrack -L -m $WEB 2>/dev/null | grep -c ESTABLISHED"
: >"$C"
expect_log "(1) a truncated file is not applied" \
	"^$C:1:1: error: the file is empty; " \
	'^1 error$' \
	"^natgw: reload \(the file changed\): $C is not usable; the running ruleset stays$"
listing >"$NGW_TMP/after-1.nft"
check_same "(1) the kernel's table is untouched" "$NGW_TMP/before-1.nft" "$NGW_TMP/after-1.nft"
check_output "(1) the mapping was not flushed" '^1$' \
	sh -c "ip netns exec $(ns_name router) conntrack -L -m $WEB 2>/dev/null | grep -c ESTABLISHED"
wait "$HOLD"
check "(1) the held connection was never broken" test $? -eq 0
forget "$HOLD"
printf '%s\n' "$B" >"$C"	# written again in place
expect_log "(1) written again: reloaded" \
	'^natgw: reload \(the file changed\): no changes \(2 rules in table inet natgw\)$'

# (2) the directory removed, then made again with a new file
fresh "$B"
rm -rf "$ETC"
expect_log "(2) the file is gone" \
	"^natgw: $C is gone; the running ruleset stays; watching for it to come back$"
check_output "(2) the rules stay" '^ssh2 web $' forwards
mkdir "$ETC"
put "$C" "$B3"
expect_log "(2) the file is back and applied" \
	"^natgw: $C is back$" \
	"^natgw: reload \(the file is back\): applied \+1 -0 ~0 in [0-9.]+ ms$"
check_output "(2) nft has the new file's forward" '^ssh2 try web $' forwards
put "$C" "$B"
expect_log "(2) and the new directory is watched" \
	"^natgw: reload \(the file changed\): applied \+0 -1 ~0 in [0-9.]+ ms$"

# (3) the file replaced by a symlink to a file elsewhere; that file edited
fresh "$B"
mkdir "$NGW_TMP/one" "$NGW_TMP/two"
put "$NGW_TMP/one/a.yaml" "$AT"
ln -sfn "$NGW_TMP/one/a.yaml" "$C"
expect_log "(3) a symlink to a file elsewhere is applied" \
	"^natgw: reload \(the file changed\): applied \+1 -1 ~0 in [0-9.]+ ms$"
put "$NGW_TMP/one/a.yaml" "$B3"
expect_log "(3) its target edited: applied" \
	"^natgw: reload \(the file changed\): applied \+1 -0 ~0 in [0-9.]+ ms$"
check_output "(3) nft has it" '^ssh2 try web $' forwards

# (4) the symlink pointed at another file, in another directory
fresh "$B3"
ln -sfn "$NGW_TMP/one/a.yaml" "$C"
expect_log "(4) a symlink" "^natgw: reload \\(the file changed\\): no changes \\(3 rules in table inet natgw\\)$"
put "$NGW_TMP/two/b.yaml" "$A"
ln -sfn "$NGW_TMP/two/b.yaml" "$C.new" && mv -T "$C.new" "$C"
expect_log "(4) the re-pointed symlink is applied" \
	"^natgw: reload \(the file changed\): applied \+0 -2 ~0 in [0-9.]+ ms$"
put "$NGW_TMP/two/b.yaml" "$B"
expect_log "(4) its new target edited: applied" \
	"^natgw: reload \(the file changed\): applied \+1 -0 ~0 in [0-9.]+ ms$"
put "$NGW_TMP/one/a.yaml" "$A"
expect_log "(4) the old target is no longer watched"
check_output "(4) nft has the new target's rules" '^ssh2 web $' forwards

# (5) slow writers: truncated and closed, then written in two parts 300 ms
# apart (more than the 200 ms the file must be quiet) without a close
# between them; then a writer that truncates as it opens and writes two
# parts 100 ms apart. Each is applied once, whole, never its first part
# (A alone: the forward ssh2 would go).
fresh "$B"
{
	: >"$C"
	sleep 0.05
	exec 3>>"$C"
	printf '%s\n' "$A" >&3
	sleep 0.3
	printf '%s\n%s\n' "$SSH2" "$TRY" >&3
	exec 3>&-
}
expect_log "(5) truncated, then written slowly: applied once, whole" \
	"^natgw: reload \(the file changed\): applied \+1 -0 ~0 in [0-9.]+ ms$"
{
	exec 3>"$C"
	printf '%s\n' "$A" >&3
	sleep 0.1
	printf '%s\n' "$SSH2" >&3
	exec 3>&-
}
expect_log "(5) written in two parts 100 ms apart: applied once, whole" \
	"^natgw: reload \(the file changed\): applied \+0 -1 ~0 in [0-9.]+ ms$"
check_output "(5) nft has the whole file's rules" '^ssh2 web $' forwards

# (6) deleted and never recreated; the directory replaced by a plain file;
# a symlink loop; a FIFO: said once each, and the running ruleset stays
fresh "$B"
listing >"$NGW_TMP/before-6.nft"
rm "$C"
expect_log "(6) deleted: gone" \
	"^natgw: $C is gone; the running ruleset stays; watching for it to come back$"
touch "$ETC/other"
rm -r "$ETC"
echo "not a directory" >"$ETC"
expect_log "(6) the directory removed and a file in its place: said once"
rm "$ETC"
mkdir "$ETC"
ln -s loop2 "$ETC/loop1"
ln -s loop1 "$ETC/loop2"
ln -s loop1 "$C"
expect_log "(6) a symlink loop: not usable" \
	"^natgw: $C is back$" \
	"^natgw: cannot read $C: Too many levels of symbolic links$" \
	"^natgw: reload \(the file is back\): $C is not usable; the running ruleset stays$"
rm "$C"
mkfifo "$C"
expect_log "(6) a FIFO: not read (the daemon would wait on it)" \
	"^natgw: cannot read $C: it is not a regular file$" \
	"^natgw: reload \(the file changed\): $C is not usable; the running ruleset stays$"
check_output "(6) the daemon still answers" '^web +forward' natgw show
listing >"$NGW_TMP/after-6.nft"
check_same "(6) the kernel's table is untouched" "$NGW_TMP/before-6.nft" "$NGW_TMP/after-6.nft"
rm "$C"
put "$C" "$B3"
expect_log "(6) a file again" \
	"^natgw: reload \(the file changed\): applied \+1 -0 ~0 in [0-9.]+ ms$"

# (7) inotify's queue overflows while the daemon is stopped: the file's
# own change is among the events lost
fresh "$B3"
q=$(cat /proc/sys/fs/inotify/max_queued_events)
kill -STOP "$DPID"
(cd "$ETC" && seq -f "f%.0f" $((q / 2 + 1000)) | xargs touch)
put "$C" "$B"
kill -CONT "$DPID"
expect_log "(7) an overflow: watched again and reloaded" \
	"^natgw: inotify dropped events \(its queue was full\); watching $C again$" \
	"^natgw: reload \(the file changed\): applied \+0 -1 ~0 in [0-9.]+ ms$"
(cd "$ETC" && seq -f "f%.0f" $((q / 2 + 1000)) | xargs rm)
put "$C" "$A"
expect_log "(7) and watched after it" \
	"^natgw: reload \(the file changed\): applied \+0 -1 ~0 in [0-9.]+ ms$"

kill -TERM "$DPID"
wait "$DPID"
check "SIGTERM ends it with status 0" test $? -eq 0
forget "$DPID"
expect_log "it says so" '^natgw: stopping on Terminated; table inet natgw stays in the kernel$'

finish
