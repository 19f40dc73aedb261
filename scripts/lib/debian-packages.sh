# SPDX-License-Identifier: GPL-2.0-or-later
# install_debian_packages PACKAGE...: installs those not installed yet, with
# apt-get update first; as root only (otherwise says what is missing).
install_debian_packages() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${missing[*]}; run as root, or:" >&2
		echo "  apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# What building natgw and running its tests and demo need: the toolchain,
# the three libraries natgw links, netbase for /etc/services (port names
# such as "https"), and for the network tests iproute2 (namespaces), procps
# (sysctl), nft and conntrack, which check what natgw did.
NATGW_BUILD_PACKAGES=(gcc make cmake pkgconf libyaml-dev libnftnl-dev libmnl-dev netbase)
NATGW_NET_PACKAGES=(iproute2 procps nftables conntrack)
