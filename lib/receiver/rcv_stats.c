/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of the receiver's counters and labels, from receiver_counters.def,
 * for lib/telemetry.
 */
#include <stdint.h>

#include <rte_common.h>

#include "rcv_private.h"

static const char *const ctr_names[] = {
#define OG_RCV_CTR(e, name, help) name,
#include "receiver_counters.def"
};
static const char *const ctr_helps[] = {
#define OG_RCV_CTR(e, name, help) help,
#include "receiver_counters.def"
};
static const int status_codes[] = {
#define OG_RCV_STATUS(e, code) code,
#include "receiver_counters.def"
};
static const char *const enc_names[OG_RCV_ENC_N] = { "protobuf", "json", "other" };
static const char *const comp_names[OG_RCV_COMP_N] = { "identity", "gzip", "other" };
static const uint64_t lat_bounds[] = { OG_RCV_LAT_BOUNDS };

const char *
og_rcv_ctr_name(unsigned int c)
{
	return c < RTE_DIM(ctr_names) ? ctr_names[c] : NULL;
}

const char *
og_rcv_ctr_help(unsigned int c)
{
	return c < RTE_DIM(ctr_helps) ? ctr_helps[c] : NULL;
}

int
og_rcv_status_code(unsigned int s)
{
	return s < RTE_DIM(status_codes) ? status_codes[s] : 0;
}

const char *
og_rcv_enc_name(unsigned int e)
{
	return e < OG_RCV_ENC_N ? enc_names[e] : NULL;
}

const char *
og_rcv_comp_name(unsigned int c)
{
	return c < OG_RCV_COMP_N ? comp_names[c] : NULL;
}

const char *
og_rcv_sig_name(unsigned int s)
{
	if (s < OG_OTLP_SIGNAL_MAX)
		return og_otlp_signal_name((enum og_otlp_signal)s);
	return s == OG_RCV_SIG_NONE ? "none" : NULL;
}

uint64_t
og_rcv_lat_bound(unsigned int i)
{
	return i < RTE_DIM(lat_bounds) ? lat_bounds[i] : UINT64_MAX;
}
