/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy scanner of Export{Trace,Metrics,Logs}ServiceRequest bodies spread
 * over segments (mbuf data areas), and the pieces that forward a resource
 * entry without its rejected items.
 *
 * Schema: opentelemetry-proto v1.11.0 (common, resource, trace, metrics, logs
 * v1 and collector/<signal>/v1/<signal>_service.proto). Wire format: protobuf
 * encoding guide (https://protobuf.dev/programming-guides/encoding/).
 *
 * Rules (the reference nanopb decoder follows the same ones; fuzzing compares
 * the two), checked in this order for each field:
 *  1. tag varint: over 10 bytes or bits beyond 64 -> VARINT_TOO_LONG (offset
 *     of the varint), ends at the message end -> TRUNCATED;
 *  2. field number 0 or over 2^29-1 -> BAD_FIELD_NUMBER;
 *  3. wire type 3, 4, 6, 7 -> BAD_WIRE_TYPE;
 *  4. a known field whose schema does not allow the wire type ->
 *     WRONG_WIRE_TYPE (repeated numeric fields take packed and unpacked);
 *  5. the value: varints as in 1; fixed fields and lengths that run past the
 *     end of the enclosing message -> TRUNCATED for varints and fixed fields,
 *     LENGTH_PAST_PARENT for lengths (TRUNCATED for the request's own
 *     fields, whose parent is the whole body);
 *  6. packed fixed64/double length not a multiple of 8, or packed varints not
 *     ending exactly at the field's end -> BAD_PACKED;
 *  7. a known message field entered at depth > OG_OTLP_MAX_DEPTH (the request
 *     is depth 0) -> TOO_DEEP;
 *  8. a resource entry beyond res_cap -> TOO_MANY_RESOURCES.
 * Offsets are of the field's tag, except VARINT_TOO_LONG (the varint's first
 * byte). Unknown fields of wire type 0, 1, 2, 5 are skipped; integer values
 * are not range-checked (a varint is a varint); strings are not checked for
 * UTF-8 (protobuf bodies are forwarded byte-exact). Items are counted at each
 * occurrence, as a streaming reader sees them.
 *
 * Design for speed: an explicit frame stack (no recursion), a per-message
 * field table, and a window [p, pe) that is the intersection of the current
 * segment and the current message. Fields lying inside the window are parsed
 * straight from the pointer; a varint or fixed field that crosses a segment
 * boundary takes the slow path, which reads byte by byte across segments.
 */
#include <errno.h>
#include <string.h>

#include "og_otlp.h"
#include "otlp_scan_private.h"

/* Message types of the schema. */
enum {
	T_TREQ,
	T_MREQ,
	T_LREQ,
	T_RESOURCE,
	T_ENTITYREF,
	T_ISCOPE,
	T_KV,
	T_AV,
	T_ARRAY,
	T_KVLIST,
	T_RS,
	T_SS,
	T_SPAN,
	T_EVENT,
	T_LINK,
	T_STATUS,
	T_RM,
	T_SM,
	T_METRIC,
	T_GAUGE,
	T_SUM,
	T_HIST,
	T_EHIST,
	T_SUMMARY,
	T_NDP,
	T_HDP,
	T_EHDP,
	T_BUCKETS,
	T_SDP,
	T_VAQ,
	T_EXEMPLAR,
	T_RL,
	T_SL,
	T_LOG,
	T_MAX,
};

/* What a field is; decides the wire types it accepts. */
enum {
	K_UNKNOWN = 0, /* not in the schema: any valid wire type, skipped */
	K_VARINT,      /* int32/64, uint32/64, sint32, bool, enum */
	K_I64,	       /* fixed64, sfixed64, double */
	K_I32,	       /* fixed32 */
	K_LEN,	       /* string, bytes */
	K_MSG,	       /* submessage: child type in .arg */
	K_ID,	       /* bytes id validated on the item: slot in .arg */
	K_PK64,	       /* repeated fixed64/double: packed or not */
	K_PKVAR,       /* repeated uint64: packed or not */
	K_MAX,
};

/* A field of the schema: its kind, the child type (K_MSG) or id slot (K_ID),
 * and the wire types it accepts as a bit mask. Zero (unknown) entries accept
 * nothing, which sends unknown fields to the checks off the fast path. */
