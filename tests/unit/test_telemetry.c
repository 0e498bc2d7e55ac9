/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: being written. */
#include "og_test.h"
static CU_SuiteInfo suites[] = { CU_SUITE_INFO_NULL };
int main(void) { return og_test_main(suites); }
