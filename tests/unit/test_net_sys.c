/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for net/sys_arch.c, lwIP's system layer, on host threads
 * (tests/unit/net_host.c fakes kwait and kernel threads): message boxes (FIFO
 * order across the ring's wrap, full and empty, timeouts, blocked producers
 * and consumers under load), semaphores, the core-lock mutex, the recursive
 * protection, the clock and thread creation.
 */
#include "lwip/sys.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net_host.h"

void net_assert_core_locked(void) {}

static void *msg(uintptr_t v) { return (void *)v; }

static void test_mbox_fifo_across_wrap(void **state)
{
	sys_mbox_t mb;
	void *m;
	assert_int_equal(sys_mbox_new(&mb, 4), ERR_OK);
	assert_true(sys_mbox_valid(&mb));
	for (uintptr_t round = 0; round < 5; round++) {
		for (uintptr_t i = 1; i <= 3; i++)
			sys_mbox_post(&mb, msg(round * 10 + i));
		for (uintptr_t i = 1; i <= 3; i++) {
			assert_int_not_equal(sys_arch_mbox_fetch(&mb, &m, 0), SYS_ARCH_TIMEOUT);
			assert_ptr_equal(m, msg(round * 10 + i));
		}
	}
	sys_mbox_free(&mb);
	sys_mbox_set_invalid(&mb);
	assert_false(sys_mbox_valid(&mb));
}

static void test_mbox_full_and_empty(void **state)
{
	sys_mbox_t mb;
	void *m = msg(99);
	assert_int_equal(sys_mbox_new(&mb, 2), ERR_OK);
	assert_int_equal(sys_arch_mbox_tryfetch(&mb, &m), SYS_MBOX_EMPTY);
	assert_ptr_equal(m, msg(99)); /* untouched */
	assert_int_equal(sys_mbox_trypost(&mb, msg(1)), ERR_OK);
	assert_int_equal(sys_mbox_trypost_fromisr(&mb, msg(2)), ERR_OK);
	assert_int_equal(sys_mbox_trypost(&mb, msg(3)), ERR_MEM);
	assert_int_equal(sys_arch_mbox_tryfetch(&mb, &m), 0);
	assert_ptr_equal(m, msg(1));
	assert_int_equal(sys_arch_mbox_tryfetch(&mb, NULL), 0); /* dropped */
	assert_int_equal(sys_arch_mbox_tryfetch(&mb, &m), SYS_MBOX_EMPTY);
	/* NULL is a message like any other */
	sys_mbox_post(&mb, NULL);
	m = msg(5);
	assert_int_equal(sys_arch_mbox_tryfetch(&mb, &m), 0);
	assert_null(m);
	sys_mbox_free(&mb);
}

static void test_mbox_fetch_times_out(void **state)
{
	sys_mbox_t mb;
	void *m = msg(7);
	assert_int_equal(sys_mbox_new(&mb, 8), ERR_OK);
	u32_t t0 = sys_now();
	assert_int_equal(sys_arch_mbox_fetch(&mb, &m, 30), SYS_ARCH_TIMEOUT);
	assert_true(sys_now() - t0 >= 30);
	assert_ptr_equal(m, msg(7));
	sys_mbox_free(&mb);
}

/* ---- producers and a consumer through a small box ---- */

#define PRODUCERS 4
#define PER_PRODUCER 20000

static sys_mbox_t shared_box;

static void *producer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	for (uintptr_t i = 1; i <= PER_PRODUCER; i++)
		sys_mbox_post(&shared_box, msg(id << 32 | i));
	return NULL;
}

static void test_mbox_producers_block_consumer_sees_order(void **state)
{
	pthread_t t[PRODUCERS];
	uintptr_t last[PRODUCERS] = { 0 };
	void *m;
	assert_int_equal(sys_mbox_new(&shared_box, 8), ERR_OK);
	int waits = net_host_kwaits;
	for (uintptr_t i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, producer, (void *)i), 0);
	for (int n = 0; n < PRODUCERS * PER_PRODUCER; n++) {
		/* every fetch may block; a message must come within 5 s */
		assert_int_not_equal(sys_arch_mbox_fetch(&shared_box, &m, 5000), SYS_ARCH_TIMEOUT);
		uintptr_t v = (uintptr_t)m, id = v >> 32, seq = v & 0xffffffffu;
		assert_true(id < PRODUCERS);
		assert_int_equal(seq, last[id] + 1);
		last[id] = seq;
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(sys_arch_mbox_tryfetch(&shared_box, &m), SYS_MBOX_EMPTY);
	printf("mbox: %d messages, %d blocking waits\n", PRODUCERS * PER_PRODUCER,
	       net_host_kwaits - waits);
	assert_true(net_host_kwaits > waits); /* the box was full and empty at times */
	sys_mbox_free(&shared_box);
}