struct fdesc {
	uint8_t kind;
	uint8_t arg;
	uint8_t mask;
};

#define NF 17 /* field numbers 0..16 (Span.flags = 16 is the highest) */

/* clang-format off */
#define V	 { K_VARINT, 0, 1 << 0 }
#define F8	 { K_I64, 0, 1 << 1 }
#define F4	 { K_I32, 0, 1 << 5 }
#define S	 { K_LEN, 0, 1 << 2 }
#define M(t)	 { K_MSG, t, 1 << 2 }
#define ID(slot) { K_ID, slot, 1 << 2 }
#define PK64	 { K_PK64, 0, (1 << 1) | (1 << 2) }
#define PKVAR	 { K_PKVAR, 0, (1 << 0) | (1 << 2) }

/* Field tables, transcribed from the v1.11.0 .proto files. */
static const struct fdesc schema[T_MAX][NF] = {
	/* Export*ServiceRequest: resource_{spans,metrics,logs} = 1 */
	[T_TREQ] = { [1] = M(T_RS) },
	[T_MREQ] = { [1] = M(T_RM) },
	[T_LREQ] = { [1] = M(T_RL) },
	/* resource/v1: attributes, dropped_attributes_count, entity_refs */
	[T_RESOURCE] = { [1] = M(T_KV), [2] = V, [3] = M(T_ENTITYREF) },
	/* common/v1 */
	[T_ENTITYREF] = { [1] = S, [2] = S, [3] = S, [4] = S },
	[T_ISCOPE] = { [1] = S, [2] = S, [3] = M(T_KV), [4] = V },
	[T_KV] = { [1] = S, [2] = M(T_AV), [3] = V },
	[T_AV] = { [1] = S, [2] = V, [3] = V, [4] = F8, [5] = M(T_ARRAY),
		   [6] = M(T_KVLIST), [7] = S, [8] = V },
	[T_ARRAY] = { [1] = M(T_AV) },
	[T_KVLIST] = { [1] = M(T_KV) },
	/* trace/v1 */
	[T_RS] = { [1] = M(T_RESOURCE), [2] = M(T_SS), [3] = S },
	[T_SS] = { [1] = M(T_ISCOPE), [2] = M(T_SPAN), [3] = S },
	[T_SPAN] = { [1] = ID(0), [2] = ID(1), [3] = S, [4] = ID(2), [5] = S,
		     [6] = V, [7] = F8, [8] = F8, [9] = M(T_KV), [10] = V,
		     [11] = M(T_EVENT), [12] = V, [13] = M(T_LINK), [14] = V,
		     [15] = M(T_STATUS), [16] = F4 },
	[T_EVENT] = { [1] = F8, [2] = S, [3] = M(T_KV), [4] = V },
	[T_LINK] = { [1] = S, [2] = S, [3] = S, [4] = M(T_KV), [5] = V, [6] = F4 },
	[T_STATUS] = { [2] = S, [3] = V },
	/* metrics/v1 */
	[T_RM] = { [1] = M(T_RESOURCE), [2] = M(T_SM), [3] = S },
	[T_SM] = { [1] = M(T_ISCOPE), [2] = M(T_METRIC), [3] = S },
	[T_METRIC] = { [1] = S, [2] = S, [3] = S, [5] = M(T_GAUGE), [7] = M(T_SUM),
		       [9] = M(T_HIST), [10] = M(T_EHIST), [11] = M(T_SUMMARY),
		       [12] = M(T_KV) },
	[T_GAUGE] = { [1] = M(T_NDP) },
	[T_SUM] = { [1] = M(T_NDP), [2] = V, [3] = V },
	[T_HIST] = { [1] = M(T_HDP), [2] = V },
	[T_EHIST] = { [1] = M(T_EHDP), [2] = V },
	[T_SUMMARY] = { [1] = M(T_SDP) },
	[T_NDP] = { [2] = F8, [3] = F8, [4] = F8, [5] = M(T_EXEMPLAR), [6] = F8,
		    [7] = M(T_KV), [8] = V },
	[T_HDP] = { [2] = F8, [3] = F8, [4] = F8, [5] = F8, [6] = PK64, [7] = PK64,
		    [8] = M(T_EXEMPLAR), [9] = M(T_KV), [10] = V, [11] = F8, [12] = F8 },
	[T_EHDP] = { [1] = M(T_KV), [2] = F8, [3] = F8, [4] = F8, [5] = F8, [6] = V,
		     [7] = F8, [8] = M(T_BUCKETS), [9] = M(T_BUCKETS), [10] = V,
		     [11] = M(T_EXEMPLAR), [12] = F8, [13] = F8, [14] = F8 },
	[T_BUCKETS] = { [1] = V, [2] = PKVAR },
	[T_SDP] = { [2] = F8, [3] = F8, [4] = F8, [5] = F8, [6] = M(T_VAQ),
		    [7] = M(T_KV), [8] = V },
	[T_VAQ] = { [1] = F8, [2] = F8 },
	[T_EXEMPLAR] = { [2] = F8, [3] = F8, [4] = S, [5] = S, [6] = F8, [7] = M(T_KV) },
	/* logs/v1 */
	[T_RL] = { [1] = M(T_RESOURCE), [2] = M(T_SL), [3] = S },
	[T_SL] = { [1] = M(T_ISCOPE), [2] = M(T_LOG), [3] = S },
	[T_LOG] = { [1] = F8, [2] = V, [3] = S, [5] = M(T_AV), [6] = M(T_KV), [7] = V,
		    [8] = F4, [9] = ID(0), [10] = ID(1), [11] = F8, [12] = S },
};

