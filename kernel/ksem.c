/* SPDX-License-Identifier: MIT */
/* Counting semaphores on kwait/kwake (k/wait.h): portable, so the host tests
 * of the network layer link this file against their own kwait. */
#include <k/errno.h>
#include <k/wait.h>

int ksem_down(struct ksem *s, uint64_t until)
{
	int r = 0;
	spin_lock(&s->lock);
	while (s->count == 0 && r == 0)
		r = kwait(s, &s->lock, until);
	if (s->count > 0) {
		s->count--;
		r = 0;
	}
	spin_unlock(&s->lock);
	return r;
}

void ksem_up(struct ksem *s)
{
	spin_lock(&s->lock);
	s->count++;
	kwake(s, 1);
	spin_unlock(&s->lock);
}
