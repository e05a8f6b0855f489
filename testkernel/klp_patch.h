/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The klp test live patches, one template for every version: klp_patch_vN.c defines
 * KLP_PATCH_VERSION and includes this file. The patches are cumulative (.replace = true), as
 * klp's packages are: version N holds every function of N-1, and loading any version replaces
 * whatever live patch is active, upgrade and downgrade alike.
 *
 *   v1  klp_target_message
 *   v2  + klp_target_wait
 *   v3  + klp_target_loop, and vmlinux's cmdline_proc_show (/proc/cmdline gets a marker)
 *
 * Every line a patched function prints names the patch module, so a test sees which code ran.
 *
 * System state: each patch declares klp_state id 1 ("the klp_target message format") with
 * version 1, or the value of module parameter state_version. The kernel refuses a cumulative
 * patch that lacks a state of the active patch or has a lower version of it; with
 * state_version=2 on one load, a later load of a patch at version 1 shows that refusal while
 * the default keeps downgrades possible.
 */
#ifndef KLP_PATCH_VERSION
#error "define KLP_PATCH_VERSION before including klp_patch.h"
#endif

#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "klp_target.h"

#define KLP_STATE_MESSAGE_FORMAT 1

static unsigned int state_version = 1;
module_param(state_version, uint, 0444);
MODULE_PARM_DESC(state_version, "Version of klp state 1 this patch declares (default 1)");

static int livepatch_klp_target_message(char *buf, size_t size)
{
	return scnprintf(buf, size, "klp_target_message: live patched by %s\n", KBUILD_MODNAME);
}

#if KLP_PATCH_VERSION >= 2
static long livepatch_klp_target_wait(struct klp_target_sleep *sleep, char *buf, size_t size)
{
	int seen = atomic_read(&sleep->released);
	long left = wait_event_interruptible_timeout(sleep->wq,
						     atomic_read(&sleep->released) != seen,
						     msecs_to_jiffies(sleep->timeout_ms));

	if (left < 0)
		return left;
	return scnprintf(buf, size, "klp_target_wait: live patched by %s, %s\n", KBUILD_MODNAME,
			 left ? "released" : "timed out");
}
#endif

#if KLP_PATCH_VERSION >= 3
static void livepatch_klp_target_loop(atomic_long_t *iterations)
{
	while (!kthread_should_stop()) {
		atomic_long_add(1000, iterations);
		schedule_timeout_interruptible(HZ / 10);
	}
}

/*
 * The kernel command line as /proc/cmdline showed it when this patch loaded: the kernel's
 * saved_command_line is not exported, and a live patch without klp relocations can only use
 * exported symbols, so the patch reads the file once, before it replaces its show function.
 */
static char saved_cmdline[1024];

static void save_cmdline(void)
{
	struct file *file = filp_open("/proc/cmdline", O_RDONLY, 0);
	loff_t pos = 0;
	ssize_t len;
	char *marker;

	if (IS_ERR(file))
		return;
	len = kernel_read(file, saved_cmdline, sizeof(saved_cmdline) - 1, &pos);
	filp_close(file, NULL);
	if (len <= 0)
		len = 0;
	saved_cmdline[len] = '\0';
	/* Loaded over a patch that already marks the line: keep the original part only. */
	marker = strstr(saved_cmdline, " live_patched_by=");
	if (marker)
		*marker = '\0';
	strim(saved_cmdline);
}

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s live_patched_by=%s\n", saved_cmdline, KBUILD_MODNAME);
	return 0;
}

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = livepatch_cmdline_proc_show },
	{ }
};
#endif

static struct klp_func target_funcs[] = {
	{ .old_name = "klp_target_message", .new_func = livepatch_klp_target_message },
#if KLP_PATCH_VERSION >= 2
	{ .old_name = "klp_target_wait", .new_func = livepatch_klp_target_wait },
#endif
#if KLP_PATCH_VERSION >= 3
	{ .old_name = "klp_target_loop", .new_func = livepatch_klp_target_loop },
#endif
	{ }
};

static struct klp_object objs[] = {
#if KLP_PATCH_VERSION >= 3
	{ .name = NULL /* vmlinux */, .funcs = vmlinux_funcs },
#endif
	{ .name = "klp_target", .funcs = target_funcs },
	{ }
};

static struct klp_state states[] = {
	{ .id = KLP_STATE_MESSAGE_FORMAT },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.states = states,
	.replace = true,
};

static int __init klp_patch_init(void)
{
	states[0].version = state_version;
#if KLP_PATCH_VERSION >= 3
	save_cmdline();
#endif
	return klp_enable_patch(&patch);
}

static void __exit klp_patch_exit(void)
{
}

module_init(klp_patch_init);
module_exit(klp_patch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
