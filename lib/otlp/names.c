/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name and message tables expanded from the .def files, and their bounded
 * lookups (og_name_at()).
 */
#include "og_otlp.h"

static const char *const signal_names[OG_OTLP_SIGNAL_MAX] = {
	[OG_OTLP_TRACES] = "traces",
	[OG_OTLP_METRICS] = "metrics",
	[OG_OTLP_LOGS] = "logs",
};

static const char *const err_names[OG_OTLP_ERR_MAX] = {
	[OG_OTLP_ERR_NONE] = "none",
#define OG_OTLP_ERR(e, name, msg) [OG_OTLP_ERR_##e] = name,
#include "otlp_error.def"
#undef OG_OTLP_ERR
};

static const char *const err_msgs[OG_OTLP_ERR_MAX] = {
	[OG_OTLP_ERR_NONE] = "no error",
#define OG_OTLP_ERR(e, name, msg) [OG_OTLP_ERR_##e] = msg,
#include "otlp_error.def"
#undef OG_OTLP_ERR
};

static const char *const reject_names[OG_OTLP_REJECT_MAX] = {
#define OG_OTLP_REJECT(e, name, msg) [OG_OTLP_REJECT_##e] = name,
#include "otlp_reject.def"
#undef OG_OTLP_REJECT
};

static const char *const reject_msgs[OG_OTLP_REJECT_MAX] = {
#define OG_OTLP_REJECT(e, name, msg) [OG_OTLP_REJECT_##e] = msg,
#include "otlp_reject.def"
#undef OG_OTLP_REJECT
};

OG_NAME_LOOKUP(og_otlp_signal_name, enum og_otlp_signal, signal_names, "unknown")
OG_NAME_LOOKUP(og_otlp_err_name, enum og_otlp_err, err_names, "unknown")
OG_NAME_LOOKUP(og_otlp_err_msg, enum og_otlp_err, err_msgs, "unknown error")
OG_NAME_LOOKUP(og_otlp_reject_name, enum og_otlp_reject, reject_names, "unknown")
OG_NAME_LOOKUP(og_otlp_reject_msg, enum og_otlp_reject, reject_msgs, "unknown reason")