#undef V
#undef F8
#undef F4
#undef S
#undef M
#undef ID
#undef PK64
#undef PKVAR
/* clang-format on */

/* What entering (and leaving) a message of a type means for the counts. */
enum {
	R_NONE = 0,
	R_RES,	     /* top-level resource entry */
	R_SCOPE,     /* Scope* entry */
	R_ITEM,	     /* data point: counted */
	R_ITEM_SPAN, /* span: counted, ids validated */
	R_ITEM_LOG,  /* log record: counted, ids validated */
};

static const uint8_t role[T_MAX] = {
	[T_RS] = R_RES,	  [T_RM] = R_RES,   [T_RL] = R_RES,	    [T_SS] = R_SCOPE,
	[T_SM] = R_SCOPE, [T_SL] = R_SCOPE, [T_SPAN] = R_ITEM_SPAN, [T_LOG] = R_ITEM_LOG,
	[T_NDP] = R_ITEM, [T_HDP] = R_ITEM, [T_EHDP] = R_ITEM,	    [T_SDP] = R_ITEM,
};

struct frame {
	uint64_t end;
	uint32_t type;
};

/* Scanner state. The hot loop keeps the cursor (p, se, delta) and the current
 * message (end, type, depth) in locals; the slow paths work on the copy here
 * and the loop reloads it after them. */
struct scanner {
	const uint8_t *p;
	const uint8_t *se; /* end of the current segment */
	uint64_t delta;	   /* absolute offset = (uintptr_t)p + delta */
	uint32_t si;
	uint32_t nseg;
	const struct og_seg *segs;

	/* the item being scanned (items never nest) */
	uint64_t item_hdr;
	uint64_t id_len[3];
	uint8_t id_nz[3];
	/* the Scope* entry it is in */
	uint64_t scope_hdr;
	uint64_t scope_end;

	struct og_otlp_resource *res;
	struct og_otlp_scan *out;
	struct frame stk[OG_OTLP_MAX_DEPTH + 1];
};

static inline uint64_t
sc_abs(const struct scanner *sc, const uint8_t *p)
{
	return (uint64_t)(uintptr_t)p + sc->delta;
}

/* Enter segment @p i (or the first non-empty one after it); @p base is its
 * absolute offset. */
static void
sc_enter_seg(struct scanner *sc, uint32_t i, uint64_t base)
{
	while (i < sc->nseg && sc->segs[i].len == 0)
		i++;
	sc->si = i;
	if (i >= sc->nseg) {
		/* End of the body: an empty segment that no read goes past. */
		sc->p = sc->se = (const uint8_t *)(uintptr_t)1;
		sc->delta = base - 1;
		return;
	}
	sc->p = sc->segs[i].data;
	sc->se = sc->p + sc->segs[i].len;
	sc->delta = base - (uint64_t)(uintptr_t)sc->p;
}

