/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw-probe: the traffic end of the kernel tests.
 *
 *   natgw-probe serve tcp|udp ADDR PORT [--ready FILE]
 *       answers every line (TCP) or datagram (UDP) with
 *       "peer=<socket> local=<socket>": what this server saw, so a test can
 *       tell which address a forward delivered to and which source a NAT
 *       rule gave. Runs until killed.
 *   natgw-probe connect tcp|udp ADDR PORT [--from ADDR] [--sport PORT] [--timeout MS]
 *       sends one line, prints the answer, exit 0; exit 1 with the reason
 *       on stderr when there is no answer in time.
 *   serve and connect also take udplite for tcp|udp: UDP-Lite datagrams
 *       (protocol 136), a protocol with ports that is neither TCP nor UDP.
 *   natgw-probe hold tcp ADDR PORT --seconds N [--from ADDR] [--until FILE] [--interval MS]
 *       keeps one connection and exchanges a line every interval (default
 *       100 ms) for N seconds (or until FILE exists); exit 0 only if every
 *       exchange was answered. A long interval keeps the connection idle.
 *   natgw-probe stream udp ADDR PORT --seconds N [--interval MS]
 *       one UDP socket sending a datagram every interval (default 100 ms);
 *       prints "sent=<ms since the epoch> <answer>" or "sent=<ms> none"
 *       for each, so a test can see when the answers changed.
 *
 *   natgw-probe churn tcp ADDR PORT --seconds N [--interval MS] [--until FILE]
 *       a new connection every interval (default 100 ms), one exchange on
 *       each; prints "<ms since the epoch> ok" or "<ms> fail <reason>" per
 *       attempt, so a test can see when connections failed and for how long.
 *       Stops after N seconds, or as soon as FILE exists.
 *   natgw-probe udppeer udp ADDR PORT --to SOCKET[,SOCKET...] --seconds N [--every MS]
 *       one UDP socket bound to ADDR:PORT, as a game console or phone has:
 *       sends a line to each SOCKET ("203.0.113.100:7000"; again every MS
 *       milliseconds with --every), prints each
 *       answer as "from <socket>: <answer>", and answers any other sender
 *       like serve does (printing "answered <socket>"), for N seconds.
 *   natgw-probe ping ADDR [--timeout MS]
 *       one ICMP (ICMPv6 for an IPv6 ADDR) echo request from a raw socket
 *       (root); prints "reply from ADDR id=N" and exits 0 when its echo
 *       reply comes back, exit 1 when none does in time (default 2000 ms).
 *       For the tests that need conntrack's ICMP entries; no ping installed.
 *   natgw-probe raw PROTO ADDR HEX
 *       sends one IP packet of protocol number PROTO to ADDR, its payload
 *       the bytes HEX ("00000800" is a bare GRE header); the kernel writes
 *       the IP header. Expects no answer.
 *   natgw-probe sockets udp ADDR PORT --count N --seconds S [--from ADDR]
 *               [--interval MS] [--every MS] [--tries N]
 *       many UDP sockets of one host, as a game or a peer-to-peer client
 *       opens them: N sockets from ADDR (each its own ephemeral port) to
 *       ADDR:PORT, a new one every interval (default 0: all at once; may be
 *       a fraction). Each sends a datagram when it opens and again every MS
 *       (default 300), at most N times with --tries (default: until the
 *       end), and reads its answers, for S seconds from the start. Prints
 *       "sockets=N answered=A recent=R opened_ms=T": A sockets had at least
 *       one answer, R had one in the last max(1000, 2 x every) ms, all N
 *       were open T ms after the start; then "local=<socket> sent=N
 *       answers=N" for each socket.
 *   natgw-probe record udp ADDR PORT [--ready FILE]
 *       like serve udp, and prints a line per datagram received:
 *       "peer=<socket> local=<socket> data=<its first line>", so a test can
 *       see every source that reached it. A datagram that is itself a
 *       server's answer ("peer=...") is printed but not answered. Runs
 *       until killed.
 *   natgw-probe spoof IFACE MAC SRC DST [--count N] [--every MS]
 *       sends a UDP datagram ("spoof\n") from SRC to DST (sockets, both of
 *       one family) in a raw Ethernet frame through IFACE to the MAC
 *       address MAC (root): any source address, as an attacker on the
 *       link can. N times (default 1), every MS milliseconds (default
 *       100). Prints "sent N" and exits 0.
 *   natgw-probe unix PATH FILE
 *       sends FILE's bytes ("-": standard input) to the UNIX stream socket PATH and prints what
 *       comes back until the other end closes.
 *
 * Sockets are written "192.0.2.10:8443" and "[2001:db8::10]:8443". */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "natgw-probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The protocol of the datagram sockets: 0 (UDP) or IPPROTO_UDPLITE. */
