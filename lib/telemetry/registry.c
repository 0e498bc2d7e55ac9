/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metric registry and the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "telemetry_private.h"

#define TEL_MAX_METRICS 512

/*
 * Registration happens at start and scrapes on the control thread(s): the
 * HTTP server and DPDK's telemetry thread. The mutex orders those two; no
 * dataplane lcore ever touches the registry.
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
/* one per tel_foreach() (a scrape), under reg_lock */
static uint64_t scrape_gen;
static struct tel_metric metrics[TEL_MAX_METRICS];
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

int
og_metric_register(const char *name, const char *help, enum og_metric_type type,
		   og_metric_collect_t collect, void *arg)
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
	if (n_metrics == TEL_MAX_METRICS) {
		rc = -ENOSPC;
		goto out;
	}
	metrics[n_metrics++] = (struct tel_metric){
		.name = name, .help = help, .type = type, .collect = collect, .arg = arg
	};
out:
	pthread_mutex_unlock(&reg_lock);
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

uint64_t
tel_scrape_gen(void)
{
	return scrape_gen;
}

void
tel_foreach(const char *prefix, void (*fn)(void *ctx, const struct tel_metric *m), void *ctx)
{
	size_t pl = prefix != NULL ? strlen(prefix) : 0;

	pthread_mutex_lock(&reg_lock);
	scrape_gen++;
	for (unsigned int i = 0; i < n_metrics; i++)
		if (pl == 0 || strncmp(metrics[i].name, prefix, pl) == 0)
			fn(ctx, &metrics[i]);
	pthread_mutex_unlock(&reg_lock);
}

static void
prom_emit(struct og_metric_out *o, const char *labels, uint64_t v)
{
	struct og_wbuf *w = o->sink;

	const char *sfx = o->suffix != NULL ? o->suffix : "";

	if (labels != NULL && labels[0] != '\0')
		og_wbuf_printf(w, "%s%s{%s} %" PRIu64 "\n", o->m->name, sfx, labels, v);
	else
		og_wbuf_printf(w, "%s%s %" PRIu64 "\n", o->m->name, sfx, v);
}

/* HELP text escapes backslash and newline (exposition format, "Comments"). */
static void
put_help(struct og_wbuf *w, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			og_wbuf_puts(w, "\\\\");
		else if (*s == '\n')
			og_wbuf_puts(w, "\\n");
		else
			og_wbuf_putc(w, (uint8_t)*s);
	}
}

static void
render_one(void *ctx, const struct tel_metric *m)
{
	struct og_wbuf *w = ctx;
	struct og_metric_out o = { .emit = prom_emit, .m = m, .sink = w };

	og_wbuf_printf(w, "# HELP %s ", m->name);
	put_help(w, m->help);
	og_wbuf_printf(w, "\n# TYPE %s %s\n", m->name,
		       m->type == OG_METRIC_COUNTER	? "counter"
		       : m->type == OG_METRIC_HISTOGRAM ? "histogram"
							: "gauge");
	m->collect(m->arg, &o);
}

int
og_metrics_render(struct og_wbuf *w)
{
	tel_foreach(NULL, render_one, w);
	return w->overflow ? -ENOMEM : 0;
}
