/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which gzip library should otlpgate use? This standalone program measures,
 * on one core of the machine it runs on, the inflate speed (GB/s of OUTPUT)
 * of ISA-L, libdeflate and zlib on real OTLP bodies, and their deflate speed
 * at fast levels (for egress compression). docs/dependencies.md holds the
 * figures and the reasoning.
 *
 * Bodies arrive as a list of segments (an mbuf chain, typically 1448-byte
 * pieces of TCP payload). ISA-L and zlib inflate streaming across segments;
 * libdeflate needs the whole compressed input contiguous, so its segmented
 * figure includes the copy that linearises the input.
 *
 * Every inflate result is compared with the original bytes once before it is
 * timed; a mismatch makes the program fail.
 *
 * Run: meson test -C build --benchmark gzip_libs -v
 * Output: one human line and one `bench=gzip_libs key=value ...` line per
 * figure. Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that
 * time spent descheduled on a busy machine is not counted, and each figure
 * is the fastest single call seen in half a second of CPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#define SEG_LEN	    1448	 /* TCP MSS on a 1500-byte MTU with timestamps */
#define BENCH_NSEC  500000000ull /* CPU time spent on each figure */
#define MIN_CALLS   30		 /* and at least this many calls */
#define ISAL_LEVELS 4

struct body {
	const char *name;
	uint8_t *gz;
	size_t gz_len;
};

struct ctx {
	const uint8_t *plain;
	size_t plain_len;
	const uint8_t *gz;
	size_t gz_len;
	size_t seg_len; /* 0: one contiguous segment */
	uint8_t *out;
	size_t out_cap;
	uint8_t *lin; /* libdeflate: where segments are linearised */
	struct inflate_state *isal;
	z_stream *zs;
	struct libdeflate_decompressor *ld;
	/* deflate */
	int level;
	uint8_t *level_buf;
	z_stream *zd; /* zlib deflate stream, reset per call */
	struct libdeflate_compressor *lc;
	size_t out_len;
};

/* CPU time of this thread, in ns. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint8_t *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/samples/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read failed\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- inflate, one function per library -------------------------------- */

/* Returns the inflated length, or 0 on any error. */
static size_t
inflate_isal(struct ctx *c)
{
	struct inflate_state *s = c->isal;
	size_t seg = c->seg_len ? c->seg_len : c->gz_len;

	isal_inflate_reset(s);
	s->crc_flag = ISAL_GZIP;
	s->next_out = c->out;
	s->avail_out = (uint32_t)c->out_cap;
	for (size_t off = 0; off < c->gz_len; off += seg) {
		s->next_in = (uint8_t *)(uintptr_t)(c->gz + off);
		s->avail_in = (uint32_t)(c->gz_len - off < seg ? c->gz_len - off : seg);
		if (isal_inflate(s) != ISAL_DECOMP_OK)
			return 0;
	}
	if (s->block_state != ISAL_BLOCK_FINISH)
		return 0;
	return (size_t)(s->next_out - c->out);
}

/*
 * ISA-L fed through a 32 KiB staging buffer that gathers consecutive small
 * segments (what lib/otlp/gzip.c does): ISA-L copies its 32 KiB history at
 * the end of every call that runs out of input, so one call per 1448-byte
 * segment costs more than copying the compressed bytes once.
 */
#define STAGE_LEN 32768
static size_t
inflate_isal_staged(struct ctx *c)
{
	static uint8_t stage[STAGE_LEN];
	struct inflate_state *s = c->isal;
	size_t seg = c->seg_len ? c->seg_len : c->gz_len;
	size_t off = 0;

	isal_inflate_reset(s);
	s->crc_flag = ISAL_GZIP;
	s->next_out = c->out;
	s->avail_out = (uint32_t)c->out_cap;
	while (off < c->gz_len) {
		size_t k = 0;

		/* gather whole segments (the last one may be split) */
		while (k < STAGE_LEN && off < c->gz_len) {
			size_t n = c->gz_len - off < seg ? c->gz_len - off : seg;

			if (n > STAGE_LEN - k)
				n = STAGE_LEN - k;
			memcpy(stage + k, c->gz + off, n);
			k += n;
			off += n;
		}
		s->next_in = stage;
		s->avail_in = (uint32_t)k;
		if (isal_inflate(s) != ISAL_DECOMP_OK)
			return 0;
	}
	if (s->block_state != ISAL_BLOCK_FINISH)
		return 0;
	return (size_t)(s->next_out - c->out);
}