static void
sc_next_seg(struct scanner *sc)
{
	sc_enter_seg(sc, sc->si + 1, sc_abs(sc, sc->se));
}

/* One byte at the cursor, crossing into the next segment if needed; the
 * caller has checked that the position is before the message end. */
static inline uint8_t
sc_byte(struct scanner *sc)
{
	while (sc->p == sc->se)
		sc_next_seg(sc);
	return *sc->p++;
}

/* Varint byte by byte across segments, stopping at @p limit. */
static int __attribute__((noinline)) sc_varint_slow(struct scanner *sc, uint64_t limit, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned int i = 0;; i++) {
		int rc;

		if (sc_abs(sc, sc->p) >= limit)
			return -OG_OTLP_ERR_TRUNCATED;
		rc = og_pb_varint_byte(&r, i, sc_byte(sc));
		if (rc < 0)
			return -OG_OTLP_ERR_VARINT_TOO_LONG;
		if (rc > 0) {
			*v = r;
			return 0;
		}
	}
}

/* Advance @p n bytes known to lie inside the body. */
static void __attribute__((noinline)) sc_skip_slow(struct scanner *sc, uint64_t n)
{
	for (;;) {
		uint64_t here = (uint64_t)(sc->se - sc->p);

		if (n <= here) {
			sc->p += n;
			return;
		}
		n -= here;
		sc->p = sc->se;
		sc_next_seg(sc);
	}
}

/* Is any of the next @p n bytes non-zero? Advances past them. */
static uint8_t __attribute__((noinline)) sc_nonzero_slow(struct scanner *sc, uint64_t n)
{
	uint8_t acc = 0;

	while (n > 0) {
		uint64_t here;

		while (sc->p == sc->se)
			sc_next_seg(sc);
		here = OG_MIN(n, (uint64_t)(sc->se - sc->p));
		for (uint64_t i = 0; i < here; i++)
			acc |= sc->p[i];
		sc->p += here;
		n -= here;
	}
	return acc != 0;
}

static int __attribute__((noinline, cold)) sc_fail(struct scanner *sc, int code, uint64_t off)
{
	sc->out->err.code = (enum og_otlp_err)code;
	sc->out->err.offset = off;
	return -code;
}

/* Packed repeated varints [cursor, end): each must end inside the field. */
static int
sc_packed_varints(struct scanner *sc, uint64_t end, uint64_t tag_off)
{
	while (sc_abs(sc, sc->p) < end) {
		uint64_t v, at = sc_abs(sc, sc->p);
		int rc = sc_varint_slow(sc, end, &v);

		if (rc == -OG_OTLP_ERR_TRUNCATED)
			return sc_fail(sc, OG_OTLP_ERR_BAD_PACKED, tag_off);
		if (rc < 0)
			return sc_fail(sc, -rc, at);
	}
	return 0;
}

static void
sc_reject(struct scanner *sc, enum og_otlp_reject why, uint64_t item_end)
{
	struct og_otlp_scan *o = sc->out;

	o->n_rejected++;
	o->by_reason[why]++;
	sc->res->n_rejected++;
	if (o->n_rej_listed < o->rej_cap && o->rej != NULL) {
		struct og_otlp_rejected_item *r = &o->rej[o->n_rej_listed++];

		r->hdr.off = (uint32_t)sc->item_hdr;
		r->hdr.len = (uint32_t)(item_end - sc->item_hdr);
		r->scope.off = (uint32_t)sc->scope_hdr;
		r->scope.len = (uint32_t)(sc->scope_end - sc->scope_hdr);
		r->resource = o->n_resources - 1;
		r->reason = why;
	} else {
		o->rej_overflow = 1;
	}
}

/* Leaving a span or a log record: check its ids. The first failing check is
 * the one reason (the order is the receiver's contract, see the brief in
 * otlp_reject.def). */
