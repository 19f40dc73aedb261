/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface, address and route change events (rtnetlink), for the daemon
 * to look again at what would stop a forward when the router's network
 * changes: a ppp0 that comes up, a LAN route that goes away. Only "something
 * changed" is kept: the daemon's look reads the system afresh. */
#ifndef NATGW_RTEV_H
#define NATGW_RTEV_H

#include <stdbool.h>

struct rtev;

/* Subscribed to links, IPv4/IPv6 addresses and routes. NULL with errno. */
struct rtev *rtev_open(void);
void rtev_close(struct rtev *ev);
int rtev_fd(const struct rtev *ev);

/* Reads what is queued without waiting: true when anything changed (or
 * events were lost, which may hide a change). */
bool rtev_read(struct rtev *ev);

#endif