static int dgram_proto;

static void usage(void)
{
	fprintf(stderr, "usage: natgw-probe serve|connect|hold tcp|udp|udplite ADDR PORT [options]\n");
	exit(2);
}

static void sock_addr(const char *host, const char *port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	int r = getaddrinfo(host, port, &hints, &ai);

	if (r) {
		fprintf(stderr, "natgw-probe: %s port %s: %s\n", host, port, gai_strerror(r));
		exit(2);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static const char *sock_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, ntohs(s->sin6_port));
	} else {
		const struct sockaddr_in *s = (const void *)ss;
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, ntohs(s->sin_port));
	}
	return buf;
}

static void answer_text(int fd, const struct sockaddr_storage *peer, char *out, size_t size)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char p[80], l[80];

	getsockname(fd, (struct sockaddr *)&local, &len);
	snprintf(out, size, "peer=%s local=%s\n", sock_text(peer, p, sizeof(p)),
		 sock_text(&local, l, sizeof(l)));
}

static int serve(bool tcp, const char *host, const char *port, const char *ready)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	sock_addr(host, port, &ss, &len);
	int fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, tcp ? 0 : dgram_proto);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (tcp && listen(fd, 128) < 0)
		die("listen");
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (!f)
			die(ready);
		fclose(f);
	}
	signal(SIGCHLD, SIG_IGN);	/* no zombies from the per-connection children */
	for (;;) {
		char buf[512], out[256];
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);

		if (!tcp) {
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
			if (n < 0)
				continue;
			answer_text(fd, &peer, out, sizeof(out));
			sendto(fd, out, strlen(out), 0, (struct sockaddr *)&peer, plen);
			continue;
		}
		int c = accept(fd, (struct sockaddr *)&peer, &plen);
		if (c < 0)
			continue;
		if (fork() == 0) {
			close(fd);
			answer_text(c, &peer, out, sizeof(out));
			/* one answer per line received, until the client closes */
			ssize_t n;
			while ((n = read(c, buf, sizeof(buf))) > 0)
				for (ssize_t i = 0; i < n; i++)
					if (buf[i] == '\n' && write(c, out, strlen(out)) < 0)
						_exit(0);
			_exit(0);
		}
		close(c);
	}
}

/* The socket connected, or -1 with errno set. */
static int client_try(bool tcp, const char *host, const char *port, const char *from,
		      const char *sport, int timeout_ms)
{
	struct sockaddr_storage ss, src;
	socklen_t len, slen;
	int one = 1;

	sock_addr(host, port, &ss, &len);
	int fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, tcp ? 0 : dgram_proto);
	if (fd < 0)
		die("socket");
	if (from || sport) {
		const char *any = ss.ss_family == AF_INET6 ? "::" : "0.0.0.0";
		sock_addr(from ? from : any, sport ? sport : "0", &src, &slen);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, slen) < 0)
			die("bind");
	}
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int client_socket(bool tcp, const char *host, const char *port, const char *from,
			 const char *sport, int timeout_ms)
{
	int fd = client_try(tcp, host, port, from, sport, timeout_ms);
	if (fd < 0)
		die("connect");
	return fd;
}