static void
sc_item_done(struct scanner *sc, uint32_t type, uint64_t item_end)
{
	const uint64_t *l = sc->id_len;
	const uint8_t *nz = sc->id_nz;

	if (type == T_SPAN) {
		if (l[0] != 16)
			sc_reject(sc, OG_OTLP_REJECT_TRACE_ID_LENGTH, item_end);
		else if (!nz[0])
			sc_reject(sc, OG_OTLP_REJECT_TRACE_ID_ZERO, item_end);
		else if (l[1] != 8)
			sc_reject(sc, OG_OTLP_REJECT_SPAN_ID_LENGTH, item_end);
		else if (!nz[1])
			sc_reject(sc, OG_OTLP_REJECT_SPAN_ID_ZERO, item_end);
		else if (l[2] != 0 && l[2] != 8)
			sc_reject(sc, OG_OTLP_REJECT_PARENT_SPAN_ID_LENGTH, item_end);
	} else {
		/* log record ids are optional, but must be valid when present */
		if (l[0] != 0 && l[0] != 16)
			sc_reject(sc, OG_OTLP_REJECT_LOG_TRACE_ID_LENGTH, item_end);
		else if (l[0] == 16 && !nz[0])
			sc_reject(sc, OG_OTLP_REJECT_LOG_TRACE_ID_ZERO, item_end);
		else if (l[1] != 0 && l[1] != 8)
			sc_reject(sc, OG_OTLP_REJECT_LOG_SPAN_ID_LENGTH, item_end);
		else if (l[1] == 8 && !nz[1])
			sc_reject(sc, OG_OTLP_REJECT_LOG_SPAN_ID_ZERO, item_end);
	}
}

/* Entering a resource entry, a Scope* entry or an item: count and record.
 * The field starts at @p tag_off; its value is [start, start + len). */
static int
sc_role_enter(struct scanner *sc, uint32_t r, uint64_t tag_off, uint64_t start, uint64_t len)
{
	struct og_otlp_scan *o = sc->out;

	switch (r) {
	case R_ITEM_SPAN:
	case R_ITEM_LOG:
		sc->item_hdr = tag_off;
		sc->id_len[0] = sc->id_len[1] = sc->id_len[2] = 0;
		sc->id_nz[0] = sc->id_nz[1] = sc->id_nz[2] = 0;
		/* fall through */
	case R_ITEM:
		o->n_items++;
		sc->res->n_items++;
		break;
	case R_SCOPE:
		o->n_scopes++;
		sc->res->n_scopes++;
		sc->scope_hdr = tag_off;
		sc->scope_end = start + len;
		break;
	case R_RES:
		if (o->res == NULL || o->n_resources >= o->res_cap)
			return sc_fail(sc, OG_OTLP_ERR_TOO_MANY_RESOURCES, tag_off);
		sc->res = &o->res[o->n_resources++];
		sc->res->hdr.off = (uint32_t)tag_off;
		sc->res->hdr.len = (uint32_t)(start + len - tag_off);
		sc->res->body.off = (uint32_t)start;
		sc->res->body.len = (uint32_t)len;
		sc->res->n_scopes = 0;
		sc->res->n_items = 0;
		sc->res->n_rejected = 0;
		sc->res->first_rej = o->n_rej_listed;
		break;
	default:
		break;
	}
	return 0;
}

#define WT_VALID                                                                 \
	((1u << OG_PB_WT_VARINT) | (1u << OG_PB_WT_I64) | (1u << OG_PB_WT_LEN) | \
	 (1u << OG_PB_WT_I32))

