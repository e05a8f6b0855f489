/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The functions of klp_target that the test live patches replace, and the state they work on.
 *
 * A live patch replaces a function with one of the same signature, so the patches include this
 * header. Every piece of state a patched function needs comes in through its arguments: the
 * patches then reference no symbol of klp_target, need no klp relocations, and do not make
 * klp_target depend on them (or them on it).
 */
#ifndef KLP_TARGET_H
#define KLP_TARGET_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/wait.h>

/* The sleepers of /proc/klp_target/sleep: a write to that file bumps released and wakes them. */
struct klp_target_sleep {
	wait_queue_head_t wq;
	atomic_t released;
	unsigned int timeout_ms;
	atomic_t held;
};

/* Writes the line /proc/klp_target/message shows; returns its length. */
int klp_target_message(char *buf, size_t size);

/*
 * Sleeps interruptibly until a write to /proc/klp_target/sleep or the timeout, then writes the
 * line the read returns. Returns its length, or -ERESTARTSYS when a signal (the livepatch fake
 * signal included) interrupts the sleep: the read is then restarted, in whatever code is current.
 */
long klp_target_wait(struct klp_target_sleep *sleep, char *buf, size_t size);

/* The body of kthread klp_target_spin: never returns before kthread_stop(). */
void klp_target_loop(atomic_long_t *iterations);

#endif
