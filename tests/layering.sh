#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The rules library is pure: no netlink, libmnl or libnftnl header may be
# included from rules/ or the public headers it exports, and its build
# links libyaml only.
set -u
top=$1
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](libmnl/|libnftnl/|linux/netlink|linux/netfilter|linux/rtnetlink)' \
	"$top/rules" "$top/include" 2>/dev/null)
if [ -n "$bad" ]; then
	echo "FAIL: netlink headers in the rules library:" >&2
	echo "$bad" >&2
	exit 1
fi
links=$(grep -A3 'target_link_libraries(natgw_rules' "$top/rules/CMakeLists.txt" | tr -s ' \n' ' ')
case $links in
*PkgConfig::YAML*) ;;
*) echo "FAIL: natgw_rules does not link libyaml: $links" >&2; exit 1 ;;
esac
case $links in
*NFTNL* | *MNL*) echo "FAIL: natgw_rules links a netlink library: $links" >&2; exit 1 ;;
esac
echo "layering: rules/ includes no netlink header and links libyaml only"
