/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The file backend (og_backend_file.h, docs/backends.md). The batching lcore
 * only moves batch pointers through two rings; the writer thread owns the
 * file descriptors and does every system call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_ring.h>

#include "og_otlp.h"
#include "og_pb.h"
#include "og_backend_file.h"

RTE_LOG_REGISTER(og_backend_file_logtype, otlpgate.backend.file, INFO);
#define FILE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_backend_file_logtype, "backend file: " fmt "\n", ##__VA_ARGS__)

#define DEF_MAX_BYTES (256ull << 20)
#define QUEUE_SIZE    1024 /* batches waiting for the writer */
#define IOV_N	      512  /* below IOV_MAX (1024): fewer writev calls per batch */
#define IDLE_US	      200  /* writer's nap when it has nothing to do */

struct out_file {
	int fd; /* -1: none open */
	uint64_t n;
	uint64_t size;
};

struct file_be {
	char dir[PATH_MAX];
	const char *ext;
	int json;
	int fsync;
	uint64_t max_bytes;
	struct rte_ring *in;  /* dataplane -> writer (MP/SC) */
	struct rte_ring *out; /* writer -> dataplane poll() (SP/SC) */
	pthread_t thread;
	int started;
	uint32_t stop; /* atomic */
	struct out_file f[OG_OTLP_SIGNAL_MAX];
	/* writer scratch */
	struct iovec iov[IOV_N];
	int n_iov;
	uint64_t written; /* bytes of the current batch */
	struct og_seg *segs;
	uint32_t n_segs, segs_cap;
	struct og_wbuf json_buf;
	struct og_backend_file_stats st; /* atomic */
};

/* ---- options --------------------------------------------------------- */

static int
parse_u64(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end != '\0' || v[0] == '-')
		return -EINVAL;
	*out = x;
	return 0;
}

static int
parse_options(struct file_be *fb, const char *rest)
{
	char buf[PATH_MAX + 256];
	char *q, *kv, *save = NULL;
	const char *dir;
	uint64_t v;

	if (snprintf(buf, sizeof(buf), "%s", rest) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	q = strchr(buf, '?');
	if (q != NULL)
		*q++ = '\0';
	dir = buf;
	/* file:///abs/dir (URI form) as well as file:/abs/dir and file:rel */
	if (strncmp(dir, "//", 2) == 0)
		dir += 2;
	if (dir[0] == '\0') {
		FILE_LOG(ERR, "no directory (file:DIR)");
		return -EINVAL;
	}
	if (strlen(dir) >= sizeof(fb->dir))
		return -ENAMETOOLONG;
	memcpy(fb->dir, dir, strlen(dir) + 1);
	fb->max_bytes = DEF_MAX_BYTES;
	for (kv = q ? strtok_r(q, "&", &save) : NULL; kv != NULL; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq == NULL)
			goto bad;
		*eq++ = '\0';
		if (strcmp(kv, "format") == 0 && (!strcmp(eq, "json") || !strcmp(eq, "pb")))
			fb->json = eq[0] == 'j';
		else if (strcmp(kv, "max_bytes") == 0 && parse_u64(eq, &v) == 0 && v > 0)
			fb->max_bytes = v;
		else if (strcmp(kv, "fsync") == 0 && (!strcmp(eq, "0") || !strcmp(eq, "1")))
			fb->fsync = eq[0] == '1';
		else
			goto bad;
	}
	fb->ext = fb->json ? "jsonl" : "otlp";
	return 0;
bad:
	FILE_LOG(ERR, "bad option '%s' (format=pb|json, max_bytes=N, fsync=0|1)", kv);
	return -EINVAL;
}

/* Continue numbering after the highest <signal>-<n>.<ext> already there. */
static int
scan_dir(struct file_be *fb)
{
	DIR *d = opendir(fb->dir);
	struct dirent *e;

	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++) {
			const char *name = og_otlp_signal_name(s);
			size_t nl = strlen(name);
			char *end;
			unsigned long long n;

			if (strncmp(e->d_name, name, nl) != 0 || e->d_name[nl] != '-' ||
			    e->d_name[nl + 1] < '0' || e->d_name[nl + 1] > '9')
				continue;
			n = strtoull(e->d_name + nl + 1, &end, 10);
			if (*end != '.' || strcmp(end + 1, fb->ext) != 0)
				continue;
			if (n + 1 > fb->f[s].n)
				fb->f[s].n = n + 1;
		}
	}
	closedir(d);
	return 0;
}

/* ---- writer thread --------------------------------------------------- */

static void
file_path(const struct file_be *fb, unsigned int sig, uint64_t n, char *p, size_t len)
{
	snprintf(p, len, "%s/%s-%" PRIu64 ".%s", fb->dir, og_otlp_signal_name(sig), n, fb->ext);
}

