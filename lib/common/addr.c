/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsing of "ADDR:PORT" options (listen addresses, the telemetry port). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "og_common.h"

int
og_parse_ipv4_port(const char *s, uint32_t *addr_be, uint16_t *port)
{
	const char *colon = s != NULL ? strrchr(s, ':') : NULL;
	char host[INET_ADDRSTRLEN];
	struct in_addr in;
	char *end;
	unsigned long p;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &in) != 1)
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p > 65535)
		return -EINVAL;
	*addr_be = in.s_addr;
	*port = (uint16_t)p;
	return 0;
}
