/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw-connload: the load generator of B3, new TCP connections through a
 * router as fast as they go.
 *
 *   natgw-connload serve ADDR PORT
 *       accepts connections and closes them at once, until killed.
 *   natgw-connload connect ADDR PORT --seconds S [--parallel P]
 *       keeps P connection attempts in flight for S seconds; each is closed
 *       with a reset as soon as it is established (no TIME_WAIT, so source
 *       ports are not the limit). Prints one line:
 *         connections=N failed=F seconds=S rate=R p50_us=A p99_us=B
 *       where the latency is from connect() to established: the first
 *       packet's way through the router and back. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PARALLEL_MAX 1024

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void usage(void)
{
	fprintf(stderr, "usage: natgw-connload serve ADDR PORT\n"
			"       natgw-connload connect ADDR PORT --seconds S [--parallel P]\n");
	exit(2);
}

static struct sockaddr_in addr_of(const char *a, const char *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(p)) };

	if (inet_pton(AF_INET, a, &sa.sin_addr) != 1)
		usage();
	return sa;
}

static int serve(struct sockaddr_in sa)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
		perror("natgw-connload: serve");
		return 1;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

struct attempt {
	int fd;
	double started;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A non-blocking connect, watched for completion. */
static int start(int ep, struct sockaddr_in *sa, struct attempt *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct linger lg = { 1, 0 };	/* close with a reset: no TIME_WAIT */

	a->fd = -1;		/* tried again after a second */
	a->started = now_us();
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	a->fd = fd;
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = a };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int load(struct sockaddr_in sa, double seconds, int parallel)
{
	struct attempt *slots = calloc((size_t)parallel, sizeof(*slots));
	size_t cap = 1 << 20, n = 0;
	double *lat = malloc(cap * sizeof(*lat));
	unsigned long failed = 0;
	int ep = epoll_create1(0);

	if (!slots || !lat || ep < 0) {
		perror("natgw-connload");
		return 1;
	}
	double begin = now_us(), end = begin + seconds * 1e6;
	for (int i = 0; i < parallel; i++)
		if (start(ep, &sa, &slots[i]) < 0)
			failed++;
	struct epoll_event evs[64];
	while (now_us() < end) {
		int k = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < k; i++) {
			struct attempt *a = evs[i].data.ptr;
			int err = 0;
			socklen_t len = sizeof(err);
			getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				failed++;
			} else {
				if (n == cap) {
					cap *= 2;
					lat = realloc(lat, cap * sizeof(*lat));
					if (!lat)
						abort();
				}
				lat[n++] = now_us() - a->started;
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, a->fd, NULL);
			close(a->fd);
			if (start(ep, &sa, a) < 0)
				failed++;
		}
		/* an attempt that hangs (a dropped SYN) counts as failed after 1 s */
		double t = now_us();
		for (int i = 0; i < parallel; i++) {
			if (t - slots[i].started < 1e6)
				continue;
			if (slots[i].fd >= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, slots[i].fd, NULL);
				close(slots[i].fd);
				failed++;
			}
			if (start(ep, &sa, &slots[i]) < 0)
				failed++;
		}
	}
	double took = (now_us() - begin) / 1e6;
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("connections=%zu failed=%lu seconds=%.2f rate=%.0f p50_us=%.0f p99_us=%.0f\n", n,
	       failed, took, (double)n / took, n ? lat[n / 2] : 0.0,
	       n ? lat[(size_t)((double)n * 0.99)] : 0.0);
	for (int i = 0; i < parallel; i++)
		if (slots[i].fd >= 0)
			close(slots[i].fd);
	free(slots);
	free(lat);
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 0;
	int parallel = 32;

	if (argc < 4)
		usage();
	struct sockaddr_in sa = addr_of(argv[2], argv[3]);
	if (!strcmp(argv[1], "serve"))
		return serve(sa);
	if (strcmp(argv[1], "connect"))
		usage();
	for (int i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--parallel"))
			parallel = atoi(argv[i + 1]);
		else
			usage();
	}
	if (seconds <= 0 || parallel < 1 || parallel > PARALLEL_MAX)
		usage();
	return load(sa, seconds, parallel);
}
