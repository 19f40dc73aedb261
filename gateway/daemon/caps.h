/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Least privilege for the daemon: once its sockets are open it needs
 * CAP_NET_ADMIN (nf_tables and ctnetlink) and nothing else. */
#ifndef NATGW_CAPS_H
#define NATGW_CAPS_H

/* Drops every capability but CAP_NET_ADMIN from the bounding, ambient,
 * inheritable, permitted and effective sets, and sets no_new_privs, so
 * nothing the process runs can gain any back. 0 or -errno. */
int caps_keep_net_admin(void);

#endif