/* One line out, one line back. */
static int exchange(int fd, char *reply, size_t size)
{
	size_t got = 0;

	if (write(fd, "hello\n", 6) != 6)
		return -1;
	while (got + 1 < size) {
		ssize_t n = read(fd, reply + got, size - got - 1);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (reply[got - 1] == '\n')
			break;
	}
	reply[got] = '\0';
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_to_all(int fd, const char *to)
{
	char list[512];

	snprintf(list, sizeof(list), "%s", to ? to : "");
	for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
		char *colon = strrchr(t, ':');
		struct sockaddr_storage dst;
		socklen_t dlen;
		if (!colon)
			usage();
		*colon = '\0';
		if (t[0] == '[') {	/* [v6]:port */
			t++;
			t[strlen(t) - 1] = '\0';
		}
		sock_addr(t, colon + 1, &dst, &dlen);
		if (sendto(fd, "hello\n", 6, 0, (struct sockaddr *)&dst, dlen) < 0)
			die("sendto");
	}
}

/* A UDP socket bound to host:port (SO_REUSEADDR: a test may send from this
 * very socket address with connect --sport). */
static int udp_bound(const char *host, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	sock_addr(host, port, &ss, &len);
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	return fd;
}

static int udppeer(const char *host, const char *port, const char *to, double seconds,
		   int every_ms)
{
	int fd = udp_bound(host, port);
	setvbuf(stdout, NULL, _IOLBF, 0);
	send_to_all(fd, to);
	double end = now() + seconds, next = every_ms > 0 ? now() + every_ms / 1000.0 : end;
	while (now() < end) {
		if (now() >= next) {
			send_to_all(fd, to);
			next += every_ms / 1000.0;
		}
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		char buf[512], out[256], who[INET6_ADDRSTRLEN + 8];
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			continue;
		buf[n] = '\0';
		sock_text(&peer, who, sizeof(who));
		if (!strncmp(buf, "peer=", 5)) {
			printf("from %s: %s", who, buf);
			continue;
		}
		answer_text(fd, &peer, out, sizeof(out));
		sendto(fd, out, strlen(out), 0, (struct sockaddr *)&peer, plen);
		printf("answered %s\n", who);
	}
	return 0;
}

static long long epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --until FILE: a test ends a long hold or churn by creating FILE. */
static const char *until_file;

static bool go_on(double end)
{
	return now() < end && !(until_file && access(until_file, F_OK) == 0);
}

static int churn(const char *host, const char *port, double seconds, int interval_ms)
{
	char reply[256];
	double end = now() + seconds;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (go_on(end)) {
		double start = now();
		long long t = epoch_ms();
		int fd = client_try(true, host, port, NULL, NULL, 1000);
		if (fd < 0) {
			printf("%lld fail connect: %s\n", t, strerror(errno));
		} else {
			if (exchange(fd, reply, sizeof(reply)) < 0)
				printf("%lld fail exchange: %s\n", t, strerror(errno));
			else
				printf("%lld ok\n", t);
			close(fd);
		}
		double left = interval_ms / 1000.0 - (now() - start);
		if (left > 0)
			poll(NULL, 0, (int)(left * 1000));
	}
	return 0;
}

static int unix_send(const char *path, const char *file)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	size_t total = 0;

	if (!f)
		die(file);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	size_t got;
	/* the other end may answer and close before reading everything */
	signal(SIGPIPE, SIG_IGN);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		if (write(fd, buf, got) != (ssize_t)got)
			break;
	if (f != stdin)
		fclose(f);
	shutdown(fd, SHUT_WR);
	/* a peer that closes with our bytes unread resets the connection:
	 * what it answered before counts */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		total += (size_t)n;
	}
	close(fd);
	return total ? 0 : 1;
}

