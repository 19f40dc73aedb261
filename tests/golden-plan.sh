#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One plan golden: golden-plan.sh NATGW_PLAN_GOLDEN DIR/NAME.before.yaml
# The plan natgw makes for DIR/NAME.after.yaml while the kernel holds the
# table of NAME.before.yaml (no kernel: see tests/compile/plan_golden.c)
# must be exactly DIR/NAME.plan. UPDATE=1 rewrites NAME.plan instead:
# review the diff before committing it.
set -u
tool=$1 before=$2
dir=$(dirname "$before")
name=$(basename "$before" .before.yaml)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$dir" || exit 1
"$tool" "$name.before.yaml" "$name.after.yaml" >"$out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: $name: natgw-plan-golden exited $rc: $(cat "$out")" >&2; exit 1; }
if [ "${UPDATE:-}" = 1 ]; then cp "$out" "$name.plan"; fi
[ -e "$name.plan" ] || { echo "FAIL: $name: no $name.plan" >&2; exit 1; }
diff -u "$name.plan" "$out" || { echo "FAIL: $name: the plan differs from $name.plan" >&2; exit 1; }
