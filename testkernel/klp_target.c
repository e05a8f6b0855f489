// SPDX-License-Identifier: GPL-2.0
/*
 * klp_target: the module the klp test live patches patch. Each patched function is visible
 * from user space:
 *
 *   /proc/klp_target/message  read: one line made by klp_target_message()
 *   /proc/klp_target/sleep    read: sleeps in klp_target_wait() until a write to this file
 *                             (or sleep_ms), then one line naming the code that woke up;
 *                             writing "hold" makes sleepers deaf to signals until "let-go"
 *   /proc/klp_target/spin     write 1: start kthread klp_target_spin, which stays inside
 *                             klp_target_loop() and so blocks any transition that patches it;
 *                             write 0: stop it; read: "running <iterations>" or "stopped"
 *
 * The patched functions are noinline and noipa: gcc must neither inline them nor call a
 * specialised clone (.constprop, .isra) that a live patch of the named function never reaches.
 */
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "klp_target.h"

#define LINE_MAX_LEN 128

static unsigned int sleep_ms = 120000;
module_param(sleep_ms, uint, 0444);
MODULE_PARM_DESC(sleep_ms, "How long a read of /proc/klp_target/sleep sleeps at most (ms)");

static struct klp_target_sleep sleepers;
static struct proc_dir_entry *proc_dir;

static DEFINE_MUTEX(spinner_mutex);
static struct task_struct *spinner;
static atomic_long_t spin_iterations;

noinline __attribute__((noipa)) int klp_target_message(char *buf, size_t size)
{
	return scnprintf(buf, size, "klp_target_message: original code\n");
}

noinline __attribute__((noipa)) long klp_target_wait(struct klp_target_sleep *sleep, char *buf,
						     size_t size)
{
	int seen = atomic_read(&sleep->released);
	long left;

	/*
	 * While held ("hold" written to the file), a sleeper waits uninterruptibly: deaf to signals,
	 * the kernel's fake one included, until "let-go". It never leaves this function meanwhile, so
	 * a test can look at a transition it blocks for as long as it needs, then let the kernel's
	 * next fake signal move it.
	 */
	while (atomic_read(&sleep->held) && atomic_read(&sleep->released) == seen)
		wait_event_timeout(sleep->wq, !atomic_read(&sleep->held) || atomic_read(&sleep->released) != seen, HZ);
	left = wait_event_interruptible_timeout(sleep->wq, atomic_read(&sleep->released) != seen,
						msecs_to_jiffies(sleep->timeout_ms));

	if (left < 0)
		return left;
	return scnprintf(buf, size, "klp_target_wait: original code, %s\n",
			 left ? "released" : "timed out");
}

noinline __attribute__((noipa)) void klp_target_loop(atomic_long_t *iterations)
{
	while (!kthread_should_stop()) {
		atomic_long_inc(iterations);
		schedule_timeout_interruptible(HZ / 10);
	}
}

static ssize_t read_line(char __user *ubuf, size_t count, loff_t *ppos, const char *line, size_t len)
{
	return simple_read_from_buffer(ubuf, count, ppos, line, len);
}

static ssize_t message_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char line[LINE_MAX_LEN];
	int len;

	if (*ppos > 0)
		return 0;
	len = klp_target_message(line, sizeof(line));
	return read_line(ubuf, count, ppos, line, len);
}

static ssize_t sleep_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char line[LINE_MAX_LEN];
	long len;

	if (*ppos > 0)
		return 0;
	len = klp_target_wait(&sleepers, line, sizeof(line));
	if (len < 0)
		return len;
	return read_line(ubuf, count, ppos, line, len);
}

static ssize_t sleep_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char word[8] = "";

	if (copy_from_user(word, ubuf, min(count, sizeof(word) - 1)))
		return -EFAULT;
	if (!strncmp(word, "hold", 4)) {
		atomic_set(&sleepers.held, 1);
	} else if (!strncmp(word, "let-go", 6)) {
		atomic_set(&sleepers.held, 0);
		wake_up_all(&sleepers.wq);
	} else {
		atomic_inc(&sleepers.released);
		wake_up_all(&sleepers.wq);
	}
	return count;
}

static int spin_fn(void *unused)
{
	klp_target_loop(&spin_iterations);
	return 0;
}

static void spin_stop(void)
{
	if (spinner) {
		kthread_stop(spinner);
		put_task_struct(spinner);
		spinner = NULL;
	}
}

static ssize_t spin_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char line[LINE_MAX_LEN];
	int len;

	mutex_lock(&spinner_mutex);
	if (spinner)
		len = scnprintf(line, sizeof(line), "running %ld\n", atomic_long_read(&spin_iterations));
	else
		len = scnprintf(line, sizeof(line), "stopped\n");
	mutex_unlock(&spinner_mutex);
	return read_line(ubuf, count, ppos, line, len);
}

static ssize_t spin_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	bool start;
	int err;
	struct task_struct *task;

	err = kstrtobool_from_user(ubuf, count, &start);
	if (err)
		return err;

	mutex_lock(&spinner_mutex);
	if (start && !spinner) {
		task = kthread_run(spin_fn, NULL, "klp_target_spin");
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
		} else {
			get_task_struct(task);
			spinner = task;
		}
	} else if (!start) {
		spin_stop();
	}
	mutex_unlock(&spinner_mutex);
	return err ? err : count;
}

static const struct proc_ops message_ops = {
	.proc_read = message_read,
	.proc_lseek = default_llseek,
};

static const struct proc_ops sleep_ops = {
	.proc_read = sleep_read,
	.proc_write = sleep_write,
	.proc_lseek = default_llseek,
};

static const struct proc_ops spin_ops = {
	.proc_read = spin_read,
	.proc_write = spin_write,
	.proc_lseek = default_llseek,
};

static int __init klp_target_init(void)
{
	init_waitqueue_head(&sleepers.wq);
	atomic_set(&sleepers.released, 0);
	atomic_set(&sleepers.held, 0);
	sleepers.timeout_ms = sleep_ms;

	proc_dir = proc_mkdir("klp_target", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create("message", 0444, proc_dir, &message_ops) ||
	    !proc_create("sleep", 0644, proc_dir, &sleep_ops) ||
	    !proc_create("spin", 0644, proc_dir, &spin_ops)) {
		proc_remove(proc_dir);
		return -ENOMEM;
	}
	return 0;
}

static void __exit klp_target_exit(void)
{
	mutex_lock(&spinner_mutex);
	spin_stop();
	mutex_unlock(&spinner_mutex);
	/* proc_remove() waits for reads in progress: release the sleepers first. */
	atomic_inc(&sleepers.released);
	wake_up_all(&sleepers.wq);
	proc_remove(proc_dir);
}

module_init(klp_target_init);
module_exit(klp_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp test target: functions the klp test live patches replace");