/* The Internet checksum (RFC 1071) of ICMP; ICMPv6's the kernel computes. */
static uint16_t inet_sum(const uint8_t *b, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int ping(const char *host, int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len;

	sock_addr(host, "0", &ss, &len);
	bool v6 = ss.ss_family == AF_INET6;
	int fd = socket(ss.ss_family, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		die("socket");
	uint16_t id = (uint16_t)getpid();
	uint8_t req[24] = { v6 ? 128 : 8, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 0, 1,
			    'n', 'a', 't', 'g', 'w', '-', 'p', 'r', 'o', 'b', 'e' };
	if (!v6) {
		uint16_t sum = inet_sum(req, sizeof(req));
		req[2] = (uint8_t)(sum >> 8);
		req[3] = (uint8_t)sum;
	}
	if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&ss, len) < 0)
		die("sendto");
	double end = now() + timeout_ms / 1000.0;
	while (now() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)((end - now()) * 1000) + 1) <= 0)
			continue;
		uint8_t buf[1500];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			continue;
		/* an IPv4 raw socket reads the IP header too; IPv6's does not */
		size_t off = v6 ? 0 : (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < off + 8)
			continue;
		const uint8_t *icmp = buf + off;
		if (icmp[0] == (v6 ? 129 : 0) && icmp[4] == (uint8_t)(id >> 8) &&
		    icmp[5] == (uint8_t)id) {
			printf("reply from %s id=%u\n", host, id);
			return 0;
		}
	}
	fprintf(stderr, "natgw-probe: no echo reply from %s\n", host);
	return 1;
}

static int raw_send(const char *proto, const char *host, const char *hex)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint8_t payload[512];
	size_t n = 0;

	sock_addr(host, "0", &ss, &len);
	for (const char *h = hex; h[0] && h[1] && n < sizeof(payload); h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			usage();
		payload[n++] = (uint8_t)v;
	}
	int fd = socket(ss.ss_family, SOCK_RAW, atoi(proto));
	if (fd < 0)
		die("socket");
	if (sendto(fd, payload, n, 0, (struct sockaddr *)&ss, len) < 0)
		die("sendto");
	close(fd);
	return 0;
}

/* ---- sockets: many UDP sockets of one host ------------------------------- */

struct usock {
	int fd;
	unsigned sent, answers;
	double opened, last_answer;
};

