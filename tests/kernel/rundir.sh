#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw's runtime directory against a local user (uid 65534) who prepares
# it, and against what killed applies leave in it. Root runs natgw in the
# router's namespace with NATGW_RUN_DIR pointing at:
#
# (a) a directory the user owns: apply, plan, run refuse it (exit 3, saying
#     why), and nothing reaches the kernel;
# (b) a root directory everyone (or its group) may write, or one under a
#     parent everyone may write without the sticky bit: refused the same;
# (c) links the user planted at the record's and a temporary file's name,
#     pointing at a file of root's: never written through; nor are links at
#     those names in a trusted directory;
# (d) a FIFO at the record's name: plan and apply do not wait on it;
# (e) a control socket the user bound while the directory was open: natgw
#     does not talk to it (it sends it nothing) and applies nothing;
# (f) a dangling link or a stale file at the daemon's socket name: natgw run
#     starts all the same and serves;
# (g) the leftovers of killed applies (a temporary file of 10 MB, records
#     and locks of namespaces that are gone) go at the next apply, also
#     after applies of 100,000 forwards killed with SIGKILL midway; the
#     next apply and plan then agree with the kernel.
set -u
. "$(dirname "$0")/lib.sh"
kernel_test_init "$1" "$2"
GEN=$(dirname "$(realpath "$0")")/../../scripts/gen-forwards.sh
command -v setpriv >/dev/null && command -v unshare >/dev/null && command -v perl >/dev/null ||
	{ echo "FAIL: setpriv, unshare (util-linux) and perl are needed" >&2; exit 1; }

# uid 65534 may pass through the test's directory; only root may write it
chmod 0711 "$NGW_TMP"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
INO=$(on router stat -L -c %i /proc/self/ns/net)
REC=applied-natgw-$INO.yaml
VICTIM=$NGW_TMP/victim
echo precious >"$VICTIM"
chmod 0644 "$VICTIM"
WHY='; natgw uses a runtime directory only when root alone can write it \(fix its owner and mode, or set NATGW_RUN_DIR\)'

forwards_config web 443 >"$NGW_TMP/one.yaml"
forwards_config web 443 ssh 2222 >"$NGW_TMP/two.yaml"

# ngw NAME DIR ARGS...: natgw ARGS in the router with NATGW_RUN_DIR=DIR, at
# most 10 s ($LIMIT); its output in $NGW_TMP/NAME.out, its exit status in RC
ngw() {
	local name=$1 dir=$2
	shift 2
	on router env NATGW_RUN_DIR="$dir" timeout -k 2 "${LIMIT:-10}" "$NGW_BIN" "$@" \
		>"$NGW_TMP/$name.out" 2>&1
	RC=$?
}
# ngw1: the same as process 1 of a new PID namespace, so its process ID
# is known beforehand (as an attacker could guess it)
ngw1() {
	local name=$1 dir=$2
	shift 2
	on router env NATGW_RUN_DIR="$dir" timeout -k 2 10 unshare --pid --kill-child \
		"$NGW_BIN" "$@" >"$NGW_TMP/$name.out" 2>&1
	RC=$?
}
out() { cat "$NGW_TMP/$1.out"; }
status_is() {	# status_is WHAT WANT NAME: NAME's exit status is WANT
	if [ "$RC" -eq "$2" ]; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$1: exit status $RC, expected $2"
		sed 's/^/  | /' "$NGW_TMP/$3.out" >&2
	fi
}
ruleset() { on router nft list ruleset; }
# names: the rules in natgw's table of the router, as nft lists them (the
# comments of its counters), on one line in order of name
names() {
	on router nft list set inet natgw rule_counters | grep -o 'comment "[^"]*"' |
		sed 's/comment "\(.*\)"/\1/' | sort -V | paste -sd ' '
}
# so that each part starts from no table (the old code applied where it
# should not have)
no_table() { on router nft delete table inet natgw 2>/dev/null; true; }
empty_dir() { [ -z "$(ls -A "$1")" ]; }
precious() { [ "$(cat "$VICTIM")" = precious ] && [ "$(stat -c %u "$VICTIM")" = 0 ]; }

