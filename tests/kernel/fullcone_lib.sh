# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of the full-cone kernel tests (fullcone_attack.sh, fullcone_review.sh):
# sockets as the probe writes them, probes in the background, and checks of
# what reaches whom. Source it after lib.sh.

# sock ADDR PORT: a socket as the probe writes it
sock() {
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*) echo "$1:$2" ;;
	esac
}
# re TEXT: an extended regular expression matching TEXT
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
# sock_re ADDR [PORT]: a regular expression of the socket, any port without PORT
sock_re() { re "$(sock "$1" X)" | sed "s/X\$/${2:-[0-9]+}/"; }
# the address and the port of a socket
sock_addr() { local a=${1%:*}; a=${a#[}; echo "${a%]}"; }
sock_port() { echo "${1##*:}"; }

# check_exit WHAT STATUS REGEX COMMAND...: COMMAND must exit with STATUS and
# print a line matching REGEX
check_exit() {
	local what=$1 want=$2 regex=$3 rc
	shift 3
	"$@" >"$NGW_TMP/check.out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$regex" "$NGW_TMP/check.out"; then
		NGW_PASSED=$((NGW_PASSED + 1))
	else
		failed "$what: expected exit status $want and /$regex/, got $rc"
		sed 's/^/  | /' "$NGW_TMP/check.out" >&2
	fi
}

# record NODE ADDR PORT FILE: a server that answers like serve and writes a
# line per datagram it received ("peer=... local=... data=...") to FILE
record() {
	local ready="$NGW_TMP/ready.$RANDOM$RANDOM"
	bg "$1" "$NGW_PROBE" record udp "$2" "$3" --ready "$ready" >"$NGW_TMP/$4"
	for _ in $(seq 100); do
		[ -e "$ready" ] && return 0
		sleep 0.02
	done
	echo "record $*: the server did not start" >&2
	return 1
}

# stop PID: end a background probe of this test
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget "$1"
}

# told FILE REMOTE: the first socket REMOTE said it saw, from a udppeer's
# output in FILE (waits for it up to 3 s; nothing when there is none)
told() {
	local r s
	r=$(re "$2")
	for _ in $(seq 60); do
		s=$(sed -n "s/^from $r: peer=\([^ ]*\) .*/\1/p" "$NGW_TMP/$1" | head -n 1)
		[ -n "$s" ] && { echo "$s"; return 0; }
		sleep 0.05
	done
	return 0
}

# udppeer NODE FILE ADDR PORT REMOTE SECONDS [EVERY_MS]: a socket sending to
# REMOTE every 300 ms (or EVERY_MS; a first datagram may be lost), answering
# anyone else
udppeer() {
	bg "$1" "$NGW_PROBE" udppeer udp "$3" "$4" --to "$5" --every "${7:-300}" --seconds "$6" \
		>"$NGW_TMP/$2"
}

# answers FILE REMOTE SOCKET: how many answers of REMOTE in a udppeer's FILE
# say it saw SOCKET
answers() { grep -c "^from $(re "$2"): peer=$(re "$3") " "$NGW_TMP/$1"; }
# more_answers FILE REMOTE SOCKET N: more than N now (the file is printed)
more_answers() {
	cat "$NGW_TMP/$1"
	[ "$(answers "$1" "$2" "$3")" -gt "$4" ]
}

# reaches WHAT SRC SPORT DST WANT: a datagram from SRC (port SPORT, any when
# empty) on the client to the socket DST is answered by the LAN socket WANT
reaches() {
	local what=$1 src=$2 sport=$3 dst=$4 want=$5
	if [ -z "$dst" ]; then
		failed "$what: there is no socket to send to (nothing was told)"
		return
	fi
	check_output "$what" "^peer=$(sock_re "$src" "$sport") local=$(re "$want")\$" \
		on client "$NGW_PROBE" connect udp "$(sock_addr "$dst")" "$(sock_port "$dst")" \
		--from "$src" ${sport:+--sport "$sport"} --timeout 1000
}

# reaches_nobody WHAT SRC SPORT DST: no answer to a datagram from SRC to DST
reaches_nobody() {
	local what=$1 src=$2 sport=$3 dst=$4
	check_exit "$what" 1 '^natgw-probe: no answer: ' \
		on client "$NGW_PROBE" connect udp "$(sock_addr "$dst")" "$(sock_port "$dst")" \
		--from "$src" ${sport:+--sport "$sport"} --timeout 500
}

# empty FILE: the file is there and nothing was received (what was, is printed)
empty() {
	[ -e "$NGW_TMP/$1" ] || { echo "$1 is missing"; return 1; }
	cat "$NGW_TMP/$1"
	[ ! -s "$NGW_TMP/$1" ]
}

# no_match REGEX: standard input has no line matching REGEX (grep exits 1;
# the lines that match are printed)
no_match() {
	grep -E -- "$1"
	[ $? -eq 1 ]
}

# lacks FILE REGEX: the file is there and has no line matching REGEX
lacks() {
	[ -e "$NGW_TMP/$1" ] || { echo "$1 is missing"; return 1; }
	no_match "$2" <"$NGW_TMP/$1"
}
