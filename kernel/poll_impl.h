/* SPDX-License-Identifier: MIT */
/*
 * Private to kernel/poll.c: an epoll instance's interest list and the index
 * of every interest by file (kernel/epoll_set.c, portable and host-tested).
 * Nothing here locks or allocates: poll.c holds its lock around every call
 * and brings the memory. Event bits are Linux's EPOLL* values (equal to
 * POLL*); the flags EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLWAKEUP ride in
 * `events` too.
 */
#ifndef KERNEL_POLL_IMPL_H
#define KERNEL_POLL_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#define EPOLLIN 0x001u
#define EPOLLPRI 0x002u
#define EPOLLOUT 0x004u
#define EPOLLERR 0x008u
#define EPOLLHUP 0x010u
#define EPOLLRDNORM 0x040u
#define EPOLLRDBAND 0x080u
#define EPOLLWRNORM 0x100u
#define EPOLLWRBAND 0x200u
#define EPOLLMSG 0x400u
#define EPOLLRDHUP 0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EPOLL_FLAGS (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)

#define EP_INDEX_BUCKETS 64

struct ep_set;

/* One (fd, file) in one epoll instance. */
struct ep_item {
	struct ep_item *next, *prev; /* in its set: least recently reported first */
	struct ep_item *hnext;       /* in the index bucket of its file */
	struct ep_set *set;
	const void *file;            /* not a reference: the index forgets it first */
	int fd;
	uint32_t events;             /* EPOLL* wanted plus flags */
	uint64_t data;
	uint32_t last;               /* readiness at the last check (edge-triggered) */
	bool dirty;                  /* the file notified since that check */
	bool disabled;               /* EPOLLONESHOT reported; EPOLL_CTL_MOD re-arms */
};

struct ep_set {
	struct ep_item *head, *tail;
	int n;
};

/* Every item of every set, by file, for file_notify and a file's last close. */
struct ep_index {
	struct ep_item *b[EP_INDEX_BUCKETS];
	int n;
};

/* One reported event, the layout of Linux's packed struct epoll_event. */
struct ep_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

/* Readiness (POLL* bits) of an item's file, never blocking. */
typedef uint32_t (*ep_ready_fn)(struct ep_item *it, void *arg);

struct ep_item *ep_set_find(struct ep_set *s, int fd, const void *file);
/* Add a new item (filled in by ep_item_init) at the set's end and index it. */
void ep_item_init(struct ep_item *it, int fd, const void *file, uint32_t events, uint64_t data);
void ep_set_add(struct ep_set *s, struct ep_index *x, struct ep_item *it);
/* EPOLL_CTL_MOD: new events and data, re-armed (ONESHOT) and re-checked. */
void ep_item_modify(struct ep_item *it, uint32_t events, uint64_t data);
/* Take an item out of its set and the index; the caller frees it. */
void ep_set_remove(struct ep_index *x, struct ep_item *it);

/* The events an item reports now for readiness `ready` (0: none), updating
 * its edge and one-shot state as a report does. */
uint32_t ep_item_check(struct ep_item *it, uint32_t ready);
/* Would it report? The same test without changing anything. */
bool ep_item_would_report(const struct ep_item *it, uint32_t ready);

/* Up to max events of a set into out: the number. Reported items move to the
 * end of the list, so a busy item cannot starve the others. */
int ep_set_collect(struct ep_set *s, ep_ready_fn ready, void *arg, struct ep_event *out,
		   int max);
/* Any item that would report (an epoll instance's own readiness)? */
bool ep_set_any(struct ep_set *s, ep_ready_fn ready, void *arg);

/* The file notified: its edge-triggered items may report again. */
void ep_index_mark(struct ep_index *x, const void *file);
/* The first item of `file` in any set (NULL: none); for removal in a loop. */
struct ep_item *ep_index_first(struct ep_index *x, const void *file);

#endif