# ---- (a) a directory uid 65534 owns ------------------------------------------
OWNED=$NGW_TMP/owned
mkdir "$OWNED" && chown 65534:65534 "$OWNED" && chmod 0755 "$OWNED"
ruleset >"$NGW_TMP/before-a.nft"
ngw a-apply "$OWNED" apply "$NGW_TMP/one.yaml"
status_is "(a) apply refuses a directory of uid 65534" 3 a-apply
check_output "(a) saying why" "^natgw: $OWNED belongs to uid 65534, not root$WHY" out a-apply
ngw a-plan "$OWNED" plan "$NGW_TMP/one.yaml"
status_is "(a) plan refuses it" 3 a-plan
check_output "(a) saying why" "^natgw: $OWNED belongs to uid 65534, not root$WHY" out a-plan
ngw a-run "$OWNED" run -c "$NGW_TMP/one.yaml"
status_is "(a) natgw run does not start" 3 a-run
check_output "(a) saying why" "^natgw: $OWNED belongs to uid 65534, not root$WHY" out a-run
ruleset >"$NGW_TMP/after-a.nft"
check_same "(a) the router's ruleset is unchanged" "$NGW_TMP/before-a.nft" "$NGW_TMP/after-a.nft"
check_fails "(a) there is no natgw table" 1 on router nft list table inet natgw
check "(a) nothing was written into the directory" empty_dir "$OWNED"
# through a link to it, and below it: the real path is what counts
ln -s "$OWNED" "$NGW_TMP/link"
ngw a-link "$NGW_TMP/link" apply "$NGW_TMP/one.yaml"
status_is "(a) a link to it is refused" 3 a-link
check_output "(a) naming the directory it leads to" "^natgw: $OWNED belongs to uid 65534" out a-link
as_nobody mkdir -m 0755 "$OWNED/sub"
chown root:root "$OWNED/sub" 2>/dev/null || true
ngw a-sub "$OWNED/sub" apply "$NGW_TMP/one.yaml"
status_is "(a) a directory under it is refused" 3 a-sub
check_output "(a) naming it" "^natgw: $OWNED belongs to uid 65534" out a-sub
check_fails "(a) still no natgw table" 1 on router nft list table inet natgw
no_table

# ---- (b) writable by others ------------------------------------------------------
OPEN=$NGW_TMP/open
mkdir "$OPEN" && chmod 0777 "$OPEN"
ngw b-apply "$OPEN" apply "$NGW_TMP/one.yaml"
status_is "(b) apply refuses a root directory of mode 0777" 3 b-apply
check_output "(b) saying why" "^natgw: $OPEN is writable by everyone \(mode 0777\)$WHY" out b-apply
ngw b-plan "$OPEN" plan "$NGW_TMP/one.yaml"
status_is "(b) plan refuses it" 3 b-plan
check_output "(b) saying why" "^natgw: $OPEN is writable by everyone \(mode 0777\)$WHY" out b-plan
ngw b-run "$OPEN" run -c "$NGW_TMP/one.yaml"
status_is "(b) natgw run does not start" 3 b-run
check_output "(b) saying why" "^natgw: $OPEN is writable by everyone \(mode 0777\)$WHY" out b-run
check_fails "(b) there is no natgw table" 1 on router nft list table inet natgw
mkdir "$OPEN/run" && chmod 0755 "$OPEN/run"
ngw b-under "$OPEN/run" apply "$NGW_TMP/one.yaml"
status_is "(b) a root 0755 directory in a world-writable one (not sticky) is refused" 3 b-under
check_output "(b) naming the parent" "^natgw: $OPEN is writable by everyone \(mode 0777\)$WHY" out b-under
GROUP=$NGW_TMP/group
mkdir "$GROUP" && chown root:65534 "$GROUP" && chmod 0775 "$GROUP"
ngw b-group "$GROUP" apply "$NGW_TMP/one.yaml"
status_is "(b) a directory its group may write is refused" 3 b-group
check_output "(b) saying why" "^natgw: $GROUP is writable by .*$WHY" out b-group
check_fails "(b) still no natgw table" 1 on router nft list table inet natgw
no_table

