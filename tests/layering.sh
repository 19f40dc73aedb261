#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# natgw's layers, checked on every #include (usage: layering.sh SOURCE_ROOT):
#  - rules/ is pure: no netlink header, and it links libyaml only;
#  - each folder of gateway/ is a library that may include its own headers,
#    those of the folders below it (the table here, as README.md draws it),
#    include/ and the system's; never a folder above, and compile/ (the pure
#    compiler) no netlink header either;
#  - gateway/CMakeLists.txt links each library to those below it only;
#  - below cli/, nothing writes to the process's stdout or stderr or ends
#    the process: library code returns -errno and diagnostics, renderers
#    write to the FILE * they are given.
set -u
top=$1
fail=0
bad() {
	echo "FAIL: $*" >&2
	fail=1
}

# ---- rules/ -------------------------------------------------------------
netlink='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](libmnl/|libnftnl/|linux/netlink|linux/netfilter|linux/rtnetlink)'
hits=$(grep -rnE "$netlink" "$top/rules" "$top/include" 2>/dev/null)
[ -z "$hits" ] || bad "netlink headers in the rules library:
$hits"
# the compiler may know the kernel's constants (NFPROTO_*), never netlink
hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](libmnl/|libnftnl/|linux/netlink|linux/rtnetlink|linux/netfilter/nfnetlink)' \
	"$top/gateway/compile" 2>/dev/null)
[ -z "$hits" ] || bad "netlink headers in gateway/compile/:
$hits"
links=$(grep -A3 'target_link_libraries(natgw_rules' "$top/rules/CMakeLists.txt" | tr -s ' \n' ' ')
case $links in
*PkgConfig::YAML*) ;;
*) bad "natgw_rules does not link libyaml: $links" ;;
esac
case $links in
*NFTNL* | *MNL*) bad "natgw_rules links a netlink library: $links" ;;
esac

# ---- gateway/: who may include whom ---------------------------------------
declare -A below=(
	[compile]=""
	[kernel]="compile"
	[conntrack]="kernel compile"
	[ctl]=""
	[apply]="conntrack kernel compile ctl"
	[doctor]="apply conntrack kernel compile"
	[out]="doctor apply conntrack kernel compile"
	[daemon]="out doctor apply conntrack kernel compile ctl"
	[cli]="daemon out doctor apply conntrack kernel compile ctl"
)
for dir in "$top"/gateway/*/; do
	folder=$(basename "$dir")
	[ "$folder" = dist ] && continue
	[ -n "${below[$folder]+set}" ] ||
		bad "gateway/$folder/ has no place in the layering table of tests/layering.sh"
done
n_files=0
for folder in "${!below[@]}"; do
	for file in "$top/gateway/$folder"/*.[ch]; do
		[ -e "$file" ] || continue
		n_files=$((n_files + 1))
		while IFS=: read -r line inc; do
			inc=${inc#*\"}
			inc=${inc%\"*}
			case $inc in
			natgw/*) [ -e "$top/include/$inc" ] || [ -e "$top/include/$inc.in" ] ||
					bad "${file#$top/}:$line: no include/$inc" ;;
			*/*)
				to=${inc%%/*}
				if [ "$to" = "$folder" ]; then
					bad "${file#$top/}:$line: \"$inc\": a folder's own headers go by their bare name"
				elif [[ " ${below[$folder]} " != *" $to "* ]]; then
					bad "${file#$top/}:$line: gateway/$folder/ includes \"$inc\", but may use only: ${below[$folder]:-nothing of gateway/}"
				elif [ ! -e "$top/gateway/$inc" ]; then
					bad "${file#$top/}:$line: no gateway/$inc"
				fi ;;
			*) [ -e "$top/gateway/$folder/$inc" ] ||
					bad "${file#$top/}:$line: \"$inc\" is not a header of gateway/$folder/" ;;
			esac
		done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file")
	done
done

# ---- gateway/CMakeLists.txt: each library links those below it -----------
while read -r lib folder deps; do
	for dep in $deps; do
		case $dep in
		natgw_rules | PkgConfig::* | Threads::*) continue ;;
		esac
		[[ " ${below[$folder]} " == *" ${dep#natgw_} "* ]] ||
			bad "gateway/CMakeLists.txt: $lib links $dep, which is not below $folder/"
	done
done < <(sed -nE 's/^natgw_library\(([a-z_]+) ([a-z]+) ?([^)]*)\)/\1 \2 \3/p' "$top/gateway/CMakeLists.txt")

# ---- below cli/: no printing to the process, no exit ----------------------
for folder in "${!below[@]}"; do
	[ "$folder" = cli ] && continue
	for file in "$top/gateway/$folder"/*.[ch]; do
		# code only: comments may speak of stderr
		hits=$(sed -E 's#/\*.*##; s#^[[:space:]]*\*.*##' "$file" |
		       grep -nE '\b(printf|vprintf|puts|putchar|perror|exit|_exit|dup2)[[:space:]]*\(|\b(stdout|stderr)\b')
		[ -z "$hits" ] || bad "${file#$top/} writes to stdout or stderr, or ends the process:
$hits"
	done
done

[ $fail -eq 0 ] || exit 1
echo "layering: rules/ and compile/ are pure; $n_files files of gateway/ include only their own folder, the folders below it and include/; nothing below cli/ prints or exits"
