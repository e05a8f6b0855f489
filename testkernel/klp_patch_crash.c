// SPDX-License-Identifier: GPL-2.0
/*
 * klp test live patch that crashes the kernel on purpose: a cumulative patch (same klp state
 * as v1..v3, so it replaces them and they replace it) whose klp_target_message panics. Loading
 * it is harmless; the first read of /proc/klp_target/message after it is the crash. Boot tests
 * use it to show that a patch which crashed the kernel is not loaded again at the next boot.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>

#include "klp_target.h"

static int livepatch_klp_target_message(char *buf, size_t size)
{
	panic("klp_patch_crash: klp_target_message crashes the kernel on purpose (klp test)");
	return 0;
}

static struct klp_func target_funcs[] = {
	{ .old_name = "klp_target_message", .new_func = livepatch_klp_target_message },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "klp_target", .funcs = target_funcs },
	{ }
};

static struct klp_state states[] = {
	{ .id = 1, .version = 1 },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
	.replace = true,
};

static int __init klp_patch_crash_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit klp_patch_crash_exit(void)
{
}

module_init(klp_patch_crash_init);
module_exit(klp_patch_crash_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("klp test live patch that panics the kernel when klp_target_message runs");
