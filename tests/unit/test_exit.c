/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/exit.c, the one way out, against recording stubs of
 * what it calls: the order of its steps (stop the other threads, close every
 * descriptor, write the caches back, the exit hooks, the status line last,
 * power off), what a crash leaves out (the hooks), a failing write-back, a
 * second thread arriving while one exits, and shutdown requests before and
 * during the exit. The write-back hook is a fake until the files component
 * has one: here it only records that it ran, and when.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/component.h>
#include <k/console.h>
#include <k/fd.h>
#include <k/proc.h>
#include <k/sched.h>

/* ---- recording stubs ---- */

#define MAX_EVENTS 64
static char events[MAX_EVENTS][64];
static int nevents, ncloses, sync_result, not_stopped, signalled;
static char console[4096];
static jmp_buf out;
static struct thread thread_a = { .tid = 1 }, thread_b = { .tid = 2 };
static struct cpu the_cpu = { .current = &thread_a };

static void event(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (nevents < MAX_EVENTS)
		vsnprintf(events[nevents++], sizeof(events[0]), fmt, ap);
	va_end(ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(console);
	va_start(ap, fmt);
	int n = vsnprintf(console + used, sizeof(console) - used, fmt, ap);
	va_end(ap);
	event("print");
	return n;
}

struct cpu *this_cpu(void) { return &the_cpu; }
uint64_t time_monotonic_ns(void) { return 0; }
int thread_stop_others(uint64_t until) { (void)until; event("stop"); return not_stopped; }
void thread_park(void) { event("park"); longjmp(out, 1); }
int thread_signal_process(int sig) { signalled = sig; return 1; }
long sys_close(long fd, long a1, long a2, long a3, long a4, long a5)
{
	if (ncloses++ == 0)
		event("close");
	return fd == 0 ? 0 : -9;
}
int component_sync(void) { event("sync"); return sync_result; }
void component_exit(int status) { event("exit %d", status); }
void arch_poweroff(int status) { event("poweroff %d", status); longjmp(out, 1); }

static int reset(void **state)
{
	nevents = ncloses = sync_result = not_stopped = signalled = 0;
	console[0] = 0;
	the_cpu.current = &thread_a;
	return 0;
}

static void expect_events(const char *const *want, int n)
{
	for (int i = 0; i < n && i < nevents; i++)
		assert_string_equal(events[i], want[i]);
	assert_int_equal(nevents, n);
}

/* The console's last line. */
static const char *last_line(void)
{
	size_t n = strlen(console);
	assert_true(n > 0 && console[n - 1] == '\n');
	const char *p = console + n - 1;
	while (p > console && p[-1] != '\n')
		p--;
	return p;
}

/* ---- tests ---- */

static void test_request_before_exit(void **state)
{
	proc_shutdown_request("a test");
	assert_int_equal(signalled, SIGTERM);
	assert_non_null(strstr(console, "shutdown requested by the host (a test): SIGTERM"));
	assert_false(proc_exit_stops(&thread_b)); /* nobody exits yet */
}

static void test_exit_order(void **state)
{
	static const char *const want[] = { "stop", "close", "sync", "exit 3", "print", "poweroff 3" };
	if (setjmp(out) == 0)
		proc_exit(3);
	expect_events(want, 6);
	assert_int_equal(ncloses, FD_MAX); /* every descriptor */
	assert_string_equal(last_line(), "toro: exit status 3\n");
	assert_true(proc_exit_stops(&thread_b));
	assert_false(proc_exit_stops(&thread_a));
}

static void test_crash_leaves_hooks_out(void **state)
{
	static const char *const want[] = { "stop", "close", "sync", "print", "poweroff 139" };
	if (setjmp(out) == 0)
		proc_crash_exit(139);
	expect_events(want, 5);
	assert_string_equal(last_line(), "toro: exit status 139\n");
}

static void test_failed_sync_and_stragglers(void **state)
{
	sync_result = -5;
	not_stopped = 2;
	if (setjmp(out) == 0)
		proc_exit(0);
	assert_non_null(strstr(console, "toro: exit: 2 threads did not stop within 500 ms"));
	assert_non_null(strstr(console, "toro: exit: writing the caches back failed (error 5)"));
	assert_string_equal(last_line(), "toro: exit status 0\n");
	assert_string_equal(events[nevents - 1], "poweroff 0"); /* powered off all the same */
}

static void test_second_thread_parks(void **state)
{
	static const char *const want[] = { "park" };
	the_cpu.current = &thread_b;
	if (setjmp(out) == 0)
		proc_exit(9);
	expect_events(want, 1); /* it neither stops, closes, syncs nor prints */
	if (setjmp(out) == 0)
		proc_crash_exit(9);
	assert_string_equal(events[1], "park");
}

static void test_request_during_exit_ignored(void **state)
{
	proc_shutdown_request("a test");
	assert_int_equal(signalled, 0);
	assert_string_equal(console, "");
}

static void test_poweroff_prints_last(void **state)
{
	static const char *const want[] = { "print", "poweroff 255" };
	if (setjmp(out) == 0)
		proc_poweroff(255);
	expect_events(want, 2);
	assert_string_equal(console, "toro: exit status 255\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* In this order: the exit, once begun, stays begun. */
		cmocka_unit_test_setup(test_request_before_exit, reset),
		cmocka_unit_test_setup(test_exit_order, reset),
		cmocka_unit_test_setup(test_crash_leaves_hooks_out, reset),
		cmocka_unit_test_setup(test_failed_sync_and_stragglers, reset),
		cmocka_unit_test_setup(test_second_thread_parks, reset),
		cmocka_unit_test_setup(test_request_during_exit_ignored, reset),
		cmocka_unit_test_setup(test_poweroff_prints_last, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
