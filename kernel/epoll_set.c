/* SPDX-License-Identifier: MIT */
/*
 * epoll interest lists (kernel/poll_impl.h): level- and edge-triggered
 * reports, EPOLLONESHOT, fair rotation of what is reported, and the index of
 * items by file. Portable: no locks, no allocation (tests/unit/test_epoll_set).
 */
#include <stddef.h>
#include "poll_impl.h"

static unsigned bucket(const void *file)
{
	return (unsigned)(((uintptr_t)file >> 4) * 0x9e3779b97f4a7c15ull >> 58) %
	       EP_INDEX_BUCKETS;
}

struct ep_item *ep_set_find(struct ep_set *s, int fd, const void *file)
{
	for (struct ep_item *it = s->head; it; it = it->next)
		if (it->fd == fd && it->file == file)
			return it;
	return NULL;
}

void ep_item_init(struct ep_item *it, int fd, const void *file, uint32_t events, uint64_t data)
{
	*it = (struct ep_item){ .fd = fd, .file = file, .events = events, .data = data,
				.dirty = true };
}

static void link_tail(struct ep_set *s, struct ep_item *it)
{
	it->next = NULL;
	it->prev = s->tail;
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
}

static void unlink(struct ep_set *s, struct ep_item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		s->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		s->tail = it->prev;
	it->next = it->prev = NULL;
}

void ep_set_add(struct ep_set *s, struct ep_index *x, struct ep_item *it)
{
	it->set = s;
	link_tail(s, it);
	s->n++;
	unsigned b = bucket(it->file);
	it->hnext = x->b[b];
	x->b[b] = it;
	x->n++;
}

void ep_item_modify(struct ep_item *it, uint32_t events, uint64_t data)
{
	it->events = events;
	it->data = data;
	it->disabled = false;
	it->dirty = true;
	it->last = 0;
}

void ep_set_remove(struct ep_index *x, struct ep_item *it)
{
	struct ep_set *s = it->set;
	unlink(s, it);
	s->n--;
	for (struct ep_item **p = &x->b[bucket(it->file)]; *p; p = &(*p)->hnext) {
		if (*p == it) {
			*p = it->hnext;
			x->n--;
			break;
		}
	}
	it->hnext = NULL;
	it->set = NULL;
}

static uint32_t wanted(const struct ep_item *it, uint32_t ready)
{
	/* Errors and hang-ups are reported whether asked for or not. */
	return ready & ((it->events & ~EPOLL_FLAGS) | EPOLLERR | EPOLLHUP);
}

bool ep_item_would_report(const struct ep_item *it, uint32_t ready)
{
	uint32_t r = wanted(it, ready);
	if (it->disabled || !r)
		return false;
	if (it->events & EPOLLET)
		return (r & ~it->last) || it->dirty;
	return true;
}

uint32_t ep_item_check(struct ep_item *it, uint32_t ready)
{
	uint32_t r = wanted(it, ready);
	if (it->disabled)
		return 0;
	if (it->events & EPOLLET) {
		/* An edge is a bit that was clear at the last check, or any
		 * notification of the file since (new data on a file that was
		 * already readable, as Linux reports it). */
		bool edge = (r & ~it->last) || it->dirty;
		it->last = r;
		it->dirty = false;
		if (!r || !edge)
			return 0;
	} else if (!r) {
		return 0;
	}
	if (it->events & EPOLLONESHOT)
		it->disabled = true;
	return r;
}

int ep_set_collect(struct ep_set *s, ep_ready_fn ready, void *arg, struct ep_event *out,
		   int max)
{
	struct ep_set done = { NULL, NULL, 0 };
	struct ep_item *it = s->head;
	int n = 0;
	while (it && n < max) {
		struct ep_item *next = it->next;
		uint32_t r = ep_item_check(it, ready(it, arg));
		if (r) {
			out[n].events = r;
			out[n].data = it->data;
			n++;
			unlink(s, it);
			link_tail(&done, it);
		}
		it = next;
	}
	/* The reported ones go last, in the order they were reported. */
	while ((it = done.head)) {
		unlink(&done, it);
		link_tail(s, it);
	}
	return n;
}

bool ep_set_any(struct ep_set *s, ep_ready_fn ready, void *arg)
{
	for (struct ep_item *it = s->head; it; it = it->next)
		if (ep_item_would_report(it, ready(it, arg)))
			return true;
	return false;
}

void ep_index_mark(struct ep_index *x, const void *file)
{
	for (struct ep_item *it = x->b[bucket(file)]; it; it = it->hnext)
		if (it->file == file)
			it->dirty = true;
}

struct ep_item *ep_index_first(struct ep_index *x, const void *file)
{
	for (struct ep_item *it = x->b[bucket(file)]; it; it = it->hnext)
		if (it->file == file)
			return it;
	return NULL;
}
