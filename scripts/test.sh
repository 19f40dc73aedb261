#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/test.sh — install what natgw needs, build with warnings as errors,
# and run the whole test suite with ctest (valgrind over the unit tests
# included); then the same again built with AddressSanitizer and
# UndefinedBehaviorSanitizer; then the libFuzzer targets, built with clang,
# replay their corpus and fuzz for a minute each.
#
#   scripts/test.sh            all three builds (what CI runs)
#   scripts/test.sh --quick    the plain build only
#
# Build directories: build/, build-sanitize/ and build-fuzz/ (override the
# stem with BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	-h | --help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "scripts/test.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done

. scripts/lib/debian-packages.sh
# groff lints the man pages; jq reads JSON; GNU time measures memory;
# systemd-analyze verifies the unit, man-db finds its man pages and
# bash-completion loads the completion, in tests; iptables is a benchmark
# peer (the bench smoke test); valgrind checks the unit tests; clang and its
# runtime build the fuzz targets
install_debian_packages "${NATGW_BUILD_PACKAGES[@]}" "${NATGW_NET_PACKAGES[@]}" groff-base jq time \
	systemd man-db bash-completion iptables valgrind clang libclang-rt-14-dev ||
	exit 1

jobs=$(nproc)
build=${BUILD_DIR:-build}

run_suite() {	# run_suite DIR [cmake options...]
	local dir=$1
	shift
	echo "scripts/test.sh: building in $dir $*"
	cmake -S . -B "$dir" -DNATGW_WERROR=ON "$@"
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$jobs")
}

run_suite "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "$quick" -eq 0 ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		run_suite "$build-sanitize" -DCMAKE_BUILD_TYPE=Debug -DNATGW_SANITIZE=ON
	echo "scripts/test.sh: building the fuzz targets in $build-fuzz"
	cmake -S . -B "$build-fuzz" -DCMAKE_C_COMPILER=clang -DNATGW_FUZZ=ON -DNATGW_WERROR=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build "$build-fuzz" -j"$jobs" --target fuzz_rules fuzz_ct fuzz_ctl
	(cd "$build-fuzz" && ctest --output-on-failure -L fuzz -j"$jobs")
fi
