#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The natgw command line: help, version, usage errors, file errors, output
# forms. Each case states the exact exit status and output it expects.
set -u
natgw=$(realpath "$1")
completion=$(realpath "$(dirname "$0")/../gateway/dist/natgw.bash-completion")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# the files written here are writable by their owner alone, whatever the
# caller's umask: natgw warns of a configuration others can change
umask 022
# natgw's runtime files (and a daemon's socket) of this run only, not the machine's
export NATGW_RUN_DIR=$tmp/run
passed=0 failed=0

# expect STATUS "description" -- command...   (stdout in out, stderr in err)
expect() {
	local want=$1 what=$2
	shift 3
	"$@" >out 2>err
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $what: exit status $rc, expected $want" >&2
		sed 's/^/  stdout: /' out >&2
		sed 's/^/  stderr: /' err >&2
	fi
}

# same FILE "text": the file holds exactly text (plus a final newline)
same() {
	if [ "$(cat "$1")" = "$2" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $1 is not as expected" >&2
		diff <(printf '%s\n' "$2") "$1" | sed 's/^/  /' >&2
	fi
}

# has FILE REGEX
has() {
	if grep -Eq -- "$2" "$1"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $1 does not match /$2/:" >&2
		sed 's/^/  /' "$1" >&2
	fi
}

# unpriv COMMAND...: without root's privileges (as nobody, when run as root
# and setpriv is there), so that a command cannot touch this machine's tables
can_unpriv=true
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || can_unpriv=false
	chmod 755 "$tmp"
fi
# json_error MESSAGE: that document for one system error
json_error() {
	printf '{"error":"%s","diagnostics":[{"severity":"error","line":0,"column":0,"message":"%s"}]}' \
		"$1" "$1"
}

unpriv() {
	if [ "$(id -u)" -eq 0 ] && $can_unpriv; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
			--bounding-set=-all "$@"
	else
		"$@"
	fi
}

cat >three.yaml <<'YAML'
version: 1
gateway:
  wan: eth0
forwards:
  - name: web
    port: 443
    to: 192.0.2.10
  - name: ssh
    port: 22
    to: 192.0.2.11
  - name: old
    port: 8080
    to: 192.0.2.12
    enabled: false
snat:
  - name: phone
    proto: udp
    from: 192.0.2.30:5060
    to: 203.0.113.5:15060
  - name: lan-out
    from: 192.0.2.0/24
YAML
cat >one.yaml <<'YAML'
version: 1
gateway:
  wan: eth0
forwards:
  - name: web
    port: 443
    to: 192.0.2.10
snat:
  - name: lan-out
    from: 192.0.2.0/24
YAML
cat >bad.yaml <<'YAML'
version: 1
forwards:
  - name: web
    port: 70000
    to: 192.0.2.10
YAML

# --- version and help
expect 0 "--version" -- "$natgw" --version
has out '^natgw [0-9]+\.[0-9]+\.[0-9]+$'
expect 0 "--help" -- "$natgw" --help
has out '^Usage: natgw '
has out '^  check '
expect 0 "-h" -- "$natgw" -h
has out '^Usage: natgw '
expect 0 "check --help" -- "$natgw" check --help
has out '^Usage: natgw check '
expect 0 "help after other options" -- "$natgw" check -c one.yaml --help
has out '^Usage: natgw check '

# --- usage errors: exit 2, a message and a hint on stderr, nothing on stdout
expect 2 "no command" -- "$natgw"
has err 'Usage: natgw'
expect 2 "unknown command" -- "$natgw" frobnicate
same err "natgw: unknown command 'frobnicate'
Try 'natgw --help'."
expect 2 "unknown global option" -- "$natgw" --frobnicate check
has err "unknown or incomplete option '--frobnicate'"
expect 2 "unknown check option" -- "$natgw" check --frobnicate one.yaml
same err "natgw: unknown or incomplete option '--frobnicate'
Try 'natgw check --help'."
expect 2 "-c without its argument" -- "$natgw" check -c
has err "unknown or incomplete option '-c'"
expect 2 "two files" -- "$natgw" check one.yaml three.yaml
has err 'one configuration file at a time'
expect 2 "-c and a different file" -- "$natgw" check -c one.yaml three.yaml
has err 'the file is given twice'
expect 2 "--print with --json" -- "$natgw" check --print --json one.yaml
has err 'cannot be combined'
# a usage error too is one JSON document with --json on the command line
same out "$(json_error "--print and --json cannot be combined")"
expect 2 "a usage error with --json before the command" -- "$natgw" --json mappings --proto icmp
same out "$(json_error "--proto takes tcp or udp, not 'icmp'")"
# a file name need not be UTF-8; the JSON document stays valid (U+FFFD)
expect 3 "--json of a file name that is not UTF-8" -- "$natgw" check --json $'gone\xff\xc3\xa9.yaml'
same out "$(json_error 'cannot read gone\ufffd\u00e9.yaml: No such file or directory' |
	sed 's/\\u00e9/\xc3\xa9/g')"
