/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A rule of natgw's chains (compile/krule.h) as libnftnl expressions. */
#ifndef NATGW_KRULE_NFTNL_H
#define NATGW_KRULE_NFTNL_H

#include <libnftnl/rule.h>

#include "compile/krule.h"

/* Appends r's expressions to a libnftnl rule. */
void krule_exprs(const struct krule *r, struct nftnl_rule *nr);

#endif
