/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The null backend: every batch is delivered at once. Its cost is the
 * accounting of og_batch_complete() and nothing else, which is what a
 * benchmark of the receive path wants.
 */
#include <errno.h>

#include "og_backend_null.h"

static int
null_create(struct og_backend *be, const char *rest)
{
	RTE_SET_USED(be);
	/* "null" and "null:" take no options */
	return rest[0] == '\0' ? 0 : -EINVAL;
}

static int
null_submit(struct og_backend *be, struct og_batch *b)
{
	RTE_SET_USED(be);
	og_batch_complete(b, OG_BATCH_OK, 0, NULL);
	return 0;
}

const struct og_backend_ops og_backend_null_ops = {
	.scheme = "null",
	.create = null_create,
	.submit = null_submit,
};
