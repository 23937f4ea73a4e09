/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for include/k/mailbox.h: FIFO order of mailbox_take_all, the
 * empty->non-empty signal of mailbox_push, and a stress test with host
 * threads as cores: four producers, one consumer, every node once and in
 * each producer's push order.
 */
#include <k/mailbox.h>

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

struct item {
	struct mbox_node node;
	int producer;
	int seq;
	int seen;
};

static struct item *item_of(struct mbox_node *n)
{
	return (struct item *)((char *)n - offsetof(struct item, node));
}

static void test_empty(void **state)
{
	struct mailbox mb;

	mailbox_init(&mb);
	assert_true(mailbox_empty(&mb));
	assert_null(mailbox_take_all(&mb));
	assert_null(mailbox_take_all(&mb));
	assert_true(mailbox_empty(&mb));
}

static void test_fifo_and_push_signal(void **state)
{
	struct mailbox mb;
	struct item it[5];
	struct mbox_node *n;
	int i;

	mailbox_init(&mb);
	for (i = 0; i < 5; i++) {
		it[i].seq = i;
		/* Only the push onto an empty box asks for an IPI. */
		assert_int_equal(mailbox_push(&mb, &it[i].node), i == 0);
		assert_false(mailbox_empty(&mb));
	}
	n = mailbox_take_all(&mb);
	assert_true(mailbox_empty(&mb));
	for (i = 0; i < 5; i++, n = n->next) {
		assert_non_null(n);
		assert_int_equal(item_of(n)->seq, i);
	}
	assert_null(n);
	assert_null(mailbox_take_all(&mb));

	/* Taken nodes may be pushed again; empty again means true again. */
	assert_true(mailbox_push(&mb, &it[3].node));
	assert_false(mailbox_push(&mb, &it[1].node));
	n = mailbox_take_all(&mb);
	assert_ptr_equal(n, &it[3].node);
	assert_ptr_equal(n->next, &it[1].node);
	assert_null(n->next->next);
	assert_true(mailbox_push(&mb, &it[0].node));
	n = mailbox_take_all(&mb);
	assert_ptr_equal(n, &it[0].node);
	assert_null(n->next);
}

#define PRODUCERS 4
#define PER_PRODUCER 100000

static struct mailbox stress_mb;
static struct item *stress_items; /* PRODUCERS * PER_PRODUCER */
static int start_flag;
static long push_true;

static void *producer(void *arg)
{
	int p = (int)(intptr_t)arg;
	struct item *mine = &stress_items[p * PER_PRODUCER];
	long trues = 0;

	while (!__atomic_load_n(&start_flag, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < PER_PRODUCER; i++) {
		mine[i].producer = p;
		mine[i].seq = i;
		trues += mailbox_push(&stress_mb, &mine[i].node);
		if ((i & 63) == 63)
			sched_yield(); /* let the others in on a host with few cores */
	}
	__atomic_add_fetch(&push_true, trues, __ATOMIC_RELAXED);
	return NULL;
}

static void test_stress_mpsc(void **state)
{
	pthread_t th[PRODUCERS];
	int next_seq[PRODUCERS] = { 0 };
	long got = 0, nonempty_takes = 0, max_batch = 0;

	stress_items = calloc(PRODUCERS * PER_PRODUCER, sizeof(*stress_items));
	assert_non_null(stress_items);
	mailbox_init(&stress_mb);
	push_true = 0;
	start_flag = 0;
	for (int p = 0; p < PRODUCERS; p++)
		assert_int_equal(pthread_create(&th[p], NULL, producer, (void *)(intptr_t)p), 0);
	__atomic_store_n(&start_flag, 1, __ATOMIC_RELEASE);

	while (got < PRODUCERS * PER_PRODUCER) {
		struct mbox_node *n = mailbox_take_all(&stress_mb);
		long batch = 0;

		if (!n) {
			sched_yield();
			continue;
		}
		nonempty_takes++;
		for (; n; n = n->next, batch++) {
			struct item *it = item_of(n);

			assert_in_range(it->producer, 0, PRODUCERS - 1);
			assert_int_equal(it->seen, 0);
			it->seen = 1;
			/* Each producer's nodes arrive in its push order. */
			assert_int_equal(it->seq, next_seq[it->producer]);
			next_seq[it->producer]++;
		}
		got += batch;
		if (batch > max_batch)
			max_batch = batch;
	}
	for (int p = 0; p < PRODUCERS; p++) {
		assert_int_equal(pthread_join(th[p], NULL), 0);
		assert_int_equal(next_seq[p], PER_PRODUCER);
	}
	assert_true(mailbox_empty(&stress_mb));
	assert_null(mailbox_take_all(&stress_mb));
	/* One "was empty" per non-empty take: exactly one IPI per batch. */
	assert_int_equal(push_true, nonempty_takes);
	print_message("%ld nodes in %ld batches (largest %ld)\n", got, nonempty_takes,
		      max_batch);
	free(stress_items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fifo_and_push_signal),
		cmocka_unit_test(test_stress_mpsc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
