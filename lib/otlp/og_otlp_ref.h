/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: reference decoder API (nanopb). */
#ifndef OG_OTLP_REF_H
#define OG_OTLP_REF_H
#include "og_otlp_types.h"
#endif
