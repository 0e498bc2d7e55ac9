/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) of the
 * metric registry (lib/common/og_metric.h).
 */
#include <errno.h>
#include <inttypes.h>

#include "og_telemetry.h"

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
render_one(void *ctx, const struct og_metric *m)
{
	struct og_wbuf *w = ctx;
	struct og_metric_out o = { .emit = prom_emit, .m = m, .sink = w };

	og_wbuf_printf(w, "# HELP %s ", m->name);
	put_help(w, m->help);
	og_wbuf_printf(w, "\n# TYPE %s %s\n", m->name, og_metric_type_name(m->type));
	m->collect(m->arg, &o);
}

int
og_metrics_render(struct og_wbuf *w)
{
	og_metric_foreach(NULL, render_one, w);
	return w->overflow ? -ENOMEM : 0;
}