# ---- (c) links at the record's and a temporary file's name -------------------
# natgw runs as process 1 of its own PID namespace here (ngw1): a temporary
# file named after its process ID alone would be $REC.1.tmp
as_nobody ln -sf "$VICTIM" "$OWNED/$REC"
as_nobody ln -sf "$VICTIM" "$OWNED/$REC.1.tmp"
as_nobody ln -s "$VICTIM" "$OWNED/$REC.12345.cafe.tmp"
ngw1 c-owned "$OWNED" apply "$NGW_TMP/one.yaml"
status_is "(c) apply refuses the user's directory with its links" 3 c-owned
check "(c) the file the links lead to is untouched" precious
check_fails "(c) nothing was applied" 1 on router nft list table inet natgw
no_table
echo precious >"$VICTIM"	# (whatever happened to it above)
TRUSTED=$NGW_TMP/trusted
mkdir "$TRUSTED" && chmod 0755 "$TRUSTED"
ln -s "$VICTIM" "$TRUSTED/$REC"
ln -s "$VICTIM" "$TRUSTED/$REC.1.tmp"
ngw1 c-trusted "$TRUSTED" apply "$NGW_TMP/one.yaml"
status_is "(c) apply in a root 0755 directory with links at those names" 0 c-trusted
check "(c) the file they led to is untouched" precious
check "(c) the record replaced the link" test -f "$TRUSTED/$REC" -a ! -L "$TRUSTED/$REC"
check_fails "(c) the link at a temporary file's name is gone" 1 test -L "$TRUSTED/$REC.1.tmp"
check_output "(c) the forward is in the kernel" '^web$' names
ngw c-plan "$TRUSTED" plan "$NGW_TMP/one.yaml"
status_is "(c) plan" 0 c-plan
check_output "(c) finds nothing to change" '^natgw: no changes' out c-plan
# with a table in the kernel, show, mappings and down refuse the user's
# directory too, and down leaves the table
for cmd in show mappings down; do
	ngw "c-$cmd" "$OWNED" "$cmd"
	status_is "(c) $cmd refuses the user's directory" 3 "c-$cmd"
	check_output "(c) saying why" "^natgw: $OWNED belongs to uid 65534, not root$WHY" out "c-$cmd"
done
check_output "(c) the table is still there" '^web$' names
check "(c) still untouched" precious

# ---- (d) a FIFO at the record's name -----------------------------------------
rm -f "$TRUSTED/$REC"
mkfifo -m 0600 "$TRUSTED/$REC"
ngw d-plan "$TRUSTED" plan "$NGW_TMP/two.yaml"
status_is "(d) plan with a FIFO at the record's name returns" 0 d-plan
check_output "(d) and reads the kernel: one forward to add" '^\+ .*ssh' out d-plan
ngw d-apply "$TRUSTED" apply "$NGW_TMP/two.yaml"
status_is "(d) apply with a FIFO at the record's name returns" 0 d-apply
check_output "(d) and adds the forward" 'applied \+1 -0 ~0' out d-apply
check_output "(d) the kernel has both" '^ssh web$' names
check "(d) the record is a file again" test -f "$TRUSTED/$REC" -a ! -p "$TRUSTED/$REC"