static int
sc_run(struct scanner *sc, uint32_t type, uint64_t end)
{
	const uint8_t *p = sc->p, *se = sc->se, *pe;
	uint64_t delta = sc->delta;
	uint32_t depth = 0;

/* absolute offset of a pointer into the current segment */
#define ABS(x) ((uint64_t)(uintptr_t)(x) + delta)
/* the window: the current segment cut at the current message's end */
#define WINDOW()                                                 \
	do {                                                     \
		uint64_t se_abs_ = ABS(se);                      \
		pe = end <= se_abs_ ? se - (se_abs_ - end) : se; \
	} while (0)
#define SAVE() (sc->p = p)
#define LOAD()                     \
	do {                       \
		p = sc->p;         \
		se = sc->se;       \
		delta = sc->delta; \
		WINDOW();          \
	} while (0)

	WINDOW();
	for (;;) {
		const struct fdesc *fd;
		uint64_t tag, tag_off, len, start, v;
		uint32_t fn, wt;
		int rc;

		if (og_unlikely(p == pe)) {
			if (ABS(p) == end) {
				/* end of the current message */
				if (depth == 0)
					return 0;
				if (role[type] >= R_ITEM_SPAN)
					sc_item_done(sc, type, end);
				depth--;
				end = sc->stk[depth].end;
				type = sc->stk[depth].type;
			} else {
				/* end of the segment */
				SAVE();
				sc_next_seg(sc);
				p = sc->p;
				se = sc->se;
				delta = sc->delta;
			}
			WINDOW();
			continue;
		}

		/* the tag: 1- and 2-byte tags from the window */
		tag_off = ABS(p);
		if (og_likely(p[0] < 0x80)) {
			tag = p[0];
			p++;
		} else if (og_likely(pe - p >= 2 && p[1] < 0x80)) {
			tag = (uint64_t)(p[0] & 0x7f) | ((uint64_t)p[1] << 7);
			p += 2;
		} else {
			SAVE();
			rc = sc_varint_slow(sc, end, &tag);
			if (rc < 0)
				return sc_fail(sc, -rc, tag_off);
			LOAD();
			if (tag > UINT32_MAX) /* field number over 2^29 - 1 */
				return sc_fail(sc, OG_OTLP_ERR_BAD_FIELD_NUMBER, tag_off);
		}
		fn = (uint32_t)(tag >> 3);
		wt = (uint32_t)(tag & 7);
		fd = &schema[type][fn < NF ? fn : 0];
		if (og_unlikely((fd->mask >> wt & 1) == 0)) {
			/* not a known field with an allowed wire type */
			if (fn == 0)
				return sc_fail(sc, OG_OTLP_ERR_BAD_FIELD_NUMBER, tag_off);
			if ((WT_VALID >> wt & 1) == 0)
				return sc_fail(sc, OG_OTLP_ERR_BAD_WIRE_TYPE, tag_off);
			if (fn < NF && fd->kind != K_UNKNOWN)
				return sc_fail(sc, OG_OTLP_ERR_WRONG_WIRE_TYPE, tag_off);
			fd = &schema[T_TREQ][0]; /* unknown: skip the value */
		}

		switch (wt) {
		case OG_PB_WT_VARINT:
			/* the value is not needed: find its end */
			if (og_likely(p < pe && p[0] < 0x80)) {
				p++;
				break;
			}
			if (og_likely(pe - p >= 10)) {
				unsigned int i = 1;

				while (i < 9 && p[i] >= 0x80)
					i++;
				if (og_likely(p[i] < 0x80 && (i < 9 || p[9] <= 1))) {
					p += i + 1;
					break;
				}
			}
			start = ABS(p);
			SAVE();
			rc = sc_varint_slow(sc, end, &v);
			if (rc < 0)
				return sc_fail(sc, -rc,
					       rc == -OG_OTLP_ERR_VARINT_TOO_LONG ? start
										  : tag_off);
			LOAD();
			break;
		case OG_PB_WT_I64:
		case OG_PB_WT_I32: {
			uint64_t n = wt == OG_PB_WT_I64 ? 8 : 4;

			if (og_likely((uint64_t)(pe - p) >= n)) {
				p += n;
				break;
			}
			if (end - ABS(p) < n)
				return sc_fail(sc, OG_OTLP_ERR_TRUNCATED, tag_off);
			SAVE();
			sc_skip_slow(sc, n);
			LOAD();
			break;
		}
		default: /* OG_PB_WT_LEN */
			if (og_likely(p < pe && p[0] < 0x80)) {
				len = p[0];
				p++;
			} else if (og_likely(pe - p >= 2 && p[1] < 0x80)) {
				len = (uint64_t)(p[0] & 0x7f) | ((uint64_t)p[1] << 7);
				p += 2;
			} else {
				start = ABS(p);
				SAVE();
				rc = sc_varint_slow(sc, end, &len);
				if (rc < 0)
					return sc_fail(sc, -rc,
						       rc == -OG_OTLP_ERR_VARINT_TOO_LONG
							       ? start
							       : tag_off);
				LOAD();
			}
			start = ABS(p);
			if (og_unlikely(len > end - start))
				return sc_fail(sc,
					       depth == 0 ? OG_OTLP_ERR_TRUNCATED
							  : OG_OTLP_ERR_LENGTH_PAST_PARENT,
					       tag_off);
			switch (fd->kind) {
			case K_MSG:
				if (og_unlikely(depth >= OG_OTLP_MAX_DEPTH))
					return sc_fail(sc, OG_OTLP_ERR_TOO_DEEP, tag_off);
				if (role[fd->arg] != R_NONE) {
					rc = sc_role_enter(sc, role[fd->arg], tag_off, start, len);
					if (og_unlikely(rc < 0))
						return rc;
				}
				sc->stk[depth].end = end;
				sc->stk[depth].type = type;
				depth++;
				end = start + len;
				type = fd->arg;
				WINDOW();
				break;
			case K_ID:
				sc->id_len[fd->arg] = len;
				if (og_likely(len <= (uint64_t)(pe - p))) {
					uint8_t acc = 0;

					for (uint64_t i = 0; i < len; i++)
						acc |= p[i];
					sc->id_nz[fd->arg] = acc != 0;
					p += len;
				} else {
					SAVE();
					sc->id_nz[fd->arg] = sc_nonzero_slow(sc, len);
					LOAD();
				}
				break;
			case K_PKVAR:
				SAVE();
				rc = sc_packed_varints(sc, start + len, tag_off);
				if (rc < 0)
					return rc;
				LOAD();
				break;
			case K_PK64:
				if (len % 8 != 0)
					return sc_fail(sc, OG_OTLP_ERR_BAD_PACKED, tag_off);
				/* fall through */
			default:
				if (og_likely(len <= (uint64_t)(pe - p))) {
					p += len;
				} else {
					SAVE();
					sc_skip_slow(sc, len);
					LOAD();
				}
				break;
			}
			break;
		}
	}
#undef ABS
#undef WINDOW
#undef SAVE
#undef LOAD
}