expect 2 "... and after it" -- "$natgw" check --json --frobnicate one.yaml
same out "$(json_error "unknown or incomplete option '--frobnicate'")"

# --- success output
expect 0 "valid file" -- "$natgw" check three.yaml
same out "three.yaml: ok: 3 forwards (1 disabled), 2 snat rules"
same err ""
expect 0 "singular counts" -- "$natgw" check one.yaml
same out "one.yaml: ok: 1 forward, 1 snat rule"
expect 0 "-c FILE" -- "$natgw" check -c one.yaml
same out "one.yaml: ok: 1 forward, 1 snat rule"
expect 0 "global -c before the command" -- "$natgw" -c one.yaml check
same out "one.yaml: ok: 1 forward, 1 snat rule"
expect 0 "-c and the same file" -- "$natgw" check -c one.yaml one.yaml
expect 0 "-q" -- "$natgw" check -q three.yaml
same out ""
same err ""
expect 0 "-v says how long" -- "$natgw" check -v one.yaml
has err '^natgw: checked one.yaml in [0-9]+\.[0-9] ms, peak memory [0-9]+\.[0-9] MiB$'
expect 0 "stdin" -- sh -c "printf 'version: 1\n' | '$natgw' check -"
same out "<stdin>: ok: 0 forwards, 0 snat rules"
# an empty file is what a truncating editor leaves for a moment: never "no rules"
expect 1 "empty file" -- sh -c ": >empty.yaml; '$natgw' check empty.yaml"
same err 'empty.yaml:1:1: error: the file is empty; write "version: 1" for a configuration with no rules
1 error'
same out ""
expect 1 "a file of comments and blank lines is empty" -- \
	sh -c "printf '# natgw\n\n# no rules yet\n' >comments.yaml; '$natgw' check comments.yaml"
same err 'comments.yaml:1:1: error: the file is empty; write "version: 1" for a configuration with no rules
1 error'
expect 1 "empty stdin" -- sh -c "'$natgw' check - </dev/null"
same err '<stdin>:1:1: error: the file is empty; write "version: 1" for a configuration with no rules
1 error'
expect 1 "--json of an empty file" -- "$natgw" check --json empty.yaml
same out '{"file":"empty.yaml","valid":false,"forwards":0,"forwards_disabled":0,"snat":0,"errors":1,"warnings":0,"diagnostics":[{"severity":"error","line":1,"column":1,"message":"the file is empty; write \"version: 1\" for a configuration with no rules"}]}'

# --- JSON
expect 0 "--json valid" -- "$natgw" check --json three.yaml
same out '{"file":"three.yaml","valid":true,"forwards":3,"forwards_disabled":1,"snat":2,"errors":0,"warnings":0,"diagnostics":[]}'
expect 1 "--json invalid" -- "$natgw" check --json bad.yaml
same out '{"file":"bad.yaml","valid":false,"forwards":0,"forwards_disabled":0,"snat":0,"errors":1,"warnings":0,"diagnostics":[{"severity":"error","line":4,"column":11,"message":"forward \"web\": port 70000 is out of range (1-65535)"}]}'
same err ""

# --- invalid file: exit 1, diagnostics and count on stderr, stdout empty
expect 1 "invalid file" -- "$natgw" check bad.yaml
same err 'bad.yaml:4:11: error: forward "web": port 70000 is out of range (1-65535)
1 error'
same out ""
expect 1 "--print of an invalid file prints no ruleset" -- "$natgw" check --print bad.yaml
same out ""

