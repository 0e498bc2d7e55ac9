/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of lib/telemetry. The metric types are the registry's
 * (lib/common/og_metric_types.h); the functions are in og_telemetry.h.
 */
#ifndef OG_TELEMETRY_TYPES_H
#define OG_TELEMETRY_TYPES_H

#include "og_metric_types.h"

/** The telemetry HTTP server (opaque). */
struct og_telemetry_server;

#endif /* OG_TELEMETRY_TYPES_H */
