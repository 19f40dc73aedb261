/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What became of a request, in the operator's terms: the configuration was
 * invalid, or the system (netlink, the kernel, the runtime directory) said
 * no. Sessions, applies and the daemon return it; the command exits with
 * the number SPEC section 1 gives it, and the daemon sends that number to
 * its client. */
#ifndef NATGW_STATUS_H
#define NATGW_STATUS_H

enum ngw_status {
	NGW_OK = 0,
	NGW_INVALID = 1,	/* the configuration is invalid; nothing was applied */
	NGW_USAGE = 2,		/* the request itself is malformed */
	NGW_FAILED = 3,		/* permission, netlink or kernel error */
};

#endif