# ---- (e) a control socket of uid 65534 ---------------------------------------
FAKE=$NGW_TMP/fake
mkdir "$FAKE" && chmod 0777 "$FAKE"
# the daemon's socket name in the router's namespace (natgw.sock too: the
# name every namespace used before); whatever arrives is written out
SERVER='
use strict;
use Socket;
use IO::Select;
umask 0;
my $listening = IO::Select->new;
for my $path (@ARGV) {
	socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	bind($s, pack_sockaddr_un($path)) or die "bind $path: $!";
	listen($s, 8) or die "listen: $!";
	$listening->add($s);
}
while (1) {
	for my $s ($listening->can_read) {
		accept(my $c, $s) or next;
		my $one = IO::Select->new($c);
		while ($one->can_read(1)) {
			my $n = sysread($c, my $buf, 65536);
			last unless $n;
			syswrite(STDOUT, $buf);
		}
		close $c;
	}
}
'
bg router setpriv --reuid=65534 --regid=65534 --clear-groups perl -e "$SERVER" \
	"$FAKE/natgw-$INO.sock" "$FAKE/natgw.sock" >"$NGW_TMP/fake.bytes" 2>"$NGW_TMP/fake.err"
for _ in $(seq 100); do
	[ -S "$FAKE/natgw-$INO.sock" ] && [ -S "$FAKE/natgw.sock" ] && break
	sleep 0.05
done
chmod 0755 "$FAKE"
check_output "(e) uid 65534 serves the router's socket name" '^65534$' stat -c %u "$FAKE/natgw-$INO.sock"
ruleset >"$NGW_TMP/before-e.nft"
NOT_OURS="^natgw: $FAKE/natgw-$INO.sock is not served by a natgw of root in this network namespace; not talking to it$"
ngw e-show "$FAKE" show
status_is "(e) natgw show" 3 e-show
check_output "(e) does not talk to it" "$NOT_OURS" out e-show
ngw e-apply "$FAKE" apply "$NGW_TMP/one.yaml"
status_is "(e) natgw apply" 3 e-apply
check_output "(e) does not talk to it" "$NOT_OURS" out e-apply
ruleset >"$NGW_TMP/after-e.nft"
check_same "(e) nothing was applied" "$NGW_TMP/before-e.nft" "$NGW_TMP/after-e.nft"
check_output "(e) the fake server received nothing" '^0$' stat -c %s "$NGW_TMP/fake.bytes"
FPID=${NGW_PIDS[-1]}
check "(e) (it was running all along)" kill -0 "$FPID"
# (and it does record what reaches it: 64 bytes sent by hand)
printf 'CWGN\x01\x00\x01\x00\x34\x00\x00\x00' >"$NGW_TMP/show.req"
head -c 52 /dev/zero >>"$NGW_TMP/show.req"
on router "$NGW_PROBE" unix "$FAKE/natgw-$INO.sock" "$NGW_TMP/show.req" >/dev/null 2>&1
recorded() {
	for _ in $(seq 50); do
		[ "$(stat -c %s "$NGW_TMP/fake.bytes")" -ge 64 ] && return 0
		sleep 0.05
	done
	return 1
}
check "(e) (a request sent to it by hand is recorded)" recorded
kill "$FPID"
wait "$FPID" 2>/dev/null
forget "$FPID"

# ---- (f) a dangling link or a stale file at the socket's name ------------------
DANGLE=$NGW_TMP/dangle
mkdir "$DANGLE" && chmod 0755 "$DANGLE"
ln -s "$NGW_TMP/nowhere" "$DANGLE/natgw-$INO.sock"
ln -s "$NGW_TMP/nowhere" "$DANGLE/natgw.sock"
LOG=$NGW_TMP/f.log
bg router env NATGW_RUN_DIR="$DANGLE" "$NGW_BIN" run -v -c "$NGW_TMP/two.yaml" 2>"$LOG"
DPID=${NGW_PIDS[-1]}
check "(f) natgw run starts over a dangling link" wait_running "$LOG"
ngw f-show "$DANGLE" show
status_is "(f) natgw show" 0 f-show
check_output "(f) lists the rules" '^ssh +forward' out f-show
check_output "(f) answered by the daemon" '^natgw: control socket: show \(pid [0-9]+\)$' cat "$LOG"
check "(f) its socket replaced the link" test -S "$DANGLE/natgw-$INO.sock" -a ! -L "$DANGLE/natgw-$INO.sock"
check_fails "(f) nothing was made where the link led" 1 test -e "$NGW_TMP/nowhere"
kill -TERM "$DPID"
wait "$DPID"
check "(f) it stops on SIGTERM" test $? -eq 0
forget "$DPID"
rm -f "$DANGLE/natgw-$INO.sock" "$DANGLE/natgw.sock"
head -c 100 /dev/urandom >"$DANGLE/natgw-$INO.sock"
cp "$DANGLE/natgw-$INO.sock" "$DANGLE/natgw.sock"
bg router env NATGW_RUN_DIR="$DANGLE" "$NGW_BIN" run -v -c "$NGW_TMP/two.yaml" 2>"$LOG"
DPID=${NGW_PIDS[-1]}
check "(f) natgw run starts over a stale file" wait_running "$LOG"
ngw f-show2 "$DANGLE" show
status_is "(f) natgw show" 0 f-show2
check_output "(f) lists the rules" '^ssh +forward' out f-show2
kill -TERM "$DPID"
wait "$DPID"
forget "$DPID"

