/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/epoll_set.c: interest lists and the index by file.
 * Level- and edge-triggered reports, one-shot and re-arming, errors and
 * hang-ups reported unasked, fair rotation when more are ready than fit,
 * marking and forgetting by file.
 */
#include "../../kernel/poll_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Readiness per fake file, indexed by the item's fd. */
static uint32_t ready_of[16];

static uint32_t ready(struct ep_item *it, void *arg)
{
	(void)arg;
	return ready_of[it->fd];
}

static char files[16]; /* their addresses stand for files */

static void setup_items(struct ep_set *s, struct ep_index *x, struct ep_item *it, int n, uint32_t ev)
{
	memset(s, 0, sizeof(*s));
	memset(x, 0, sizeof(*x));
	memset(ready_of, 0, sizeof(ready_of));
	for (int i = 0; i < n; i++) {
		ep_item_init(&it[i], i, &files[i], ev, 100 + i);
		ep_set_add(s, x, &it[i]);
	}
}

static void test_level(void **state)
{
	struct ep_set s;
	struct ep_index x;
	struct ep_item it[2];
	struct ep_event out[4];
	setup_items(&s, &x, it, 2, EPOLLIN);
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 4), 0);
	ready_of[1] = EPOLLIN | EPOLLOUT;
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 4), 1);
	assert_int_equal(out[0].events, EPOLLIN); /* OUT was not asked for */
	assert_int_equal(out[0].data, 101);
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 4), 1); /* again */
	ready_of[0] = EPOLLHUP;
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 4), 2);
	assert_true(ep_set_any(&s, ready, NULL));
}

static void test_edge(void **state)
{
	struct ep_set s;
	struct ep_index x;
	struct ep_item it[1];
	struct ep_event out[2];
	setup_items(&s, &x, it, 1, EPOLLIN | EPOLLET);
	ready_of[0] = EPOLLIN;
	assert_true(ep_set_any(&s, ready, NULL));
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 1);
	assert_false(ep_set_any(&s, ready, NULL));
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 0);
	/* The file notifies (more data): a new edge though still readable. */
	ep_index_mark(&x, &files[0]);
	assert_true(ep_set_any(&s, ready, NULL));
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 1);
	/* Drained, then readable again: a rising edge without a mark. */
	ready_of[0] = 0;
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 0);
	ready_of[0] = EPOLLIN;
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 1);
	/* A mark while not ready is forgotten at the next check. */
	ready_of[0] = 0;
	ep_index_mark(&x, &files[0]);
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 0);
}

static void test_oneshot(void **state)
{
	struct ep_set s;
	struct ep_index x;
	struct ep_item it[1];
	struct ep_event out[2];
	setup_items(&s, &x, it, 1, EPOLLIN | EPOLLONESHOT);
	ready_of[0] = EPOLLIN;
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 1);
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 0);
	assert_false(ep_set_any(&s, ready, NULL));
	ep_item_modify(&it[0], EPOLLIN | EPOLLONESHOT, 7);
	assert_int_equal(ep_set_collect(&s, ready, NULL, out, 2), 1);
	assert_int_equal(out[0].data, 7);
}

static void test_rotation(void **state)
{
	struct ep_set s;
	struct ep_index x;
	struct ep_item it[5];
	struct ep_event out[2];
	int seen[5] = { 0 };
	setup_items(&s, &x, it, 5, EPOLLIN);
	for (int i = 0; i < 5; i++)
		ready_of[i] = EPOLLIN;
	/* Two at a time: every item within three calls. */
	for (int call = 0; call < 3; call++) {
		int n = ep_set_collect(&s, ready, NULL, out, 2);
		assert_true(n >= 1 && n <= 2);
		for (int i = 0; i < n; i++)
			seen[out[i].data - 100]++;
	}
	for (int i = 0; i < 5; i++)
		assert_true(seen[i] >= 1);
	assert_int_equal(s.n, 5);
}

static void test_index(void **state)
{
	struct ep_set s, s2;
	struct ep_index x;
	struct ep_item it[3], other;
	setup_items(&s, &x, it, 3, EPOLLIN);
	memset(&s2, 0, sizeof(s2));
	ep_item_init(&other, 9, &files[1], EPOLLIN, 0);
	ep_set_add(&s2, &x, &other);
	assert_int_equal(x.n, 4);
	assert_ptr_equal(ep_set_find(&s, 1, &files[1]), &it[1]);
	assert_null(ep_set_find(&s, 1, &files[2]));
	/* Forget file 1 everywhere, as its last close does. */
	struct ep_item *f;
	int removed = 0;
	while ((f = ep_index_first(&x, &files[1]))) {
		ep_set_remove(&x, f);
		removed++;
	}
	assert_int_equal(removed, 2);
	assert_int_equal(x.n, 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s2.n, 0);
	assert_null(s2.head);
	assert_null(ep_set_find(&s, 1, &files[1]));
	assert_ptr_equal(s.head, &it[0]);
	assert_ptr_equal(s.tail, &it[2]);
	assert_int_equal(sizeof(struct ep_event), 12); /* Linux's packed layout */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_oneshot),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