# --- files that cannot be read: exit 3
expect 3 "missing file" -- "$natgw" check missing.yaml
same err "natgw: cannot read missing.yaml: No such file or directory"
expect 3 "missing directory" -- "$natgw" check no/such/dir/natgw.yaml
same err "natgw: cannot read no/such/dir/natgw.yaml: No such file or directory"
mkdir adir
expect 3 "a directory" -- "$natgw" check adir
same err "natgw: cannot read adir: Is a directory"
ln -s loop1 loop2 && ln -s loop2 loop1
expect 3 "a symlink loop" -- "$natgw" check loop1
same err "natgw: cannot read loop1: Too many levels of symbolic links"

# --- size limit: 16 MiB, said before reading, for files and for pipes
truncate -s 17M huge.yaml
expect 1 "over-size file" -- "$natgw" check huge.yaml
same err "huge.yaml: error: the file is 17825792 bytes; natgw reads at most 16 MiB
1 error"
# a closed stdin is no empty file: nothing to read, not "no rules"
expect 3 "closed stdin" -- sh -c "'$natgw' check - <&-"
same err "natgw: cannot read -: Bad file descriptor"
# a closed stdout: no socket natgw opens takes its place, output fails
expect 0 "closed stdout" -- sh -c "printf 'version: 1\n' | '$natgw' check - >&-"
expect 1 "over-size stdin" -- sh -c "head -c 17825792 /dev/zero | '$natgw' check -"
has err '^<stdin>: error: the file is [0-9]+ bytes or more; natgw reads at most 16 MiB$'
truncate -s $((16 * 1024 * 1024 - 11)) limit.yaml
expect 0 "exactly 16 MiB, version: 1 and blank lines, is read" -- \
	sh -c "{ printf 'version: 1\\n'; tr '\\0' '\\n' <limit.yaml; } >lines.yaml && '$natgw' check lines.yaml"
same out "lines.yaml: ok: 0 forwards, 0 snat rules"
has_size() { [ "$(stat -c %s "$1")" -eq "$2" ] && passed=$((passed + 1)) ||
	{ failed=$((failed + 1)); echo "FAIL: $1 is $(stat -c %s "$1") bytes, not $2" >&2; }; }
has_size lines.yaml $((16 * 1024 * 1024))

# --- who can change the file: warned of (as sshd's StrictModes), never refused
gid=$(id -g)
tail_file="whoever can change it decides what natgw applies; make it root's and writable by root alone (chown root, chmod go-w)"
tail_dir="whoever can write to it can replace the file; make it root's and writable by root alone (chown root, chmod go-w)"
mkdir perm
printf 'version: 1\n' >perm/mine.yaml
expect 0 "a file only its owner can write, in such a directory: no warning" -- "$natgw" check perm/mine.yaml
same err ""
install -m 664 perm/mine.yaml perm/group.yaml
expect 0 "a group-writable file: a warning, and still valid" -- "$natgw" check perm/group.yaml
same out "perm/group.yaml: ok: 0 forwards, 0 snat rules"
same err "perm/group.yaml: warning: the file is writable by group $gid (mode 0664): $tail_file
1 warning"
expect 0 "... counted in --json, for the whole file (line 0)" -- "$natgw" check --json perm/group.yaml
has out '"valid":true,.*"errors":0,"warnings":1,"diagnostics":\[\{"severity":"warning","line":0,"column":0,"message":"the file is writable by group'
install -m 666 perm/mine.yaml perm/anyone.yaml
expect 0 "a world-writable file" -- "$natgw" check perm/anyone.yaml
same err "perm/anyone.yaml: warning: the file is writable by group $gid and by every user (mode 0666): $tail_file
1 warning"
install -m 602 perm/mine.yaml perm/other.yaml
expect 0 "writable by others but not the group" -- "$natgw" check perm/other.yaml
same err "perm/other.yaml: warning: the file is writable by every user (mode 0602): $tail_file
1 warning"
expect 0 "standard input is not a file natgw can judge" -- sh -c "'$natgw' check - <perm/anyone.yaml"
same err ""
expect 1 "an invalid file: its errors, and the warning" -- \
	sh -c "printf 'version: 2\n' >perm/bad.yaml && chmod 666 perm/bad.yaml && '$natgw' check perm/bad.yaml"