# ---- (h) links and missing directories on the way ------------------------------
# a link of the user's, in the user's directory, to a directory of root's
# holding files of root's: refused, and root's files are untouched
H=$NGW_TMP/h-user
V=$NGW_TMP/h-root
mkdir "$H" "$V" && chown 65534:65534 "$H" && chmod 0755 "$H" "$V"
for f in natgw-7.conf lock-42 confirm-3.txt "lock-natgw-1234"; do echo precious >"$V/$f"; done
as_nobody ln -s "$V" "$H/natgw-run"
ruleset >"$NGW_TMP/before-h.nft"
ngw h-link "$H/natgw-run" apply "$NGW_TMP/one.yaml"
status_is "(h) a runtime directory reached through the user's link is refused" 3 h-link
check_output "(h) saying why" "^natgw: $H belongs to uid 65534, not root$WHY" out h-link
for f in natgw-7.conf lock-42 confirm-3.txt lock-natgw-1234; do
	check_output "(h) root's $f is untouched" '^precious$' cat "$V/$f"
done
# a link of the user's at the very name, in a directory of root's
L=$NGW_TMP/h-links
mkdir "$L" && chmod 0777 "$L"
as_nobody ln -s "$V" "$L/run"
chmod 0755 "$L"
ngw h-link2 "$L/run" apply "$NGW_TMP/one.yaml"
status_is "(h) a runtime directory that is the user's link is refused" 3 h-link2
check_output "(h) saying why" "^natgw: $L/run is a link of uid 65534, not root's$WHY" out h-link2
# a directory to be made inside the user's: not made
ngw h-mkdir "$H/sub" apply "$NGW_TMP/one.yaml"
status_is "(h) a runtime directory to be made in the user's directory is refused" 3 h-mkdir
check_fails "(h) and not made" 1 test -e "$H/sub"
ruleset >"$NGW_TMP/after-h.nft"
check_same "(h) (nothing reached the kernel)" "$NGW_TMP/before-h.nft" "$NGW_TMP/after-h.nft"

# ---- (j) apply --confirm whose timer's socket could not be made ---------------
# a 32-character table in a deep directory: the socket's path would not fit
# a UNIX socket address, so nothing is applied (never a change without its
# timer)
LONGD=$NGW_TMP/$(printf 'd%.0s' $(seq 60))
mkdir -m 0700 "$LONGD"
T32=$(printf 't%.0s' $(seq 32))
printf 'version: 1\ngateway:\n  table: %s\nforwards:\n  - name: web\n    port: 443\n    to: 192.0.2.10\n' "$T32" >"$NGW_TMP/long1.yaml"
printf 'version: 1\ngateway:\n  table: %s\nforwards:\n  - name: ssh\n    port: 22\n    to: 192.0.2.10\n' "$T32" >"$NGW_TMP/long2.yaml"
ngw j-apply "$LONGD" apply "$NGW_TMP/long1.yaml"
status_is "(j) an apply in the deep directory" 0 j-apply
ruleset >"$NGW_TMP/before-j.nft"
ngw j-confirm "$LONGD" apply --confirm 2 "$NGW_TMP/long2.yaml"
status_is "(j) apply --confirm whose timer's socket would not fit is refused" 3 j-confirm
check_output "(j) saying why, and that nothing was applied" "^natgw: --confirm: the confirm timer's socket .* would be longer than a UNIX socket's 107 bytes .*; nothing was applied$" out j-confirm
ruleset >"$NGW_TMP/after-j.nft"
check_same "(j) (nothing was applied)" "$NGW_TMP/before-j.nft" "$NGW_TMP/after-j.nft"
on router nft delete table inet "$T32"