static int sockets_main(int argc, char **argv)
{
	const char *from = NULL;
	long count = 0, tries = 0;
	double interval_ms = 0, every_ms = 300, seconds = 0;

	if (argc < 5 || strcmp(argv[2], "udp") || (argc - 5) % 2)
		usage();
	for (int i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--from"))
			from = argv[i + 1];
		else if (!strcmp(argv[i], "--interval"))
			interval_ms = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--every"))
			every_ms = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--tries"))
			tries = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else
			usage();
	}
	if (count <= 0 || seconds <= 0 || every_ms <= 0 || interval_ms < 0 || tries < 0)
		usage();

	struct sockaddr_storage dst, src;
	socklen_t dlen, slen;
	sock_addr(argv[3], argv[4], &dst, &dlen);
	sock_addr(from ? from : dst.ss_family == AF_INET6 ? "::" : "0.0.0.0", "0", &src, &slen);
	struct rlimit rl;
	rlim_t need = (rlim_t)count + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max < need)
			rl.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}
	struct usock *s = calloc((size_t)count, sizeof(*s));
	int ep = epoll_create1(0);
	if (!s || ep < 0)
		die("epoll");
	setvbuf(stdout, NULL, _IOLBF, 0);

	double start = now(), end = start + seconds, all_open = -1;
	long opened = 0;
	while (now() < end) {
		double t = now(), next = end;
		while (opened < count && t >= start + (double)opened * interval_ms / 1000.0) {
			struct usock *u = &s[opened];
			u->fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
			if (u->fd < 0)
				die("socket");
			if (bind(u->fd, (struct sockaddr *)&src, slen) < 0)
				die("bind");
			if (connect(u->fd, (struct sockaddr *)&dst, dlen) < 0)
				die("connect");
			struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)opened };
			if (epoll_ctl(ep, EPOLL_CTL_ADD, u->fd, &ev) < 0)
				die("epoll_ctl");
			u->opened = t;
			if (++opened == count)
				all_open = t - start;
		}
		if (opened < count && start + (double)opened * interval_ms / 1000.0 < next)
			next = start + (double)opened * interval_ms / 1000.0;
		for (long i = 0; i < opened; i++) {
			struct usock *u = &s[i];
			if (tries && u->sent >= (unsigned long)tries)
				continue;
			double due = u->opened + u->sent * every_ms / 1000.0;
			if (t >= due) {
				/* a refusal (ICMP) or a full buffer is a lost datagram */
				if (send(u->fd, "hello\n", 6, 0) < 0 && errno != EAGAIN &&
				    errno != ECONNREFUSED && errno != ENOBUFS)
					die("send");
				u->sent++;
				due = u->opened + u->sent * every_ms / 1000.0;
			}
			if ((!tries || u->sent < (unsigned long)tries) && due < next)
				next = due;
		}
		int ms = (int)((next - now()) * 1000.0) + 1;
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, ms < 0 ? 0 : ms > 100 ? 100 : ms);
		for (int k = 0; k < n; k++) {
			struct usock *u = &s[evs[k].data.u64];
			char buf[512];
			for (;;) {
				if (recv(u->fd, buf, sizeof(buf), 0) >= 0) {
					u->answers++;
					u->last_answer = now();
				} else if (errno != EINTR && errno != ECONNREFUSED) {
					break;
				}
			}
		}
	}

	double t = now(), window = 2 * every_ms / 1000.0;
	long answered = 0, recent = 0;
	if (window < 1.0)
		window = 1.0;
	for (long i = 0; i < opened; i++) {
		answered += s[i].answers > 0;
		recent += s[i].answers > 0 && t - s[i].last_answer <= window;
	}
	printf("sockets=%ld answered=%ld recent=%ld opened_ms=%.0f\n", opened, answered, recent,
	       all_open < 0 ? -1.0 : all_open * 1000.0);
	for (long i = 0; i < opened; i++) {
		struct sockaddr_storage local;
		socklen_t len = sizeof(local);
		char l[80];
		getsockname(s[i].fd, (struct sockaddr *)&local, &len);
		printf("local=%s sent=%u answers=%u\n", sock_text(&local, l, sizeof(l)), s[i].sent,
		       s[i].answers);
		close(s[i].fd);
	}
	free(s);
	return opened == count ? 0 : 1;
}

/* ---- record and spoof (tests/kernel/fullcone_attack.sh) ------------------- */

static int record(const char *host, const char *port, const char *ready)
{
	int fd = udp_bound(host, port);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (!f)
			die(ready);
		fclose(f);
	}
	for (;;) {
		char buf[512], out[256];
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		for (char *c = buf; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				*c = '.';
		answer_text(fd, &peer, out, sizeof(out));
		printf("%.*s data=%s\n", (int)strcspn(out, "\n"), out, buf);
		if (strncmp(buf, "peer=", 5))
			sendto(fd, out, strlen(out), 0, (struct sockaddr *)&peer, plen);
	}
	return 0;
}

/* "192.0.2.10:80" or "[2001:db8::10]:80" */
static void socket_parse(const char *text, struct sockaddr_storage *ss)
{
	char t[128];
	socklen_t len;

	snprintf(t, sizeof(t), "%s", text);
	char *colon = strrchr(t, ':'), *host = t;
	if (!colon)
		usage();
	*colon = '\0';
	if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
		host++;
		colon[-1] = '\0';
	}
	sock_addr(host, colon + 1, ss, &len);
}