same err "perm/bad.yaml: warning: the file is writable by group $gid and by every user (mode 0666): $tail_file
perm/bad.yaml:1:10: error: version 2 is not supported; this natgw reads version 1
1 error, 1 warning"
mkdir open && chmod 777 open && cp perm/mine.yaml open/natgw.yaml
expect 0 "a world-writable directory" -- "$natgw" check open/natgw.yaml
same err "open/natgw.yaml: warning: the directory open is writable by group $gid and by every user (mode 0777): $tail_dir
1 warning"
mkdir grp && chmod 775 grp && cp perm/mine.yaml grp/natgw.yaml
expect 0 "a group-writable directory" -- "$natgw" check grp/natgw.yaml
same err "grp/natgw.yaml: warning: the directory grp is writable by group $gid (mode 0775): $tail_dir
1 warning"
mkdir sticky && chmod 1777 sticky && cp perm/mine.yaml sticky/natgw.yaml
expect 0 "a sticky directory (like /tmp): only the file's owner may replace it there" -- \
	"$natgw" check sticky/natgw.yaml
same err ""
chmod 666 open/natgw.yaml
expect 0 "the file and its directory: one warning each" -- "$natgw" check open/natgw.yaml
same err "open/natgw.yaml: warning: the file is writable by group $gid and by every user (mode 0666): $tail_file
open/natgw.yaml: warning: the directory open is writable by group $gid and by every user (mode 0777): $tail_dir
2 warnings"
chmod 644 open/natgw.yaml
ln -s ../open/natgw.yaml perm/link.yaml
expect 0 "a symbolic link: the directory it leads to counts too" -- "$natgw" check perm/link.yaml
same err "perm/link.yaml: warning: the directory $(realpath open), where the file is, is writable by group $gid and by every user (mode 0777): $tail_dir
1 warning"
printf 'version: 1\n' >here.yaml
expect 0 "a file in the current directory" -- "$natgw" check here.yaml
same err ""
if [ "$(id -u)" -eq 0 ]; then
	install -m 644 -o 65534 perm/mine.yaml perm/nobody.yaml
	expect 0 "a file another user owns" -- "$natgw" check perm/nobody.yaml
	same err "perm/nobody.yaml: warning: the file is owned by uid 65534: $tail_file
1 warning"
	install -m 664 -o 65534 perm/mine.yaml perm/nobody-group.yaml
	expect 0 "... and group-writable" -- "$natgw" check perm/nobody-group.yaml
	same err "perm/nobody-group.yaml: warning: the file is owned by uid 65534, and writable by group $gid (mode 0664): $tail_file
1 warning"
	mkdir theirs && cp perm/mine.yaml theirs/natgw.yaml && chown 65534 theirs
	expect 0 "a directory another user owns" -- "$natgw" check theirs/natgw.yaml
	same err "theirs/natgw.yaml: warning: the directory theirs is owned by uid 65534: $tail_dir
1 warning"
fi
chmod 755 open grp

# --- the kernel commands: help and usage need no kernel
for cmd in plan apply show down mappings flush confirm run reload; do
	expect 0 "$cmd --help" -- "$natgw" "$cmd" --help
	has out "^Usage: natgw $cmd "
	expect 2 "$cmd with an unknown option" -- "$natgw" "$cmd" --frobnicate
	has err "Try 'natgw $cmd --help'"
done
expect 2 "show takes no file argument" -- "$natgw" show one.yaml
expect 2 "apply --confirm takes seconds" -- "$natgw" apply --confirm soon one.yaml
has err "--confirm takes seconds \(1-86400\), not 'soon'"
expect 2 "apply --confirm 0 is no confirm" -- "$natgw" apply --confirm 0 one.yaml
expect 2 "apply --confirm has an upper bound" -- "$natgw" apply --confirm 86401 one.yaml
expect 2 "run takes the file after -c" -- "$natgw" run one.yaml
has err "unexpected argument 'one.yaml' \(the file goes after -c\)"
expect 2 "run does not read standard input" -- "$natgw" run -c -
expect 2 "run logs text" -- "$natgw" --json run -c one.yaml
expect 1 "run with an invalid file does not start" -- "$natgw" run -c bad.yaml
has err 'bad\.yaml:4:11: error: '
expect 2 "confirm takes no file argument" -- "$natgw" confirm one.yaml
expect 3 "mappings --cached needs the daemon" -- "$natgw" mappings --cached
same err "natgw: --cached asks natgw run for its table, and no daemon is running"
expect 3 "... and says so in JSON with --json" -- "$natgw" --json mappings --cached
same out '{"error":"--cached asks natgw run for its table, and no daemon is running","diagnostics":[{"severity":"error","line":0,"column":0,"message":"--cached asks natgw run for its table, and no daemon is running"}]}'
expect 2 "mappings --proto takes tcp or udp" -- "$natgw" mappings --proto icmp
has err "mappings: --proto takes tcp or udp|--proto takes tcp or udp, not 'icmp'"
expect 1 "plan of an invalid file" -- "$natgw" plan bad.yaml
has err 'bad\.yaml:4:11: error: '
expect 1 "apply of an invalid file touches nothing" -- "$natgw" apply bad.yaml
has err 'bad\.yaml:4:11: error: '
expect 0 "plan --nft needs no kernel" -- "$natgw" plan --nft three.yaml
has out '^table inet natgw \{$'
has out 'comment "web" : 0x4e59bf66'
expect 1 "plan --nft of an invalid file" -- "$natgw" plan --nft bad.yaml
same out ""
# --- a forwarded UDP port that a full-cone rule's mappings could be given
cat >cone.yaml <<'YAML'
version: 1
gateway:
  wan: eth0