static size_t
inflate_zlib(struct ctx *c)
{
	z_stream *zs = c->zs;
	size_t seg = c->seg_len ? c->seg_len : c->gz_len;
	int ret = Z_OK;

	if (inflateReset(zs) != Z_OK)
		return 0;
	zs->next_out = c->out;
	zs->avail_out = (uInt)c->out_cap;
	for (size_t off = 0; off < c->gz_len && ret != Z_STREAM_END; off += seg) {
		zs->next_in = (Bytef *)(uintptr_t)(c->gz + off);
		zs->avail_in = (uInt)(c->gz_len - off < seg ? c->gz_len - off : seg);
		ret = inflate(zs, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END)
			return 0;
	}
	return ret == Z_STREAM_END ? (size_t)(zs->next_out - c->out) : 0;
}

static size_t
inflate_libdeflate(struct ctx *c)
{
	const uint8_t *in = c->gz;
	size_t got = 0;

	if (c->seg_len) {
		/* libdeflate has no streaming API: linearise the segments */
		for (size_t off = 0; off < c->gz_len; off += c->seg_len) {
			size_t n = c->gz_len - off < c->seg_len ? c->gz_len - off : c->seg_len;

			memcpy(c->lin + off, c->gz + off, n);
		}
		in = c->lin;
	}
	if (libdeflate_gzip_decompress(c->ld, in, c->gz_len, c->out, c->out_cap, &got) !=
	    LIBDEFLATE_SUCCESS)
		return 0;
	return got;
}

/* ---- deflate ---------------------------------------------------------- */

static size_t
deflate_isal(struct ctx *c)
{
	static const uint32_t lbuf_size[ISAL_LEVELS] = {
		0,
		ISAL_DEF_LVL1_DEFAULT,
		ISAL_DEF_LVL2_DEFAULT,
		ISAL_DEF_LVL3_DEFAULT,
	};
	struct isal_zstream zs;

	isal_deflate_init(&zs);
	zs.gzip_flag = IGZIP_GZIP;
	zs.level = (uint32_t)c->level;
	zs.level_buf = c->level_buf;
	zs.level_buf_size = lbuf_size[c->level];
	zs.end_of_stream = 1;
	zs.flush = NO_FLUSH;
	zs.next_in = (uint8_t *)(uintptr_t)c->plain;
	zs.avail_in = (uint32_t)c->plain_len;
	zs.next_out = c->out;
	zs.avail_out = (uint32_t)c->out_cap;
	if (isal_deflate(&zs) != COMP_OK || zs.internal_state.state != ZSTATE_END)
		return 0;
	return zs.total_out;
}

/* Compressors are set up once per level (as an egress lcore would) and reused. */
static size_t
deflate_zlib(struct ctx *c)
{
	z_stream *zs = c->zd;

	if (deflateReset(zs) != Z_OK)
		return 0;
	zs->next_in = (Bytef *)(uintptr_t)c->plain;
	zs->avail_in = (uInt)c->plain_len;
	zs->next_out = c->out;
	zs->avail_out = (uInt)c->out_cap;
	return deflate(zs, Z_FINISH) == Z_STREAM_END ? zs->total_out : 0;
}

static size_t
deflate_libdeflate(struct ctx *c)
{
	return libdeflate_gzip_compress(c->lc, c->plain, c->plain_len, c->out, c->out_cap);
}

/* ---- timing ----------------------------------------------------------- */