# ---- (i) a foreign socket meets natgw run ------------------------------------------
F2=$NGW_TMP/i-fake
mkdir "$F2" && chmod 0777 "$F2"
bg router setpriv --reuid=65534 --regid=65534 --clear-groups perl -e "$SERVER" \
	"$F2/natgw-$INO.sock" >/dev/null 2>&1
IPID=${NGW_PIDS[-1]}
for _ in $(seq 100); do [ -S "$F2/natgw-$INO.sock" ] && break; sleep 0.05; done
chmod 0755 "$F2"
ngw i-run "$F2" run -c "$NGW_TMP/one.yaml"
status_is "(i) natgw run does not start beside a foreign socket" 3 i-run
check_output "(i) saying whose it is not" "^natgw: $F2/natgw-$INO.sock is served by a process that is not a natgw of root in this network namespace; stop it, or remove the socket$" out i-run
kill "$IPID" 2>/dev/null
wait "$IPID" 2>/dev/null
forget "$IPID"
on router "$NGW_BIN" down >/dev/null 2>&1

# ---- (g) what killed applies leave -------------------------------------------
RUN=$NATGW_RUN_DIR
mkdir -p "$RUN" && chmod 0755 "$RUN"
ns_add other
OINO=$(on other stat -L -c %i /proc/self/ns/net)
head -c 10M /dev/urandom >"$RUN/$REC.99999.deadbeef.tmp"
echo junk >"$RUN/applied-natgw-1234.yaml"
: >"$RUN/lock-natgw-1234"
echo junk >"$RUN/applied-natgw-1234.yaml.4242.beef.tmp"
: >"$RUN/confirm-natgw-1234.sock"
: >"$RUN/natgw-1234.sock"
# not leftovers: another namespace's record, another table's file being
# written here, and a file that is not natgw's
echo keep >"$RUN/applied-natgw-$OINO.yaml"
echo keep >"$RUN/applied-other-$INO.yaml.4343.f00d.tmp"
echo keep >"$RUN/notes-1234.txt"
# ... nor files whose names only look like natgw's
for f in natgw-7.conf confirm-3.txt lock-42 applied-natgw-1234.yaml.bak natgw-1234.sock.old; do
	echo keep >"$RUN/$f"
done
# namespaces that are alive though no process is in them: one kept open by
# a descriptor of this shell, and one bind-mounted by ip netns; their
# records stay, also when the apply runs in a container (a PID namespace
# of its own) that sees neither
unshare --net sleep 30 &
KEEPER=$!
sleep 0.2
exec 7</proc/$KEEPER/ns/net
kill $KEEPER; wait $KEEPER 2>/dev/null
FDINO=$(stat -L -c %i /proc/self/fd/7)
echo keep >"$RUN/applied-natgw-$FDINO.yaml"
LIMIT=10 on router env NATGW_RUN_DIR="$RUN" unshare --pid --fork --mount-proc \
	"$NGW_BIN" apply "$NGW_TMP/two.yaml" >"$NGW_TMP/g-container.out" 2>&1
check "(g) an apply in a container with its own PID namespace" test $? -eq 0
check "(g) ... leaves a record of a namespace the container cannot see (it is alive)" \
	test -f "$RUN/applied-natgw-$FDINO.yaml"
