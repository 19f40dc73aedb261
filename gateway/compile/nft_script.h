/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `natgw plan --nft`: the table as an nft script. `nft -f` of it builds the
 * same table natgw's apply builds, replacing any previous one atomically. */
#ifndef NATGW_NFT_SCRIPT_H
#define NATGW_NFT_SCRIPT_H

#include <stdio.h>

#include "kmodel.h"

int nft_script_write(const struct kmodel *m, FILE *out);

/* The text of a set's type line: "type ifname . nf_proto . inet_proto . inet_service : mark". */
void kset_type_text(enum kset s, FILE *out);

#endif
