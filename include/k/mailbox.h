/* SPDX-License-Identifier: MIT */
/*
 * Per-core mailbox: a lock-free multi-producer, single-consumer queue of
 * intrusive nodes. Any core pushes (a compare-and-swap on the head); only the
 * owning core takes, all at once, and gets the nodes oldest first. A node must
 * not be pushed again before it has been taken.
 *
 * The push's release pairs with the take's acquire, so whatever a pusher did
 * to a node before pushing it is visible to the owner that takes it. There is
 * no ABA hazard: the owner never pops one node (it swaps the whole list out),
 * so a pusher whose compare-and-swap sees the head it read, even one taken and
 * pushed again meanwhile, links its node in front of the real current head.
 */
#ifndef K_MAILBOX_H
#define K_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

struct mbox_node {
	struct mbox_node *next;
};

struct mailbox {
	struct mbox_node *head; /* newest first */
};

static inline void mailbox_init(struct mailbox *mb) { mb->head = NULL; }

/* Push n; true when the mailbox was empty, i.e. the owner may need an IPI. */
static inline bool mailbox_push(struct mailbox *mb, struct mbox_node *n)
{
	struct mbox_node *old = __atomic_load_n(&mb->head, __ATOMIC_RELAXED);
	do
		n->next = old;
	while (!__atomic_compare_exchange_n(&mb->head, &old, n, true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	return old == NULL;
}

/* Everything pushed so far, oldest first, NULL-terminated. Owner only. */
static inline struct mbox_node *mailbox_take_all(struct mailbox *mb)
{
	struct mbox_node *n = __atomic_exchange_n(&mb->head, NULL, __ATOMIC_ACQUIRE);
	struct mbox_node *fifo = NULL;
	while (n) {
		struct mbox_node *next = n->next;
		n->next = fifo;
		fifo = n;
		n = next;
	}
	return fifo;
}

static inline bool mailbox_empty(const struct mailbox *mb)
{
	return __atomic_load_n(&mb->head, __ATOMIC_RELAXED) == NULL;
}

#endif
