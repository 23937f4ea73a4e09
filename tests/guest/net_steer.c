/* SPDX-License-Identifier: MIT */
/* net_steer: receive steering over virtio-net (docs/network.md, "Cores").
 * One SO_REUSEPORT listener per core on port 8001, each on a thread placed on
 * its core and pinned there with SO_INCOMING_CPU; QEMU forwards host port
 * 2104N (N the vCPU count, so that the runs do not share a port) to it, and
 * the guest's own client connects 60 times to 10.0.2.2:2104N, so every
 * connection comes in through the device. Each must
 * be accepted by the listener of the core that received its frames (its
 * SO_INCOMING_CPU), every core must get some, and every client its answer.
 * With toro.net.steer=0 every frame is received on core 0 and the check on
 * SO_INCOMING_CPU fails. */
// machines: microvm
// pvh-machines: none
// smp: 2 4
// mem: 64
// timeout: 90
// args: 2104{smp}
// qemu-args: -netdev user,id=n0,hostfwd=tcp:127.0.0.1:2104{smp}-:8001 -device virtio-net-device,netdev=n0
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3
// expect-output: SUCCESS
// reject-output: FAIL
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXL 8
#define CONNS 60

static int failures, ncpu, quit, port;
static int lfd[MAXL], got[MAXL], wrong[MAXL];
static pthread_barrier_t ready;

static void *serve(void *arg)
{
	int me = (int)(long)arg, one = 1;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(me, &set);
	sched_setaffinity(0, sizeof(set), &set);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(8001) };
	lfd[me] = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd[me], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(lfd[me], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(lfd[me], SOL_SOCKET, SO_INCOMING_CPU, &me, sizeof(me)) ||
	    bind(lfd[me], (struct sockaddr *)&a, sizeof(a)) || listen(lfd[me], 64)) {
		printf("FAIL: listener %d: %s\n", me, strerror(errno));
		failures++;
	}
	pthread_barrier_wait(&ready);
	while (!__atomic_load_n(&quit, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { lfd[me], POLLIN, 0 };
		if (poll(&p, 1, 20) != 1)
			continue;
		int c = accept(lfd[me], NULL, NULL), cpu = -2;
		socklen_t len = sizeof(cpu);
		if (c < 0)
			continue;
		if (getsockopt(c, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) || cpu != me) {
			printf("listener %d (core %d): a connection received on core %d\n", me, me, cpu);
			__atomic_add_fetch(&wrong[me], 1, __ATOMIC_RELAXED);
		}
		char b, id = (char)('0' + me);
		if (read(c, &b, 1) == 1 && write(c, &id, 1) == 1)
			__atomic_add_fetch(&got[me], 1, __ATOMIC_RELAXED);
		close(c);
	}
	close(lfd[me]);
	return NULL;
}

static int client(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "10.0.2.2", &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0), r = -1;
	char b = 'x', id = 0;
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, &b, 1) == 1 &&
	    read(fd, &id, 1) == 1)
		r = id - '0';
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	port = argc > 1 ? atoi(argv[1]) : 0;
	if (port <= 0 || port > 65535) {
		printf("FAIL: usage: net_steer HOSTPORT\n");
		return 2;
	}
	pthread_t t[MAXL];
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > MAXL)
		ncpu = MAXL;
	pthread_barrier_init(&ready, NULL, (unsigned)ncpu + 1);
	for (long i = 0; i < ncpu; i++)
		pthread_create(&t[i], NULL, serve, (void *)i);
	pthread_barrier_wait(&ready);
	int answered = 0;
	for (int i = 0; i < CONNS; i++) {
		int k = client();
		if (k < 0 || k >= ncpu) {
			printf("FAIL: connection %d got no answer (%s)\n", i, strerror(errno));
			failures++;
			break;
		}
		answered++;
	}
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
	int served = 0, bad = 0;
	for (int i = 0; i < ncpu; i++) {
		pthread_join(t[i], NULL);
		printf("core %d: %d connections, %d received on another core\n", i, got[i], wrong[i]);
		served += got[i];
		bad += wrong[i];
		if (got[i] == 0)
			printf("FAIL: core %d's listener got no connection\n", i), failures++;
	}
	if (served != CONNS || answered != CONNS)
		printf("FAIL: %d answered, %d served, of %d\n", answered, served, CONNS), failures++;
	if (bad)
		printf("FAIL: %d connections accepted off the core that received them\n", bad), failures++;
	printf(failures ? "FAIL: %d\n" : "SUCCESS\n", failures);
	return failures != 0;
}
