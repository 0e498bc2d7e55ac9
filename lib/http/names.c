/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name, message and status tables expanded from http_error.def, and their
 * bounded lookups (og_name_at()).
 */
#include "og_http.h"

static const char *const err_names[OG_HTTP_ERR_MAX] = {
	[OG_HTTP_ERR_NONE] = "none",
#define OG_HTTP_ERR(e, status, name, msg) [OG_HTTP_ERR_##e] = name,
#include "http_error.def"
#undef OG_HTTP_ERR
};

static const char *const err_msgs[OG_HTTP_ERR_MAX] = {
	[OG_HTTP_ERR_NONE] = "no error",
#define OG_HTTP_ERR(e, status, name, msg) [OG_HTTP_ERR_##e] = msg,
#include "http_error.def"
#undef OG_HTTP_ERR
};

static const uint16_t err_status[OG_HTTP_ERR_MAX] = {
	[OG_HTTP_ERR_NONE] = 0,
#define OG_HTTP_ERR(e, status, name, msg) [OG_HTTP_ERR_##e] = status,
#include "http_error.def"
#undef OG_HTTP_ERR
};

static const char *const method_names[OG_HTTP_M_MAX] = {
	[OG_HTTP_M_OTHER] = "OTHER",	 [OG_HTTP_M_GET] = "GET",
	[OG_HTTP_M_HEAD] = "HEAD",	 [OG_HTTP_M_POST] = "POST",
	[OG_HTTP_M_PUT] = "PUT",	 [OG_HTTP_M_DELETE] = "DELETE",
	[OG_HTTP_M_OPTIONS] = "OPTIONS", [OG_HTTP_M_PATCH] = "PATCH",
	[OG_HTTP_M_CONNECT] = "CONNECT", [OG_HTTP_M_TRACE] = "TRACE",
};

OG_NAME_LOOKUP(og_http_err_name, enum og_http_err, err_names, "unknown")
OG_NAME_LOOKUP(og_http_err_msg, enum og_http_err, err_msgs, "unknown error")
OG_NAME_LOOKUP(og_http_method_name, enum og_http_method, method_names, "OTHER")

int
og_http_err_status(enum og_http_err err)
{
	return (unsigned)err < OG_HTTP_ERR_MAX ? err_status[err] : 500;
}