static int
open_next(struct file_be *fb, unsigned int sig)
{
	struct out_file *f = &fb->f[sig];
	char path[PATH_MAX + 64];

	/* O_EXCL: never append to a file someone else (or an old run) wrote */
	for (int tries = 0; tries < 1000; tries++, f->n++) {
		file_path(fb, sig, f->n, path, sizeof(path));
		f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (f->fd >= 0) {
			f->size = 0;
			__atomic_fetch_add(&fb->st.files_opened, 1, __ATOMIC_RELAXED);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	FILE_LOG(ERR, "open %s: %s", path, strerror(errno));
	return -errno;
}

static void
close_file(struct file_be *fb, unsigned int sig)
{
	struct out_file *f = &fb->f[sig];

	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
		f->n++;
	}
}

/* writev until everything in fb->iov is written (short writes resumed). */
static int
flush_iov(struct file_be *fb, int fd)
{
	struct iovec *v = fb->iov;
	int n = fb->n_iov;

	while (n > 0) {
		ssize_t w = writev(fd, v, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		fb->written += (uint64_t)w;
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (uint8_t *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	fb->n_iov = 0;
	return 0;
}

struct visit_ctx {
	struct file_be *fb;
	int fd;
};

static int
visit_iov(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct visit_ctx *c = ctx;
	struct file_be *fb = c->fb;

	RTE_SET_USED(m);
	if (fb->n_iov == IOV_N) {
		int rc = flush_iov(fb, c->fd);

		if (rc)
			return rc;
	}
	fb->iov[fb->n_iov].iov_base = (void *)(uintptr_t)p;
	fb->iov[fb->n_iov].iov_len = len;
	fb->n_iov++;
	return 0;
}

static int
visit_seg(void *ctx, const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	struct file_be *fb = ctx;

	RTE_SET_USED(m);
	if (fb->n_segs == fb->segs_cap) {
		uint32_t cap = fb->segs_cap ? fb->segs_cap * 2 : 256;
		struct og_seg *s = realloc(fb->segs, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		fb->segs = s;
		fb->segs_cap = cap;
	}
	fb->segs[fb->n_segs].data = p;
	fb->segs[fb->n_segs].len = len;
	fb->n_segs++;
	return 0;
}

/* Write one batch; 0 or -errno. */
static int
write_batch(struct file_be *fb, struct og_batch *b)
{
	struct out_file *f = &fb->f[b->sig];
	struct visit_ctx vc = { .fb = fb };
	uint8_t hdr[OG_PB_VARINT_MAX];
	unsigned int hlen = 0;
	uint64_t size;
	int rc;

	if (fb->json) {
		struct og_otlp_error err;

		fb->n_segs = 0;
		rc = og_batch_foreach(b, visit_seg, fb);
		if (rc)
			return rc < 0 ? rc : -EIO;
		fb->json_buf.len = 0;
		fb->json_buf.overflow = false;
		rc = og_otlp_pb_to_json(b->sig, fb->segs, fb->n_segs, &fb->json_buf, &err);
		if (rc != OG_OK) {
			FILE_LOG(ERR, "batch not encodable as JSON: %s at %" PRIu64,
				 og_otlp_err_name(err.code), err.offset);
			return -EBADMSG;
		}
		og_wbuf_putc(&fb->json_buf, '\n');
		if (fb->json_buf.overflow)
			return -ENOMEM;
		size = fb->json_buf.len;
	} else {
		hlen = og_pb_varint_put(hdr, b->bytes); /* the delimited convention's prefix */
		size = hlen + b->bytes;
	}

	/* rotate before a batch would take the file past max_bytes */
	if (f->fd >= 0 && f->size > 0 && f->size + size > fb->max_bytes)
		close_file(fb, b->sig);
	if (f->fd < 0) {
		rc = open_next(fb, b->sig);
		if (rc)
			return rc;
	}
	vc.fd = f->fd;
	fb->written = 0;
	fb->n_iov = 0;
	if (fb->json) {
		rc = visit_iov(&vc, NULL, fb->json_buf.data, (uint32_t)fb->json_buf.len);
	} else {
		rc = visit_iov(&vc, NULL, hdr, hlen);
		if (rc == 0)
			rc = og_batch_foreach(b, visit_iov, &vc);
	}
	if (rc == 0)
		rc = flush_iov(fb, f->fd);
	if (rc == 0 && fb->fsync && fdatasync(f->fd) != 0)
		rc = -errno;
	f->size += fb->written;
	if (rc) {
		char path[PATH_MAX + 64];

		file_path(fb, b->sig, f->n, path, sizeof(path));
		FILE_LOG(ERR, "write %s: %s", path, strerror(rc > 0 ? rc : -rc));
		/* a torn record may end the file: later batches go to a new one */
		if (fb->written)
			close_file(fb, b->sig);
		return rc > 0 ? -EIO : rc;
	}
	__atomic_fetch_add(&fb->st.bytes_written, fb->written, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fb->st.batches_written, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *
writer_main(void *arg)
{
	struct file_be *fb = arg;
	struct og_batch *b;

	for (;;) {
		if (rte_ring_sc_dequeue(fb->in, (void **)&b) != 0) {
			if (__atomic_load_n(&fb->stop, __ATOMIC_ACQUIRE))
				break;
			usleep(IDLE_US);
			continue;
		}
		b->drv_val = write_batch(fb, b);
		if (b->drv_val)
			__atomic_fetch_add(&fb->st.write_errors, 1, __ATOMIC_RELAXED);
		/* the return ring holds every batch this backend can have */
		while (rte_ring_sp_enqueue(fb->out, b) != 0)
			usleep(IDLE_US);
	}
	return NULL;
}

/* ---- backend operations (batching lcore) ----------------------------- */

static void
file_poll(struct og_backend *be, uint64_t now_us)
{
	struct file_be *fb = be->priv;
	struct og_batch *done[32];
	unsigned int n;

	RTE_SET_USED(now_us);
	n = rte_ring_sc_dequeue_burst(fb->out, (void **)done, RTE_DIM(done), NULL);
	for (unsigned int i = 0; i < n; i++) {
		char msg[128];

		if (done[i]->drv_val == 0) {
			og_batch_complete(done[i], OG_BATCH_OK, 0, NULL);
			continue;
		}
		/* the writer logged the file's path; the batch carries the errno */
		snprintf(msg, sizeof(msg), "file write failed: %s",
			 strerror((int)-done[i]->drv_val));
		og_batch_complete(done[i], OG_BATCH_REJECTED, 0, msg);
	}
}

static int
file_submit(struct og_backend *be, struct og_batch *b)
{
	struct file_be *fb = be->priv;

	return rte_ring_mp_enqueue(fb->in, b) == 0 ? 0 : -EAGAIN;
}

static void
file_free(struct file_be *fb)
{
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		if (fb->f[s].fd >= 0)
			close(fb->f[s].fd);
	rte_ring_free(fb->in);
	rte_ring_free(fb->out);
	free(fb->segs);
	og_wbuf_free(&fb->json_buf);
	free(fb);
}

static int
file_create(struct og_backend *be, const char *rest)
{
	static uint32_t seq;
	struct file_be *fb = calloc(1, sizeof(*fb));
	char name[RTE_RING_NAMESIZE];
	uint32_t id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	int rc;

	if (fb == NULL)
		return -ENOMEM;
	for (unsigned int s = 0; s < OG_OTLP_SIGNAL_MAX; s++)
		fb->f[s].fd = -1;
	og_wbuf_init_growable(&fb->json_buf);
	rc = parse_options(fb, rest);
	if (rc)
		goto fail;
	if (mkdir(fb->dir, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		FILE_LOG(ERR, "mkdir %s: %s", fb->dir, strerror(errno));
		goto fail;
	}
	if (access(fb->dir, W_OK | X_OK) != 0) {
		rc = -errno;
		FILE_LOG(ERR, "%s: %s", fb->dir, strerror(errno));
		goto fail;
	}
	rc = scan_dir(fb);
	if (rc)
		goto fail;
	snprintf(name, sizeof(name), "ogfile_i%u", id);
	fb->in = rte_ring_create(name, QUEUE_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ogfile_o%u", id);
	/* room for every batch that can be in the queue and in the writer */
	fb->out =
		rte_ring_create(name, QUEUE_SIZE * 2, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (fb->in == NULL || fb->out == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = pthread_create(&fb->thread, NULL, writer_main, fb);
	if (rc) {
		rc = -rc;
		goto fail;
	}
	fb->started = 1;
	be->priv = fb;
	FILE_LOG(INFO, "writing %s files to %s (rotate at %" PRIu64 " bytes%s)",
		 fb->json ? "OTLP/JSON lines" : "delimited protobuf", fb->dir, fb->max_bytes,
		 fb->fsync ? ", fsync" : "");
	return 0;
fail:
	file_free(fb);
	return rc;
}

static void
file_destroy(struct og_backend *be)
{
	struct file_be *fb = be->priv;

	if (fb == NULL)
		return;
	/* the writer finishes its queue before it sees the stop flag */
	__atomic_store_n(&fb->stop, 1, __ATOMIC_RELEASE);
	if (fb->started)
		pthread_join(fb->thread, NULL);
	/* complete whatever was written after the last poll() */
	file_poll(be, 0);
	file_free(fb);
	be->priv = NULL;
}

void
og_backend_file_stats(const struct og_backend *be, struct og_backend_file_stats *out)
{
	const struct file_be *fb = be->priv;

	memset(out, 0, sizeof(*out));
	if (fb == NULL || be->ops != &og_backend_file_ops)
		return;
	out->batches_written = __atomic_load_n(&fb->st.batches_written, __ATOMIC_RELAXED);
	out->bytes_written = __atomic_load_n(&fb->st.bytes_written, __ATOMIC_RELAXED);
	out->files_opened = __atomic_load_n(&fb->st.files_opened, __ATOMIC_RELAXED);
	out->write_errors = __atomic_load_n(&fb->st.write_errors, __ATOMIC_RELAXED);
}

const struct og_backend_ops og_backend_file_ops = {
	.scheme = "file",
	.create = file_create,
	.submit = file_submit,
	.poll = file_poll,
	.destroy = file_destroy,
};