int
og_otlp_scan(const struct og_seg *segs, uint32_t nseg, struct og_otlp_scan *out)
{
	struct og_otlp_resource dummy;
	struct scanner sc;
	uint32_t type;

	out->err.code = OG_OTLP_ERR_NONE;
	out->err.offset = 0;
	out->n_resources = 0;
	out->n_scopes = 0;
	out->n_items = 0;
	out->n_rejected = 0;
	memset(out->by_reason, 0, sizeof(out->by_reason));
	out->n_rej_listed = 0;
	out->rej_overflow = 0;

	switch (out->signal) {
	case OG_OTLP_TRACES:
		type = T_TREQ;
		break;
	case OG_OTLP_METRICS:
		type = T_MREQ;
		break;
	case OG_OTLP_LOGS:
		type = T_LREQ;
		break;
	default:
		return -EINVAL;
	}
	sc.segs = segs;
	sc.nseg = nseg;
	sc.out = out;
	/* items only occur inside a resource entry; this keeps the pointer
	 * valid before the first one */
	sc.res = &dummy;
	sc.scope_hdr = sc.scope_end = sc.item_hdr = 0;
	sc_enter_seg(&sc, 0, 0);
	return sc_run(&sc, type, og_segs_total(segs, nseg));
}

/* ---- pieces: a resource entry without its rejected items -------------- */

struct pieces {
	struct og_otlp_piece *out;
	uint32_t cap;
	uint32_t n;
};

static int
pc_range(struct pieces *pc, uint64_t off, uint64_t len)
{
	if (len == 0)
		return 0;
	if (pc->n >= pc->cap)
		return -ENOSPC;
	pc->out[pc->n].r.off = (uint32_t)off;
	pc->out[pc->n].r.len = (uint32_t)len;
	pc->out[pc->n].lit_len = 0;
	pc->n++;
	return 0;
}

/* A field header we write: a one-byte tag (fields 1 and 2, wire type LEN)
 * and the canonical varint of @p len. */