check "(g) ... and the leftovers of namespaces it cannot judge" test -f "$RUN/applied-natgw-1234.yaml"
ngw g-apply "$RUN" apply "$NGW_TMP/one.yaml"
status_is "(g) apply" 0 g-apply
for f in "$REC.99999.deadbeef.tmp" applied-natgw-1234.yaml lock-natgw-1234 \
	applied-natgw-1234.yaml.4242.beef.tmp confirm-natgw-1234.sock natgw-1234.sock; do
	check_fails "(g) $f is gone" 1 test -e "$RUN/$f"
done
check "(g) this namespace's record is there" test -f "$RUN/$REC"
check "(g) a namespace kept only by an open descriptor keeps its record" \
	test -f "$RUN/applied-natgw-$FDINO.yaml"
exec 7<&-
rm -f "$RUN/applied-natgw-$FDINO.yaml"
check "(g) the other namespace's record stays" test -f "$RUN/applied-natgw-$OINO.yaml"
check "(g) another table's temporary file stays" test -f "$RUN/applied-other-$INO.yaml.4343.f00d.tmp"
check "(g) a file that is not natgw's stays" test -f "$RUN/notes-1234.txt"
for f in natgw-7.conf confirm-3.txt lock-42 applied-natgw-1234.yaml.bak natgw-1234.sock.old; do
	check "(g) $f, not a name natgw gives, stays" test -f "$RUN/$f"
	rm -f "$RUN/$f"
done
rm -f "$RUN/applied-natgw-$OINO.yaml" "$RUN/applied-other-$INO.yaml.4343.f00d.tmp" \
	"$RUN/notes-1234.txt"

# 100,000 forwards, applies killed with SIGKILL midway
bash "$GEN" 100000 >"$NGW_TMP/big.yaml"
bash "$GEN" 5 >"$NGW_TMP/small.yaml"
for t in 0.2 0.5 1; do
	bg router "$NGW_BIN" apply "$NGW_TMP/big.yaml" >/dev/null 2>&1
	sleep "$t"
	kill -KILL "${NGW_PIDS[-1]}" 2>/dev/null
	wait "${NGW_PIDS[-1]}" 2>/dev/null
	forget "${NGW_PIDS[-1]}"
done
# and one killed while it writes its record
bg router "$NGW_BIN" apply "$NGW_TMP/big.yaml" >/dev/null 2>&1
for _ in $(seq 2000); do
	compgen -G "$RUN/$REC.*.tmp" >/dev/null && break
	kill -0 "${NGW_PIDS[-1]}" 2>/dev/null || break
	sleep 0.005
done
kill -KILL "${NGW_PIDS[-1]}" 2>/dev/null
wait "${NGW_PIDS[-1]}" 2>/dev/null
forget "${NGW_PIDS[-1]}"
# the kill may come after the record was renamed into place (a busy
# machine): then leave what a kill a moment earlier would have left, so the
# next apply has a temporary file to remove either way
compgen -G "$RUN/$REC.*.tmp" >/dev/null || head -c 1M /dev/urandom >"$RUN/$REC.4321.beef.tmp"
check "(g) (a killed apply's temporary file is there)" compgen -G "$RUN/$REC.*.tmp"
# (removing 100,000 forwards takes the kernel a while)
LIMIT=60 ngw g-small "$RUN" apply "$NGW_TMP/small.yaml"
status_is "(g) after them, apply of 5 forwards" 0 g-small
check_fails "(g) leaves no temporary file" 1 compgen -G "$RUN/*.tmp"
ngw g-plan "$RUN" plan "$NGW_TMP/small.yaml"
status_is "(g) plan" 0 g-plan
check_output "(g) finds nothing to change" '^natgw: no changes \(5 rules in table inet natgw\)$' out g-plan
check_output "(g) the kernel holds exactly the 5 forwards" '^f0 f1 f2 f3 f4$' names
check "the file the links led to is still untouched" precious

finish
