/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Definitions shared by every otlpgate library: return codes of incremental
 * parsers, branch hints, the segment list in which bodies arrive, and a small
 * write buffer for encoders.
 *
 * Nothing here depends on DPDK, so the codec and the TCP core can be built and
 * tested without it.
 */
#ifndef OG_COMMON_H
#define OG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Return codes of incremental parsers (STYLE.md): OG_OK when an element is
 * complete, OG_AGAIN when more input is needed; errors are negative values of
 * the layer's own error enum (generated from that layer's .def file).
 */
#define OG_OK	 0
#define OG_AGAIN 1

#define og_likely(x)   __builtin_expect(!!(x), 1)
#define og_unlikely(x) __builtin_expect(!!(x), 0)

#define OG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define OG_MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define OG_MAX(a, b)	 ((a) > (b) ? (a) : (b))

#ifdef OG_DEBUG_CHECKS
#include <assert.h>
/** Argument and invariant checks compiled only with -Ddebug_checks=true. */
#define OG_ASSERT(x) assert(x)
#else
#define OG_ASSERT(x) ((void)0)
#endif

/**
 * One contiguous piece of a body: how a body arrives when it is spread over
 * the data areas of an mbuf chain. A body is an array of these.
 */
struct og_seg {
	const uint8_t *data;
	uint32_t len;
};

/**
 * A piece of a body named by position, without a pointer: segment index,
 * offset inside that segment, and length (which may run on into following
 * segments).
 */
struct og_slice {
	uint32_t seg;
	uint32_t off;
	uint32_t len;
};

/**
 * Total number of bytes in a segment list.
 */
static inline uint64_t
og_segs_total(const struct og_seg *segs, uint32_t nseg)
{
	uint64_t t = 0;

	for (uint32_t i = 0; i < nseg; i++)
		t += segs[i].len;
	return t;
}

/**
 * Copy @p len bytes starting at absolute offset @p off of a segment list into
 * @p dst. For small fields (ids) and for tools; never for span bodies.
 *
 * @return 0, or -1 when the range runs past the end of the list.
 */
int og_segs_copy(const struct og_seg *segs, uint32_t nseg, uint64_t off, uint64_t len, void *dst);

/**
 * Find the segment holding absolute offset @p off.
 *
 * @return 0 and fills @p out (len = bytes left in that segment), or -1 when
 *   @p off is at or past the end.
 */
int og_segs_locate(const struct og_seg *segs, uint32_t nseg, uint64_t off, struct og_slice *out);

/**
 * Output buffer for encoders that are off the hot path or write small
 * answers. A fixed buffer (growable = false) sets @c overflow instead of
 * writing past @c cap; a growable one reallocates with realloc().
 */
struct og_wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool growable;
	bool overflow; /**< set when a write did not fit (or realloc failed) */
};

/** Initialise a fixed buffer over caller memory. */
static inline void
og_wbuf_init_fixed(struct og_wbuf *b, void *mem, size_t cap)
{
	b->data = mem;
	b->len = 0;
	b->cap = cap;
	b->growable = false;
	b->overflow = false;
}

/** Initialise an empty growable buffer (free with og_wbuf_free()). */
static inline void
og_wbuf_init_growable(struct og_wbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->growable = true;
	b->overflow = false;
}

/** Make room for @p n more bytes; false (and overflow set) when impossible. */
bool og_wbuf_reserve(struct og_wbuf *b, size_t n);

/** Append bytes; on failure sets overflow and writes nothing. */
static inline void
og_wbuf_put(struct og_wbuf *b, const void *p, size_t n)
{
	if (og_unlikely(b->len + n > b->cap) && !og_wbuf_reserve(b, n))
		return;
	for (size_t i = 0; i < n; i++)
		b->data[b->len + i] = ((const uint8_t *)p)[i];
	b->len += n;
}

/** Append one byte. */
static inline void
og_wbuf_putc(struct og_wbuf *b, uint8_t c)
{
	og_wbuf_put(b, &c, 1);
}

/** Append a NUL-terminated string (without the NUL). */
void og_wbuf_puts(struct og_wbuf *b, const char *s);

/** printf-style append. */
void og_wbuf_printf(struct og_wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Free a growable buffer's memory. */
void og_wbuf_free(struct og_wbuf *b);

/**
 * Entry @p i of a name table of @p n entries (one per row of a layer's .def
 * file, or of an enum), or @p dflt when @p i is outside the table or its entry
 * is empty. Every lookup is bounded because the value may come from a cast or
 * from the wire rather than from the enum itself.
 */
static inline const char *
og_name_at(const char *const *table, size_t n, unsigned int i, const char *dflt)
{
	return i < n && table[i] != NULL ? table[i] : dflt;
}

/**
 * Define the lookup function `const char *fn(type v)` over the name table
 * @p table (an array, so that its size is known here): og_name_at() with
 * @p dflt for values outside it. The prototype and its documentation stay in
 * the layer's header; the layer's names file keeps only its tables and one
 * line per lookup.
 */
#define OG_NAME_LOOKUP(fn, type, table, dflt)                                              \
	const char *fn(type v)                                                             \
	{                                                                                  \
		return og_name_at((table), OG_ARRAY_SIZE(table), (unsigned int)v, (dflt)); \
	}

/**
 * Split a program's command line at its first "--": what comes before is
 * EAL's (argv[0] included, as rte_eal_init() wants it), what comes after is
 * the application's. Both programs check their own arguments before EAL
 * starts, so a typo costs no EAL initialisation.
 *
 * @param argc, argv  the command line as main() got it; not modified.
 * @param app_argv    filled with argv[0], the arguments after "--" and a
 *                    terminating NULL, ready for getopt_long(); must hold
 *                    @p argc + 1 pointers.
 * @param app_argc    set to the number of entries of @p app_argv before the
 *                    NULL (1 when there is no "--").
 * @return the number of EAL arguments (the index of "--", or @p argc when
 *   there is none): pass it with @p argv to rte_eal_init().
 */
int og_args_split(int argc, char **argv, char **app_argv, int *app_argc);

/**
 * Whether "-h" or "--help" is among argv[1 .. @p argc): asked before the
 * "--" (where EAL would take it as its own), it is the program's help that
 * the user wants.
 */
bool og_args_help(int argc, char *const *argv);

/**
 * Parse an IPv4 "ADDR:PORT" (dotted quad, port 0..65535), as in the
 * --otlp and --telemetry options.
 *
 * @return 0 and fills @p addr_be (network order) and @p port (host order),
 *   or -EINVAL.
 */
int og_parse_ipv4_port(const char *s, uint32_t *addr_be, uint16_t *port);

#endif /* OG_COMMON_H */
