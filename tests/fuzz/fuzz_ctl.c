/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the control socket's request parser (gateway/ctl.c),
 * fed as the daemon feeds it: a header, checked, then exactly the payload
 * length it names. What parses must build back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ctl_header h;
	struct ctl_request req;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	h.length = (uint32_t)(size - sizeof(h));	/* the daemon reads this much */
	if (ctl_check_request_header(&h) < 0)
		return 0;
	void *payload = malloc(h.length ? h.length : 1);
	if (!payload)
		abort();
	memcpy(payload, data + sizeof(h), h.length);
	if (ctl_parse_request(&h, payload, &req) == 0) {
		void *buf;
		size_t len;
		if (ctl_build_request(&req, &buf, &len) != 0)
			abort();
		struct ctl_header h2;
		struct ctl_request req2;
		memcpy(&h2, buf, sizeof(h2));
		if (len != sizeof(h2) + h2.length ||
		    ctl_parse_request(&h2, (char *)buf + sizeof(h2), &req2) != 0 ||
		    req2.type != req.type || req2.content_len != req.content_len ||
		    strcmp(req2.name, req.name) || strcmp(req2.rule, req.rule) ||
		    req2.confirm != req.confirm || req2.json != req.json ||
		    (req.content_len && memcmp(req2.content, req.content, req.content_len)))
			abort();
		free(buf);
	}
	free(payload);
	return 0;
}
