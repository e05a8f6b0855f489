// SPDX-License-Identifier: GPL-2.0
/* klp test live patch, cumulative version 3 (see klp_patch.h). */
#define KLP_PATCH_VERSION 3
#include "klp_patch.h"

MODULE_DESCRIPTION("klp test live patch v3");
