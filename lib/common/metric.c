/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metric registry and the helpers every layer's collectors share:
 * tables of .def rows, one snapshot per scrape, histograms, series by
 * reason. The exposition formats are lib/telemetry's.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "og_common.h"
#include "og_metric.h"

#define METRIC_MAX 512

/*
 * Registration happens at start and scrapes on the control thread(s): the
 * HTTP server and DPDK's telemetry thread. The mutex orders those two; no
 * dataplane lcore ever touches the registry.
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
/* one per og_metric_foreach() (a scrape), under reg_lock */
static uint64_t scrape_gen;
static struct og_metric metrics[METRIC_MAX];
static unsigned int n_metrics;

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > OG_METRIC_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

static int
register_row(const char *name, const char *help, enum og_metric_type type,
	     og_metric_collect_t collect, void *arg, unsigned int row)
{
	int rc = 0;

	if (name == NULL || help == NULL || collect == NULL || !valid_name(name) ||
	    (type != OG_METRIC_COUNTER && type != OG_METRIC_GAUGE && type != OG_METRIC_HISTOGRAM))
		return -EINVAL;
	pthread_mutex_lock(&reg_lock);
	for (unsigned int i = 0; i < n_metrics; i++) {
		if (strcmp(metrics[i].name, name) == 0) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (n_metrics == METRIC_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	metrics[n_metrics++] = (struct og_metric){
		.name = name, .help = help, .type = type, .collect = collect, .arg = arg, .row = row
	};
out:
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

int
og_metric_register(const char *name, const char *help, enum og_metric_type type,
		   og_metric_collect_t collect, void *arg)
{
	return register_row(name, help, type, collect, arg, 0);
}

int
og_metric_register_table(const struct og_metric_def *defs, unsigned int n,
			 og_metric_collect_t collect, void *arg)
{
	int rc = 0;

	for (unsigned int i = 0; rc == 0 && i < n; i++)
		rc = register_row(defs[i].name, defs[i].help, defs[i].type, collect, arg, i);
	return rc;
}

int
og_metric_register_groups(const struct og_metric_group *g, unsigned int n)
{
	int rc = 0;

	for (unsigned int i = 0; rc == 0 && i < n; i++)
		rc = og_metric_register_table(g[i].defs, g[i].n, g[i].collect, g[i].arg);
	return rc;
}

void
og_metric_unregister_all(void)
{
	pthread_mutex_lock(&reg_lock);
	n_metrics = 0;
	pthread_mutex_unlock(&reg_lock);
}

void
og_metric_foreach(const char *prefix, void (*fn)(void *ctx, const struct og_metric *m), void *ctx)
{
	size_t pl = prefix != NULL ? strlen(prefix) : 0;

	pthread_mutex_lock(&reg_lock);
	scrape_gen++;
	for (unsigned int i = 0; i < n_metrics; i++)
		if (pl == 0 || strncmp(metrics[i].name, prefix, pl) == 0)
			fn(ctx, &metrics[i]);
	pthread_mutex_unlock(&reg_lock);
}

void
og_metric_sample(struct og_metric_out *out, const char *labels, uint64_t value)
{
	out->emit(out, labels, value);
	out->n++;
}

void
og_metric_sample_suffix(struct og_metric_out *out, const char *suffix, const char *labels,
			uint64_t value)
{
	out->suffix = suffix;
	out->emit(out, labels, value);
	out->suffix = NULL;
	out->n++;
}

void
og_metric_sample_hist(struct og_metric_out *out, const char *labels, const uint64_t *bucket,
		      unsigned int nb, uint64_t (*bound)(unsigned int), uint64_t sum,
		      uint64_t count)
{
	const char *sep = labels != NULL && labels[0] != '\0' ? "," : "";
	char l[OG_METRIC_LABELS_MAX];
	uint64_t cum = 0;

	if (labels == NULL)
		labels = "";
	for (unsigned int i = 0; i < nb; i++) {
		uint64_t b = bound(i);

		cum += __atomic_load_n(&bucket[i], __ATOMIC_RELAXED);
		if (b == UINT64_MAX)
			snprintf(l, sizeof(l), "%s%sle=\"+Inf\"", labels, sep);
		else
			snprintf(l, sizeof(l), "%s%sle=\"%" PRIu64 "\"", labels, sep, b);
		og_metric_sample_suffix(out, "_bucket", l, cum);
	}
	og_metric_sample_suffix(out, "_sum", labels[0] != '\0' ? labels : NULL, sum);
	og_metric_sample_suffix(out, "_count", labels[0] != '\0' ? labels : NULL, count);
}

void
og_metric_sample_names(struct og_metric_out *out, const char *labels, const char *key,
		       og_metric_name_fn name, const uint64_t *v, unsigned int first,
		       unsigned int n)
{
	const char *sep = labels != NULL && labels[0] != '\0' ? "," : "";

	if (labels == NULL)
		labels = "";
	for (unsigned int i = first; i < n; i++) {
		char l[OG_METRIC_LABELS_MAX];

		snprintf(l, sizeof(l), "%s%s%s=\"%s\"", labels, sep, key, name(i));
		og_metric_sample(out, l, v[i]);
	}
}

const void *
og_metric_snap_get(struct og_metric_snap *s)
{
	/* gen holds scrape + 1, so a zeroed snapshot is never current */
	if (s->gen != scrape_gen + 1) {
		s->sum(s->buf, s->arg);
		s->gen = scrape_gen + 1;
	}
	return s->buf;
}

void
og_metric_collect_array(void *arg, struct og_metric_out *out)
{
	const struct og_metric_array *a = arg;
	const uint64_t *v = (const uint64_t *)((const char *)og_metric_snap_get(a->snap) + a->off);

	og_metric_sample(out, NULL, v[og_metric_row(out)]);
}

const char *
og_metric_type_name(enum og_metric_type t)
{
	switch (t) {
	case OG_METRIC_COUNTER:
		return "counter";
	case OG_METRIC_HISTOGRAM:
		return "histogram";
	default:
		return "gauge";
	}
}