/* ---- semaphores ---- */

static sys_sem_t sem;

static void *signal_later(void *arg)
{
	usleep(20000);
	sys_sem_signal(&sem);
	return NULL;
}

static void test_sem(void **state)
{
	pthread_t t;
	assert_int_equal(sys_sem_new(&sem, 1), ERR_OK);
	assert_true(sys_sem_valid(&sem));
	assert_int_not_equal(sys_arch_sem_wait(&sem, 0), SYS_ARCH_TIMEOUT);
	assert_int_equal(sys_arch_sem_wait(&sem, 20), SYS_ARCH_TIMEOUT);
	assert_int_equal(pthread_create(&t, NULL, signal_later, NULL), 0);
	u32_t waited = sys_arch_sem_wait(&sem, 0);
	assert_int_not_equal(waited, SYS_ARCH_TIMEOUT);
	assert_true(waited >= 15);
	pthread_join(t, NULL);
	sys_sem_free(&sem);
	assert_false(sys_sem_valid(&sem));
}

/* ---- the mutex ---- */

static sys_mutex_t mutex;
static long counter;
static int held_elsewhere, not_held;

static void *count_up(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		sys_mutex_lock(&mutex);
		if (!net_mutex_held(&mutex)) /* no cmocka asserts off the main thread */
			__atomic_add_fetch(&not_held, 1, __ATOMIC_RELAXED);
		long c = counter;
		if ((i & 1023) == 0)
			sched_yield();
		counter = c + 1;
		sys_mutex_unlock(&mutex);
		if (net_mutex_held(&mutex))
			__atomic_add_fetch(&held_elsewhere, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_mutex(void **state)
{
	pthread_t t[4];
	assert_int_equal(sys_mutex_new(&mutex), ERR_OK);
	assert_true(sys_mutex_valid(&mutex));
	assert_false(net_mutex_held(&mutex));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, count_up, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counter, 4 * 20000);
	assert_int_equal(not_held, 0);
	assert_int_equal(held_elsewhere, 0); /* held means held by the caller */
	sys_mutex_free(&mutex);
	assert_false(sys_mutex_valid(&mutex));
}

/* ---- protection ---- */

static long prot_counter;

static void *protected_counting(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		SYS_ARCH_DECL_PROTECT(a);
		SYS_ARCH_DECL_PROTECT(b);
		SYS_ARCH_PROTECT(a);
		SYS_ARCH_PROTECT(b); /* nested: must not deadlock */
		prot_counter++;
		SYS_ARCH_UNPROTECT(b);
		prot_counter++;
		SYS_ARCH_UNPROTECT(a);
	}
	return NULL;
}

static void test_protect_nests_and_excludes(void **state)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, protected_counting, NULL), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(prot_counter, 3 * 2 * 20000);
}

/* ---- clock, random, threads ---- */

static sys_sem_t thread_ran;

static void thread_body(void *arg)
{
	*(int *)arg = 42;
	sys_sem_signal(&thread_ran);
}

static void test_now_rand_thread(void **state)
{
	u32_t a = sys_now();
	usleep(10000);
	assert_true(sys_now() - a >= 10);
	assert_int_not_equal(LWIP_RAND(), LWIP_RAND());

	int value = 0;
	assert_int_equal(sys_sem_new(&thread_ran, 0), ERR_OK);
	assert_non_null(sys_thread_new("t", thread_body, &value, 0, 0));
	assert_int_not_equal(sys_arch_sem_wait(&thread_ran, 5000), SYS_ARCH_TIMEOUT);
	assert_int_equal(value, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mbox_fifo_across_wrap),
		cmocka_unit_test(test_mbox_full_and_empty),
		cmocka_unit_test(test_mbox_fetch_times_out),
		cmocka_unit_test(test_mbox_producers_block_consumer_sees_order),
		cmocka_unit_test(test_sem),
		cmocka_unit_test(test_mutex),
		cmocka_unit_test(test_protect_nests_and_excludes),
		cmocka_unit_test(test_now_rand_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
