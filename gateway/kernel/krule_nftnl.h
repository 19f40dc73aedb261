/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A rule of natgw's chains (compile/krule.h) as libnftnl expressions. */
#ifndef NATGW_KRULE_NFTNL_H
#define NATGW_KRULE_NFTNL_H

#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "compile/krule.h"

/* nft's name for an anonymous set: the kernel gives each one its own. */
#define KRULE_ANON_SET "__set%d"

/* The anonymous set r looks up (nft's "{ ... }" in a rule), with its
 * elements, to be sent ahead of r (NEWSET, NEWSETELEM) as nft does; NULL
 * when r has none. id names it to r within the transaction (NFTA_SET_ID);
 * deleting r deletes it. */
struct nftnl_set *krule_anon_set(const struct krule *r, const char *table, uint32_t id);

/* Appends r's expressions to a libnftnl rule; set_id: the id its anonymous
 * set was sent with, if it has one. */
void krule_exprs(const struct krule *r, struct nftnl_rule *nr, uint32_t set_id);

#endif
