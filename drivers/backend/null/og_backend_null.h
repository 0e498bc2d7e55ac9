/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The null backend ("null"): completes every batch as delivered the moment
 * it is submitted. For benchmarks of everything before the backend.
 */
#ifndef OG_BACKEND_NULL_H
#define OG_BACKEND_NULL_H

#include "og_pipeline.h"

/** Operations of the null backend; register with og_backend_register(). */
extern const struct og_backend_ops og_backend_null_ops;

#endif /* OG_BACKEND_NULL_H */
