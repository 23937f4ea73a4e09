/* SPDX-License-Identifier: MIT */
/*
 * Readiness waiting (kernel/poll.c) and what the pollable files share:
 * pipes (kernel/pipe.c), eventfds (kernel/eventfd.c), sockets (net/socket.c),
 * epoll instances. A file that can block implements file_ops.poll and calls
 * file_notify (k/fd.h) after every change of its readiness, with none of its
 * own locks held.
 */
#ifndef K_POLL_H
#define K_POLL_H

#include <stdint.h>

struct file;

/* fd.c, on the last reference to f before it is closed: every epoll interest
 * in f goes (Linux drops them when the file is closed). */
void poll_file_release(struct file *f);

/* ioctl requests every pollable file answers. */
#define FIONREAD 0x541b
#define FIONBIO 0x5421

/* FIONBIO: *(int *)arg non-zero sets O_NONBLOCK on f, zero clears it. */
long poll_ioctl_fionbio(struct file *f, uint64_t arg);

/* Install f (a new file holding one reference) at the lowest free descriptor,
 * close-on-exec if asked: the descriptor, or -EMFILE after closing f. */
int poll_install(struct file *f, int cloexec);

#endif
