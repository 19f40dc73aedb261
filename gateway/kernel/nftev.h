/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables change events, for the daemon to notice when another program
 * deletes or edits its table (nft delete table, nft flush ...), and for an
 * apply whose transaction the kernel refused because another program
 * committed meanwhile, to tell whether that commit touched natgw's table. */
#ifndef NATGW_NFTEV_H
#define NATGW_NFTEV_H

#include <stdbool.h>
#include <stdint.h>

struct nftev;

/* Subscribed to NFNLGRP_NFTABLES. NULL with errno set. */
struct nftev *nftev_open(void);
void nftev_close(struct nftev *ev);
int nftev_fd(const struct nftev *ev);

/* Changes made through this netlink port id are natgw's own: ignored.
 * nftev_own_port() remembers the last few (applies), the other one for
 * good (the daemon's writes to its maps). Element changes of the sets the
 * data path writes (the ei_ maps) are ignored whoever makes them. */
void nftev_own_port(struct nftev *ev, uint32_t portid);
void nftev_own_port_always(struct nftev *ev, uint32_t portid);

struct nftev_seen {
	bool table;		/* another program changed table inet <table> */
	bool elements;		/* ... among them set elements */
	bool lost;		/* the kernel dropped events: anything may have happened */
	bool other;		/* a table, chain or rule of another table came or
				 * went (a firewall's: natgw doctor looks again) */
	uint32_t genid;		/* the newest generation announced (NEWGEN), 0: none */
};

/* Reads what is queued without waiting and adds it to *seen. 0 or -errno. */
int nftev_read(struct nftev *ev, const char *table, struct nftev_seen *seen);

#endif
