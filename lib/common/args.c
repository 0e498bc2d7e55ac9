/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line of a DPDK program: EAL's arguments, "--", then the
 * program's own. Shared by otlpgate and otlpgen, which both parse their own
 * arguments before rte_eal_init() (so it needs no DPDK).
 */
#include <string.h>

#include "og_common.h"

int
og_args_split(int argc, char **argv, char **app_argv, int *app_argc)
{
	int split = argc, n = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			split = i;
			break;
		}
	app_argv[n++] = argv[0];
	for (int i = split + 1; i < argc; i++)
		app_argv[n++] = argv[i];
	app_argv[n] = NULL;
	*app_argc = n;
	return split;
}

bool
og_args_help(int argc, char *const *argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}
