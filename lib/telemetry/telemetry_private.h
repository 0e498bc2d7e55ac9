/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of lib/telemetry; never included from outside. */
#ifndef OG_TELEMETRY_PRIVATE_H
#define OG_TELEMETRY_PRIVATE_H

#include "og_telemetry.h"

struct tel_metric {
	const char *name;
	const char *help;
	enum og_metric_type type;
	og_metric_collect_t collect;
	void *arg;
};

struct og_metric_out {
	void (*emit)(struct og_metric_out *o, const char *labels, uint64_t v);
	const struct tel_metric *m;
	void *sink;
	unsigned int n;
	const char *suffix; /* histogram series: "_bucket", "_sum", "_count"; NULL otherwise */
};

/*
 * Call @p fn for each registered metric whose name starts with @p prefix
 * (all when NULL), under the registry lock.
 */
/*
 * The scrape a collector runs in: collectors that sum shared counters take
 * one snapshot per scrape so related metrics agree (called under the
 * registry's lock, inside tel_foreach()).
 */
uint64_t tel_scrape_gen(void);
void tel_foreach(const char *prefix, void (*fn)(void *ctx, const struct tel_metric *m), void *ctx);

#endif /* OG_TELEMETRY_PRIVATE_H */