static uint32_t sum_words(uint32_t sum, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int spoof(const char *ifname, const char *mac, const char *src_text,
		 const char *dst_text, int count, int every_ms)
{
	struct sockaddr_storage src, dst;
	uint8_t dmac[6], frame[256];
	static const char payload[] = "spoof\n";
	const size_t plen = sizeof(payload) - 1;

	if (sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3],
		   &dmac[4], &dmac[5]) != 6)
		usage();
	socket_parse(src_text, &src);
	socket_parse(dst_text, &dst);
	if (src.ss_family != dst.ss_family)
		usage();
	bool v6 = src.ss_family == AF_INET6;

	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		die(ifname);
	int ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die(ifname);

	/* Ethernet */
	memcpy(frame, dmac, 6);
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	uint16_t type = v6 ? ETH_P_IPV6 : ETH_P_IP;
	frame[12] = (uint8_t)(type >> 8);
	frame[13] = (uint8_t)type;
	uint8_t *ip = frame + 14, *udp = ip + (v6 ? 40 : 20);
	size_t ulen = 8 + plen;

	/* UDP, its checksum over the pseudo-header */
	uint16_t sport, dport;
	const uint8_t *sa, *da;
	size_t alen = v6 ? 16 : 4;
	if (v6) {
		const struct sockaddr_in6 *s = (const void *)&src, *d = (const void *)&dst;
		sport = ntohs(s->sin6_port), dport = ntohs(d->sin6_port);
		sa = s->sin6_addr.s6_addr, da = d->sin6_addr.s6_addr;
	} else {
		const struct sockaddr_in *s = (const void *)&src, *d = (const void *)&dst;
		sport = ntohs(s->sin_port), dport = ntohs(d->sin_port);
		sa = (const uint8_t *)&s->sin_addr, da = (const uint8_t *)&d->sin_addr;
	}
	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)(ulen >> 8), udp[5] = (uint8_t)ulen;
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, payload, plen);
	uint32_t sum = sum_words(0, sa, alen);
	sum = sum_words(sum, da, alen);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	uint16_t csum = sum_fold(sum_words(sum, udp, ulen));
	if (csum == 0)
		csum = 0xffff;
	udp[6] = (uint8_t)(csum >> 8), udp[7] = (uint8_t)csum;

	/* IP */
	if (v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[4] = (uint8_t)(ulen >> 8), ip[5] = (uint8_t)ulen;
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, sa, 16);
		memcpy(ip + 24, da, 16);
	} else {
		size_t tot = 20 + ulen;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
		ip[4] = (uint8_t)(getpid() >> 8), ip[5] = (uint8_t)getpid();
		ip[6] = 0x40;	/* don't fragment */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, sa, 4);
		memcpy(ip + 16, da, 4);
		uint16_t h = sum_fold(sum_words(0, ip, 20));
		ip[10] = (uint8_t)(h >> 8), ip[11] = (uint8_t)h;
	}

	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(type),
				  .sll_ifindex = ifindex, .sll_halen = 6 };
	memcpy(ll.sll_addr, dmac, 6);
	size_t flen = (size_t)(udp - frame) + ulen;
	for (int i = 0; i < count; i++) {
		if (i)
			poll(NULL, 0, every_ms);
		if (sendto(fd, frame, flen, 0, (struct sockaddr *)&ll, sizeof(ll)) != (ssize_t)flen)
			die("sendto");
	}
	close(fd);
	printf("sent %d\n", count);
	return 0;
}

static int spoof_main(int argc, char **argv)
{
	int count = 1, every_ms = 100;

	if (argc < 6 || (argc - 6) % 2)
		usage();
	for (int i = 6; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--every"))
			every_ms = atoi(argv[i + 1]);
		else
			usage();
	}
	if (count < 1 || every_ms < 0)
		usage();
	return spoof(argv[2], argv[3], argv[4], argv[5], count, every_ms);
}

