/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A plan (compile/kplan.h) as netlink messages. */
#ifndef NATGW_KPLAN_EMIT_H
#define NATGW_KPLAN_EMIT_H

#include "compile/kplan.h"
#include "kbatch.h"

/* Appends the plan's messages to kb: what goes first, then what comes. */
void kplan_emit(const struct kplan *p, const struct kstate *st, struct kbatch *kb);

#endif