forwards:
  - name: web
    port: 443
    to: 192.0.2.10
  - name: game
    proto: udp
    port: 7000
    to: 192.0.2.20
  - name: voice
    proto: both
    port: 9000-9009
    to: 192.0.2.21
  - name: lte
    proto: udp
    port: 7100
    to: 192.0.2.22
    in: wwan0
snat:
  - name: console
    from: 192.0.2.40
    proto: udp
    endpoint_independent: true
YAML
expect 0 "check warns of forwarded ports a full-cone rule could take" -- "$natgw" check cone.yaml
same err 'cone.yaml:25:27: warning: snat "console": forward "game" (cone.yaml:8:5) takes udp port 7000 (and 1 more forward); endpoint-independent mappings are never given a forwarded port, so a full-cone socket sending from one gets another
1 warning'
expect 0 "... and counts it in --json" -- "$natgw" check --json cone.yaml
has out '"warnings":1,'
sed -e '/name: game/,/to: 192.0.2.20/d' -e '/name: voice/,/to: 192.0.2.21/d' cone.yaml >cone-quiet.yaml
expect 0 "no warning for tcp forwards and forwards on another interface" -- \
	"$natgw" check cone-quiet.yaml
same err ""

printf 'version: 1\nsnat:\n  - name: c\n    from: 0.0.0.0/0\n    proto: udp\n    endpoint_independent: true\n' \
	>cone-nolan.yaml
expect 0 "check warns of a full-cone rule that cannot tell the LAN from the WAN" -- \
	"$natgw" check cone-nolan.yaml
same err 'cone-nolan.yaml:6:27: warning: snat "c": with neither `out` (or gateway.wan) nor gateway.lan, natgw cannot tell a WAN host that `from` covers from a LAN host; only the route back to its source is checked. Name the LAN in gateway.lan
1 warning'

# --- natgw help [COMMAND]: the overview, or that command's help
"$natgw" --help >overview.txt
expect 0 "help" -- "$natgw" help
same out "$(cat overview.txt)"
has out '^  help      show the help of a command \(natgw help COMMAND\)$'
for cmd in check plan apply confirm show mappings flush down run reload doctor; do
	"$natgw" "$cmd" --help >"help-$cmd.txt"
	expect 0 "help $cmd" -- "$natgw" help "$cmd"
	same out "$(cat "help-$cmd.txt")"
	same err ""
done
expect 0 "help help" -- "$natgw" help help
same out "Usage: natgw help [COMMAND]