int main(int argc, char **argv)
{
	const char *from = NULL, *sport = NULL, *ready = NULL, *to = NULL;
	int every_ms = 0;
	int timeout_ms = 2000, interval_ms = 100;
	double seconds = 0;

	if (argc >= 2 && !strcmp(argv[1], "sockets"))
		return sockets_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "spoof"))
		return spoof_main(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "unix"))
		return unix_send(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "raw"))
		return raw_send(argv[2], argv[3], argv[4]);
	if ((argc == 3 || (argc == 5 && !strcmp(argv[3], "--timeout"))) &&
	    !strcmp(argv[1], "ping"))
		return ping(argv[2], argc == 5 ? atoi(argv[4]) : timeout_ms);
	if (argc < 5)
		usage();
	const char *mode = argv[1], *proto = argv[2], *host = argv[3], *port = argv[4];
	bool tcp = !strcmp(proto, "tcp");
	if (!strcmp(proto, "udplite") && (!strcmp(mode, "serve") || !strcmp(mode, "connect")))
		dgram_proto = IPPROTO_UDPLITE;
	else if (!tcp && strcmp(proto, "udp"))
		usage();
	for (int i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--from"))
			from = argv[i + 1];
		else if (!strcmp(argv[i], "--sport"))
			sport = argv[i + 1];
		else if (!strcmp(argv[i], "--timeout"))
			timeout_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--ready"))
			ready = argv[i + 1];
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--until"))
			until_file = argv[i + 1];
		else if (!strcmp(argv[i], "--to"))
			to = argv[i + 1];
		else if (!strcmp(argv[i], "--every"))
			every_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--interval"))
			interval_ms = atoi(argv[i + 1]);
		else
			usage();
	}
	if (!strcmp(mode, "serve"))
		return serve(tcp, host, port, ready);
	if (!strcmp(mode, "record")) {
		if (tcp)
			usage();
		return record(host, port, ready);
	}
	if (!strcmp(mode, "udppeer")) {
		if (tcp || seconds <= 0)
			usage();
		return udppeer(host, port, to, seconds, every_ms);
	}
	if (!strcmp(mode, "churn")) {
		if (!tcp || seconds <= 0 || interval_ms <= 0)
			usage();
		return churn(host, port, seconds, interval_ms);
	}

	char reply[256];
	if (!strcmp(mode, "stream")) {
		if (tcp || seconds <= 0 || interval_ms <= 0)
			usage();
		timeout_ms = interval_ms;	/* an answer later than that counts as none */
	}
	int fd = client_socket(tcp, host, port, from, sport, timeout_ms);
	if (!strcmp(mode, "stream")) {
		double end = now() + seconds;
		setvbuf(stdout, NULL, _IOLBF, 0);
		while (now() < end) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			long long sent = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
			double start = now();
			if (exchange(fd, reply, sizeof(reply)) < 0)
				printf("sent=%lld none\n", sent);
			else
				printf("sent=%lld %s", sent, reply);
			double left = interval_ms / 1000.0 - (now() - start);
			if (left > 0)
				poll(NULL, 0, (int)(left * 1000));
		}
		return 0;
	}
	if (!strcmp(mode, "connect")) {
		if (exchange(fd, reply, sizeof(reply)) < 0)
			die("no answer");
		fputs(reply, stdout);
		return 0;
	}
	if (!strcmp(mode, "hold") && tcp && seconds > 0) {
		unsigned n = 0;
		double end = now() + seconds;
		while (go_on(end)) {
			if (exchange(fd, reply, sizeof(reply)) < 0) {
				fprintf(stderr, "natgw-probe: exchange %u failed: %s\n", n + 1,
					strerror(errno));
				return 1;
			}
			n++;
			/* the next exchange after --interval; --until is looked at
			 * every 100 ms meanwhile */
			double next = now() + interval_ms / 1000.0;
			while (go_on(end) && now() < next) {
				int ms = (int)((next - now()) * 1000) + 1;
				poll(NULL, 0, ms < 100 ? ms : 100);
			}
		}
		printf("held %u exchanges\n", n);
		return 0;
	}
	usage();
}
