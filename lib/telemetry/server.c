/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The telemetry port: a small HTTP/1.1 server (RFC 9112) on a kernel socket,
 * on its own pthread, for Prometheus scrapes and health checks. One request
 * per connection (Connection: close): scrapers open a connection per scrape
 * anyway, and it keeps this thread trivially bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_log.h>

#include "og_telemetry.h"

RTE_LOG_REGISTER(og_telemetry_logtype, otlpgate.telemetry, INFO);
#define TEL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_telemetry_logtype, "telemetry: " fmt "\n", ##__VA_ARGS__)

#define REQ_MAX	   8192 /* a scrape request is a few hundred bytes */
#define IO_TIMEOUT 2	/* seconds a client may take to send its request */

struct og_telemetry_server {
	int fd;
	uint16_t port;
	volatile bool stop;
	pthread_t thread;
};

static void
respond(struct og_wbuf *resp, int status, const char *reason, const char *ctype,
	const struct og_wbuf *body, bool head)
{
	size_t blen = body != NULL ? body->len : 0;

	og_wbuf_printf(resp,
		       "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n\r\n",
		       status, reason, ctype, blen);
	if (!head && blen != 0)
		og_wbuf_put(resp, body->data, blen);
}

static void
respond_text(struct og_wbuf *resp, int status, const char *reason, const char *text, bool head)
{
	struct og_wbuf b;

	og_wbuf_init_fixed(&b, (void *)(uintptr_t)text, strlen(text));
	b.len = b.cap;
	respond(resp, status, reason, "text/plain; charset=utf-8", &b, head);
}

int
og_telemetry_http_answer(const char *req, size_t len, struct og_wbuf *resp)
{
	const char *eol = memchr(req, '\n', len);
	const char *sp1, *sp2, *q;
	char path[256];
	size_t plen;
	bool head;

	/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
	if (eol == NULL)
		goto bad;
	sp1 = memchr(req, ' ', (size_t)(eol - req));
	if (sp1 == NULL)
		goto bad;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || (size_t)(eol - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		goto bad;
	plen = (size_t)(sp2 - sp1 - 1);
	if (plen == 0 || plen >= sizeof(path))
		goto bad;
	memcpy(path, sp1 + 1, plen);
	path[plen] = '\0';
	q = strchr(path, '?'); /* scrapers may add parameters; none are used */
	if (q != NULL)
		path[q - path] = '\0';

	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/healthz") != 0) {
		respond_text(resp, 404, "Not Found", "not found\n", false);
		return 404;
	}
	if ((size_t)(sp1 - req) == 3 && memcmp(req, "GET", 3) == 0)
		head = false;
	else if ((size_t)(sp1 - req) == 4 && memcmp(req, "HEAD", 4) == 0)
		head = true;
	else {
		og_wbuf_puts(resp, "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n");
		return 405;
	}
	if (strcmp(path, "/healthz") == 0) {
		respond_text(resp, 200, "OK", "ok\n", head);
		return 200;
	}
	struct og_wbuf body;

	og_wbuf_init_growable(&body);
	if (og_metrics_render(&body) != 0) {
		og_wbuf_free(&body);
		respond_text(resp, 500, "Internal Server Error", "out of memory\n", head);
		return 500;
	}
	respond(resp, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", &body, head);
	og_wbuf_free(&body);
	return 200;
bad:
	respond_text(resp, 400, "Bad Request", "bad request\n", false);
	return 400;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
og_telemetry_serve_fd(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT };
	char req[REQ_MAX];
	size_t len = 0;
	struct og_wbuf resp;
	int status;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Read up to the end of the header section; the body is not used. */
	for (;;) {
		ssize_t r = recv(fd, req + len, sizeof(req) - 1 - len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int err = r < 0 ? -errno : -ECONNRESET;

			if (len == 0) {
				close(fd);
				return err;
			}
			break;
		}
		len += (size_t)r;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n") != NULL ||
		    len == sizeof(req) - 1)
			break;
	}
	og_wbuf_init_growable(&resp);
	status = og_telemetry_http_answer(req, len, &resp);
	if (!resp.overflow)
		write_all(fd, resp.data, resp.len);
	og_wbuf_free(&resp);
	shutdown(fd, SHUT_WR);
	close(fd);
	return status;
}

static void *
server_main(void *arg)
{
	struct og_telemetry_server *srv = arg;

	while (!srv->stop) {
		struct pollfd pfd = { .fd = srv->fd, .events = POLLIN };
		int c;

		/* Wake up regularly to notice og_telemetry_stop(). */
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		c = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		og_telemetry_serve_fd(c);
	}
	return NULL;
}

struct og_telemetry_server *
og_telemetry_start(const char *addr_port)
{
	struct og_telemetry_server *srv;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	uint16_t port;
	int one = 1;

	if (og_parse_ipv4_port(addr_port, &sa.sin_addr.s_addr, &port) != 0) {
		TEL_LOG(ERR, "bad address %s", addr_port ? addr_port : "(null)");
		return NULL;
	}
	sa.sin_port = htons(port);
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	srv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		goto fail;
	setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(srv->fd, 16) != 0 ||
	    getsockname(srv->fd, (struct sockaddr *)&sa, &sl) != 0) {
		TEL_LOG(ERR, "listen on %s: %s", addr_port, strerror(errno));
		goto fail;
	}
	srv->port = ntohs(sa.sin_port);
	if (pthread_create(&srv->thread, NULL, server_main, srv) != 0)
		goto fail;
	pthread_setname_np(srv->thread, "og-telemetry");
	TEL_LOG(INFO, "serving /metrics and /healthz on %s", addr_port);
	return srv;
fail:
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv);
	return NULL;
}

uint16_t
og_telemetry_port(const struct og_telemetry_server *srv)
{
	return srv->port;
}

void
og_telemetry_stop(struct og_telemetry_server *srv)
{
	if (srv == NULL)
		return;
	srv->stop = true;
	pthread_join(srv->thread, NULL);
	close(srv->fd);
	free(srv);
}
