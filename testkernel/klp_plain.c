// SPDX-License-Identifier: GPL-2.0
/*
 * klp_plain: an ordinary module, not a live patch. klp must refuse to treat it as one; the
 * kernel itself loads it like any other module.
 */
#include <linux/module.h>

static int __init klp_plain_init(void)
{
	pr_info("klp_plain: loaded\n");
	return 0;
}

static void __exit klp_plain_exit(void)
{
}

module_init(klp_plain_init);
module_exit(klp_plain_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp test: an ordinary module that is not a live patch");
