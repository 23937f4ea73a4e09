/* SPDX-License-Identifier: MIT */
/* bind_twice (found by tests/sysfuzz): a socket is bound once. A second bind
 * of a TCP socket to another port put its pcb on lwIP's list of bound pcbs
 * a second time: a cycle, and the next walk of that list (the next bind to
 * port 0, closing a listener) spun in the kernel for good. Now it is EINVAL,
 * as on Linux, also when two threads bind one socket at once; the lists stay
 * whole (40 sockets bound to port 0, a listener closed, a loopback
 * connection made). Also on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// smp: 1 2
// timeout: 60
// host-args: -
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

static struct sockaddr_in loop(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void expect(const char *what, int r, int err)
{
	int got = r < 0 ? errno : 0;
	if (got != err) {
		printf("FAIL: %s: %s, expected %s\n", what, got ? strerror(got) : "0", err ? strerror(err) : "0");
		failures++;
	} else {
		printf("ok %s: %s\n", what, got ? strerror(got) : "0");
	}
}

static int shared;
static volatile int go;
static int results[2];

static void *binder(void *arg)
{
	int i = (int)(long)arg;
	struct sockaddr_in a = loop(19410 + i);
	while (!go)
		;
	results[i] = bind(shared, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
	return NULL;
}

int main(void)
{
	struct sockaddr_in a = loop(19400), b = loop(19401), any = loop(0);
	int s = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);

	expect("bind TCP to 127.0.0.1:19400", bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	expect("bind it again to :19401", bind(s, (struct sockaddr *)&b, sizeof(b)), EINVAL);
	expect("bind it again to the same port", bind(s, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	expect("bind UDP to :19400", bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	expect("bind it again to :19401", bind(u, (struct sockaddr *)&b, sizeof(b)), EINVAL);
	/* A bound TCP socket: every later bind to port 0 walks the lists. */
	int many[40], n = 0;
	for (int i = 0; i < 40; i++) {
		many[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(many[i], (struct sockaddr *)&any, sizeof(any)) == 0)
			n++;
		bind(many[i], (struct sockaddr *)&b, sizeof(b)); /* EINVAL, each */
	}
	printf("%s 40 sockets bound to port 0 and then refused a second bind: %d bound\n",
	       n == 40 ? "ok" : "FAIL:", n);
	failures += n != 40;
	for (int i = 0; i < 40; i++)
		close(many[i]);
	/* Two threads bind one socket at once: one wins, the other gets EINVAL. */
	for (int round = 0; round < 20; round++) {
		pthread_t t[2];
		shared = socket(AF_INET, SOCK_STREAM, 0);
		go = 0;
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, binder, (void *)(long)i);
		go = 1;
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		int wins = (results[0] == 0) + (results[1] == 0);
		if (wins != 1 || (results[0] && results[0] != EINVAL) || (results[1] && results[1] != EINVAL)) {
			printf("FAIL: round %d: concurrent binds gave %d and %d\n", round, results[0], results[1]);
			failures++;
		}
		close(shared);
	}
	printf("ok 20 rounds of two threads binding one socket: one bind each time\n");
	/* The lists still work: listen, connect over loopback, accept, close. */
	expect("listen on the first socket", listen(s, 4), 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	expect("connect to it", connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	int acc = accept(s, NULL, NULL);
	expect("accept", acc < 0 ? -1 : 0, 0);
	close(acc), close(c), close(s), close(u);
	int again = socket(AF_INET, SOCK_STREAM, 0);
	expect("bind a new socket to the closed listener's port", bind(again, (struct sockaddr *)&b, sizeof(b)), 0);
	close(again);
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