static int
pc_lit(struct pieces *pc, uint8_t tag, uint64_t len)
{
	struct og_otlp_piece *p;

	if (pc->n >= pc->cap)
		return -ENOSPC;
	p = &pc->out[pc->n++];
	p->r.off = 0;
	p->r.len = 0;
	p->lit[0] = tag;
	p->lit_len = (uint8_t)(1 + og_pb_varint_put(&p->lit[1], len));
	return 0;
}

/* Where the value of the Scope* field @p scope starts, read from the body. */
static int
pc_scope_body(struct og_otlp_cursor *cur, struct og_otlp_range scope, uint64_t *body_off)
{
	uint64_t pos = scope.off, end = (uint64_t)scope.off + scope.len;
	struct otlp_field f;

	if (otlp_rd_field(cur, &pos, end, &f) < 0 || f.fn != 2 || f.wt != OG_PB_WT_LEN ||
	    f.off + f.len != end)
		return -EIO;
	*body_off = f.off;
	return 0;
}

int
og_otlp_resource_pieces(const struct og_otlp_scan *s, const struct og_seg *segs, uint32_t nseg,
			uint32_t res_idx, struct og_otlp_piece *out, uint32_t cap, uint32_t *n)
{
	struct og_otlp_cursor cur = { segs, nseg, 0, 0 };
	struct pieces pc = { out, cap, 0 };
	const struct og_otlp_resource *r;
	const struct og_otlp_rejected_item *rej;
	uint64_t new_body, pos;
	uint32_t i;
	int rc;

	*n = 0;
	if (res_idx >= s->n_resources)
		return -EINVAL;
	r = &s->res[res_idx];
	if (r->n_rejected == 0) {
		rc = pc_range(&pc, r->hdr.off, r->hdr.len);
		*n = pc.n;
		return rc;
	}
	if (s->rej == NULL || (uint64_t)r->first_rej + r->n_rejected > s->n_rej_listed)
		return -EINVAL; /* the list overflowed: this entry is not fully known */
	if (r->n_rejected == r->n_items)
		return 0; /* nothing left to forward */
	rej = &s->rej[r->first_rej];

	/* Pass 1: the entry's new length. The rejected items are listed in
	 * body order, so those of one Scope* entry are adjacent. */
	new_body = r->body.len;
	for (i = 0; i < r->n_rejected;) {
		struct og_otlp_range scope = rej[i].scope;
		uint64_t body_off, removed = 0, body_len, new_len;

		if (pc_scope_body(&cur, scope, &body_off) < 0)
			return -EIO;
		for (; i < r->n_rejected && rej[i].scope.off == scope.off; i++)
			removed += rej[i].hdr.len;
		body_len = (uint64_t)scope.off + scope.len - body_off;
		if (removed > body_len)
			return -EIO;
		new_len = body_len - removed;
		new_body -= scope.len - (1 + og_pb_varint_size(new_len) + new_len);
	}

	/* Pass 2: framing, then the bytes between the removed items. */
	rc = pc_lit(&pc, 0x0a, new_body); /* resource_{spans,logs} = 1, LEN */
	pos = r->body.off;
	for (i = 0; rc == 0 && i < r->n_rejected;) {
		struct og_otlp_range scope = rej[i].scope;
		uint64_t body_off, removed = 0, scope_end = (uint64_t)scope.off + scope.len;
		uint32_t j;

		pc_scope_body(&cur, scope, &body_off);
		for (j = i; j < r->n_rejected && rej[j].scope.off == scope.off; j++)
			removed += rej[j].hdr.len;
		rc = pc_range(&pc, pos, scope.off - pos);
		if (rc == 0)
			rc = pc_lit(&pc, 0x12, scope_end - body_off - removed); /* scope_* = 2 */
		pos = body_off;
		for (; rc == 0 && i < j; i++) {
			rc = pc_range(&pc, pos, rej[i].hdr.off - pos);
			pos = (uint64_t)rej[i].hdr.off + rej[i].hdr.len;
		}
		if (rc == 0)
			rc = pc_range(&pc, pos, scope_end - pos);
		pos = scope_end;
	}
	if (rc == 0)
		rc = pc_range(&pc, pos, (uint64_t)r->body.off + r->body.len - pos);
	if (rc < 0)
		return rc;
	*n = pc.n;
	return 0;
}
