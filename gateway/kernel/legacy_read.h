/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An iptables-legacy table of this namespace, read through the sockopt
 * interface iptables-legacy itself uses (read-only). Only a table the
 * kernel already lists is asked for: asking for another would make it. */
#ifndef NATGW_LEGACY_READ_H
#define NATGW_LEGACY_READ_H

#include <stdbool.h>

/* Whether table name (family AF_INET or AF_INET6) holds no rule and
 * accepts by the policy of its prerouting, input and forward chains, as
 * the table `iptables-legacy -L` alone leaves. 0 with *idle set, or -errno
 * (EPERM without CAP_NET_ADMIN). */
int legacy_table_idle(int family, const char *name, bool *idle);

#endif