/*
 * Bytes per second of @p fn's fastest call (@p bytes per call) over
 * BENCH_NSEC of CPU time. The fastest call is the one least disturbed by
 * other work on the machine (a shared core, cache pollution): it is the
 * library's speed, not the machine's load.
 */
static double
best_rate(size_t (*fn)(struct ctx *), struct ctx *c, size_t bytes)
{
	uint64_t start = now_ns(), t0 = start, t, best = UINT64_MAX;
	unsigned int calls = 0;

	do {
		if (fn(c) == 0) {
			fprintf(stderr, "error during timing\n");
			exit(1);
		}
		t = now_ns();
		if (t - t0 < best)
			best = t - t0;
		t0 = t;
		calls++;
	} while (t - start < BENCH_NSEC || calls < MIN_CALLS);
	return (double)bytes / ((double)(best ? best : 1) / 1e9);
}

static uint8_t *
zlib_gzip(const uint8_t *in, size_t len, int level, size_t *out_len)
{
	struct ctx c = { .plain = in, .plain_len = len, .level = level };
	z_stream zd;

	memset(&zd, 0, sizeof(zd));
	if (deflateInit2(&zd, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		exit(2);
	c.zd = &zd;
	c.out_cap = compressBound((uLong)len) + 64;
	c.out = malloc(c.out_cap);
	*out_len = deflate_zlib(&c);
	deflateEnd(&zd);
	if (*out_len == 0) {
		fprintf(stderr, "zlib deflate failed\n");
		exit(2);
	}
	return c.out;
}

int
main(void)
{
	static const char *const samples[] = { "traces-512", "traces-4096" };
	static const struct {
		const char *name;
		size_t (*fn)(struct ctx *);
	} infl[] = {
		{ "isal", inflate_isal },
		{ "isal+stage", inflate_isal_staged },
		{ "libdeflate", inflate_libdeflate },
		{ "zlib", inflate_zlib },
	};
	const char *dir = getenv("OG_TEST_DATA");
	struct inflate_state *isal = malloc(sizeof(*isal));
	z_stream zs;
	int fails = 0;

	if (dir == NULL)
		dir = "tests/data";
	memset(&zs, 0, sizeof(zs));
	if (isal == NULL || inflateInit2(&zs, 31) != Z_OK)
		return 2;
	isal_inflate_init(isal);

	printf("gzip library comparison, one core, fastest call in %.1f s of CPU; inflate GB/s "
	       "of output\n",
	       (double)BENCH_NSEC / 1e9);
	for (size_t si = 0; si < sizeof(samples) / sizeof(samples[0]); si++) {
		char name[128];
		size_t plain_len;
		uint8_t *plain;
		struct body bodies[3];

		snprintf(name, sizeof(name), "%s.pb", samples[si]);
		plain = read_file(dir, name, &plain_len);
		snprintf(name, sizeof(name), "%s.pb.gz", samples[si]);
		bodies[0].name = "sdk";
		bodies[0].gz = read_file(dir, name, &bodies[0].gz_len);
		bodies[1].name = "zlib6";
		bodies[1].gz = zlib_gzip(plain, plain_len, 6, &bodies[1].gz_len);
		bodies[2].name = "zlib1";
		bodies[2].gz = zlib_gzip(plain, plain_len, 1, &bodies[2].gz_len);

		for (int b = 0; b < 3; b++) {
			struct ctx c = {
				.plain = plain,
				.plain_len = plain_len,
				.gz = bodies[b].gz,
				.gz_len = bodies[b].gz_len,
				.out_cap = plain_len,
				.isal = isal,
				.zs = &zs,
				.ld = libdeflate_alloc_decompressor(),
			};

			c.out = malloc(plain_len);
			c.lin = malloc(c.gz_len);
			for (size_t li = 0; li < sizeof(infl) / sizeof(infl[0]); li++) {
				for (int segd = 0; segd < 2; segd++) {
					double gbps;
					size_t got;

					/* staging only matters for segmented input */
					if (!segd && infl[li].fn == inflate_isal_staged)
						continue;
					c.seg_len = segd ? SEG_LEN : 0;
					memset(c.out, 0, plain_len);
					got = infl[li].fn(&c);
					if (got != plain_len ||
					    memcmp(c.out, plain, plain_len) != 0) {
						fprintf(stderr, "%s %s/%s: wrong output\n",
							infl[li].name, samples[si], bodies[b].name);
						fails++;
						continue;
					}
					gbps = best_rate(infl[li].fn, &c, plain_len) / 1e9;
					printf("inflate %-11s %-12s %-6s ratio %5.2f segs %-6s "
					       "%6.3f GB/s\n",
					       infl[li].name, samples[si], bodies[b].name,
					       (double)plain_len / (double)c.gz_len,
					       segd ? "1448" : "one", gbps);
					printf("bench=gzip_libs op=inflate lib=%s sample=%s "
					       "body=%s "
					       "seg=%d out_bytes=%zu in_bytes=%zu gbps=%.3f\n",
					       infl[li].name, samples[si], bodies[b].name,
					       segd ? SEG_LEN : 0, plain_len, c.gz_len, gbps);
				}
			}
			libdeflate_free_decompressor(c.ld);
			free(c.out);
			free(c.lin);
		}

		/* deflate at fast levels: GB/s of input and the ratio reached */
		static const struct {
			const char *name;
			size_t (*fn)(struct ctx *);
			int level;
		} defl[] = {
			{ "isal", deflate_isal, 0 },
			{ "isal", deflate_isal, 1 },
			{ "isal", deflate_isal, 2 },
			{ "libdeflate", deflate_libdeflate, 1 },
			{ "libdeflate", deflate_libdeflate, 6 },
			{ "zlib", deflate_zlib, 1 },
			{ "zlib", deflate_zlib, 6 },
		};
		for (size_t di = 0; di < sizeof(defl) / sizeof(defl[0]); di++) {
			struct ctx c = {
				.plain = plain,
				.plain_len = plain_len,
				.level = defl[di].level,
				.out_cap = compressBound((uLong)plain_len) + 1024,
				.level_buf = malloc(ISAL_DEF_LVL3_DEFAULT),
				.lc = libdeflate_alloc_compressor(defl[di].level),
			};
			struct ctx v;
			z_stream zd;
			double gbps;

			memset(&zd, 0, sizeof(zd));
			if (deflateInit2(&zd, defl[di].level, Z_DEFLATED, 31, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
				return 2;
			c.zd = &zd;
			c.out = malloc(c.out_cap);
			c.out_len = defl[di].fn(&c);
			/* check the member inflates back to the input (with zlib) */
			v = (struct ctx){ .gz = c.out, .gz_len = c.out_len, .zs = &zs };
			v.out_cap = plain_len;
			v.out = malloc(plain_len);
			if (c.out_len == 0 || inflate_zlib(&v) != plain_len ||
			    memcmp(v.out, plain, plain_len) != 0) {
				fprintf(stderr, "deflate %s level %d: bad output\n", defl[di].name,
					defl[di].level);
				fails++;
			} else {
				gbps = best_rate(defl[di].fn, &c, plain_len) / 1e9;
				printf("deflate %-11s %-12s level %d ratio %5.2f         %6.3f "
				       "GB/s "
				       "(of input)\n",
				       defl[di].name, samples[si], defl[di].level,
				       (double)plain_len / (double)c.out_len, gbps);
				printf("bench=gzip_libs op=deflate lib=%s sample=%s level=%d "
				       "in_bytes=%zu out_bytes=%zu gbps=%.3f\n",
				       defl[di].name, samples[si], defl[di].level, plain_len,
				       c.out_len, gbps);
			}
			free(v.out);
			free(c.out);
			free(c.level_buf);
			libdeflate_free_compressor(c.lc);
			deflateEnd(&zd);
		}
		for (int b = 0; b < 3; b++)
			free(bodies[b].gz);
		free(plain);
	}
	inflateEnd(&zs);
	free(isal);
	return fails ? 1 : 0;
}