Show the help of COMMAND (what \`natgw COMMAND --help\` shows), or without
one the overview of every command.

Exit status: 0 success, 2 usage error (no such command)."
expect 0 "help --help" -- "$natgw" help --help
has out '^Usage: natgw help \[COMMAND\]$'
expect 2 "help of an unknown command" -- "$natgw" help frobnicate
same err "natgw: unknown command 'frobnicate'
Try 'natgw --help'."
same out ""
expect 2 "help of two commands" -- "$natgw" help apply plan
same err "natgw: unexpected argument 'plan'
Try 'natgw help --help'."
same out ""

# --- option combinations that make no sense: usage errors, before any work
expect 2 "mappings --watch --count" -- unpriv "$natgw" mappings --watch --count
same err "natgw: --watch and --count cannot be combined (--count is one figure, --watch a stream)
Try 'natgw mappings --help'."
same out ""
expect 2 "mappings --watch --cached" -- unpriv "$natgw" mappings -w --cached
same err "natgw: --watch and --cached cannot be combined (--watch follows conntrack itself)
Try 'natgw mappings --help'."
expect 2 "plan --nft --json" -- "$natgw" plan --nft --json one.yaml
same err "natgw: --nft and --json cannot be combined (--nft writes an nft script)
Try 'natgw plan --help'."
same out "$(json_error "--nft and --json cannot be combined (--nft writes an nft script)")"
# -q is global: commands whose output is their result take it and print
# the result (here: refused by the kernel without root, not by the parser)
for cmd in show mappings "plan one.yaml"; do
	expect 3 "$cmd -q is no usage error" -- unpriv "$natgw" -q $cmd
done
for cmd in down confirm; do
	expect 2 "$cmd --json" -- unpriv "$natgw" "$cmd" --json
	same err "natgw: --json: $cmd prints no data, only a message
Try 'natgw $cmd --help'."
	same out "$(json_error "--json: $cmd prints no data, only a message")"
done

# --- with --json, every outcome is one JSON document on stdout, errors too:
# {"error": the first error's message, "diagnostics": every message as
# check --json lists them}; the text stays on stderr
bad_json='{"error":"forward \"web\": port 70000 is out of range (1-65535)","diagnostics":[{"severity":"error","line":4,"column":11,"message":"forward \"web\": port 70000 is out of range (1-65535)"}]}'
for cmd in plan apply; do
	expect 1 "$cmd --json of an invalid file" -- "$natgw" "$cmd" --json bad.yaml
	same out "$bad_json"
	same err 'bad.yaml:4:11: error: forward "web": port 70000 is out of range (1-65535)
1 error'
	expect 3 "$cmd --json of a missing file" -- "$natgw" "$cmd" --json missing.yaml
	same out "$(json_error "cannot read missing.yaml: No such file or directory")"
	same err "natgw: cannot read missing.yaml: No such file or directory"
done
expect 3 "check --json of a missing file" -- "$natgw" check --json missing.yaml
same out "$(json_error "cannot read missing.yaml: No such file or directory")"
same err "natgw: cannot read missing.yaml: No such file or directory"
expect 1 "show --json with an invalid -c file" -- "$natgw" show --json -c bad.yaml
same out "$(json_error "bad.yaml is not valid (see natgw check); cannot tell which table it names")"
same err "natgw: bad.yaml is not valid (see natgw check); cannot tell which table it names"
# what the kernel refuses (no root: no CAP_NET_ADMIN)
if $can_unpriv; then
	needs_root="reading table inet natgw: Operation not permitted: natgw needs root (CAP_NET_ADMIN)"
	for cmd in show mappings flush; do
		expect 3 "$cmd --json without privileges" -- unpriv "$natgw" "$cmd" --json -c one.yaml
		same out "$(json_error "$needs_root")"
		same err "natgw: $needs_root"
	done
	expect 3 "mappings --watch --json without privileges" -- unpriv "$natgw" mappings -w --json -c one.yaml
	same out "$(json_error "$needs_root")"
	expect 3 "mappings --count --json without privileges" -- unpriv "$natgw" mappings --count --json -c one.yaml
	same out "$(json_error "$needs_root")"
	expect 3 "plan --json without privileges" -- unpriv "$natgw" plan --json one.yaml
	same out "$(json_error "$needs_root")"
	same err "natgw: $needs_root"
	expect 3 "apply --json without privileges" -- unpriv "$natgw" apply --json one.yaml
	has err '^natgw: .*nothing was applied$'
	same out "$(json_error "$(sed 's/^natgw: //' err)")"
	expect 3 "reload --json without privileges (no daemon: apply)" -- unpriv "$natgw" reload --json -c one.yaml
	same out "$(json_error "$(sed 's/^natgw: //' err)")"
fi

# --- check -v: its timing line comes after the result, also in one file
expect 0 "check -v 2>&1: the result, then the timing" -- sh -c "'$natgw' check -v one.yaml 2>&1"
same out "one.yaml: ok: 1 forward, 1 snat rule
$(sed -n 2p out)"
has out '^natgw: checked one.yaml in [0-9]+\.[0-9] ms, peak memory [0-9]+\.[0-9] MiB$'

# --- bash completion: each command's options as its getopt table has them,
# and an option's argument as that command means it
complete_words() {	# complete_words WORD...: what <TAB> after them offers
	bash -c '
		_init_completion() {
			words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
			cur=${words[cword]}; prev=${words[cword - 1]}
		}
		_filedir() { COMPREPLY=("<files>"); }
		. "$1"; shift
		COMP_WORDS=(natgw "$@"); COMP_CWORD=$#
		_natgw
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$completion" "$@"
}
check_completion() {	# check_completion "WORDS" "EXPECTED"
	local got
	# shellcheck disable=SC2086
	got=$(complete_words $1)
	if [ "$got" = "$2" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: completion of 'natgw $1': '$got', expected '$2'" >&2
	fi
}
check_completion "check -p ''" "<files> "
check_completion "check --print ''" "<files> "
check_completion "mappings -p ''" "tcp udp "
check_completion "mappings --proto ''" "tcp udp "
check_completion "check -c ''" "<files> "
check_completion "help ''" "apply check confirm doctor down flush help mappings plan reload run show "
check_completion "''" "--config --help --json --quiet --verbose --version -c -h -q -v apply check confirm doctor down flush help mappings plan reload run show "
check_completion "check -" "--config --help --json --print --quiet --verbose -c -h -p -q -v "
check_completion "plan -" "--config --help --json --nft --verbose -c -h -v "
check_completion "apply -" "--config --confirm --help --json --quiet --verbose -c -h -q -v "
check_completion "confirm -" "--config --help -c -h "
check_completion "show -" "--config --help --json -c -h "
check_completion "mappings -" "--cached --config --count --help --json --proto --rule --watch -c -h -p -r -w "
check_completion "flush -" "--config --help --json --quiet --rule -c -h -q -r "
check_completion "down -" "--config --help --quiet -c -h -q "
check_completion "run -" "--config --help --verbose -c -h -v "
check_completion "reload -" "--config --help --json --quiet --verbose -c -h -q -v "
check_completion "doctor -" "--config --from --help --json --seconds --trace -c -h "
expect 0 "natgw help doctor" -- "$natgw" help doctor
has out '^Usage: natgw doctor \[-c FILE\] \[--json\] \[FILE\]$'
has out '^       natgw doctor --trace RULE \[--from ADDR\] \[--seconds N\] \[-c FILE\] \[--json\]$'
expect 2 "doctor: one file at a time" -- "$natgw" doctor one.yaml three.yaml
expect 2 "doctor: --from is for --trace" -- "$natgw" doctor --from 203.0.113.1
has err '^natgw: --from is for --trace RULE$'
expect 2 "doctor: --seconds is for --trace" -- "$natgw" doctor --seconds 3
has err '^natgw: --seconds is for --trace RULE$'
expect 3 "doctor of an invalid file cannot look" -- "$natgw" doctor bad.yaml
has err 'bad\.yaml:4:11: error: '
expect 3 "doctor --json of an invalid file: exit 3" -- "$natgw" doctor --json bad.yaml
has out '^\{"error":".*","diagnostics":\[\{"severity":"error","line":4,"column":11,'
expect 3 "doctor --json of a missing file: exit 3" -- "$natgw" doctor --json nothere.yaml
has out '^\{"error":"cannot read nothere\.yaml: No such file or directory",'

check_completion "doctor ''" "<files> "
# every option offered is one the command's getopt table takes
for cmd in check plan apply confirm show mappings flush down run reload doctor; do
	for opt in $(complete_words "$cmd" -); do
		case $opt in
		-c | --config) args=("$opt" one.yaml) ;;
		-r | --rule) args=("$opt" web) ;;
		--confirm) args=("$opt" 30) ;;
		-p) [ "$cmd" = mappings ] && args=("$opt" tcp) || args=("$opt") ;;
		--proto) args=("$opt" tcp) ;;
		--trace) args=("$opt" web) ;;
		--from) args=("$opt" 203.0.113.1) ;;
		--seconds) args=("$opt" 3) ;;
		*) args=("$opt") ;;
		esac
		expect 0 "$cmd takes $opt" -- "$natgw" "$cmd" "${args[@]}" --help
		has out "^Usage: natgw $cmd "
	done
done

# without root (CAP_NET_ADMIN) the kernel refuses, and natgw says why
if [ "$(id -u)" -eq 0 ] && $can_unpriv; then
	chmod 644 one.yaml
	expect 3 "apply without privileges" -- setpriv --reuid=nobody --regid=nogroup \
		--clear-groups --inh-caps=-all --bounding-set=-all "$natgw" apply one.yaml
	has err 'natgw needs root \(CAP_NET_ADMIN\)'
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
