/* SPDX-License-Identifier: MIT */
/* exit_linger: the exit waits for closed connections only as long as
 * toro.linger says. A host client (host-during) connects through QEMU's port
 * forward and then neither reads nor closes: the program writes until its
 * send buffer stays full for a second, closes the connection and returns from
 * main. The peer's FIN never comes, so after toro.linger=1 s the exit resets
 * the connection, says what it cut off, and powers off with status 0. */
// expect-exit: 0
// expect-output: closed with data in flight, returning from main
// expect-once: toro: exit: toro.linger=1 s cut off 1 connection,
// reject-output: FAIL
// machines: pc microvm
// pvh-machines: none
// args: toro.linger=1
// qemu-args-pc: -netdev user,id=n0,hostfwd=tcp:127.0.0.1:19341-:8000 -device virtio-net-pci,netdev=n0
// qemu-args-microvm: -netdev user,id=n0,hostfwd=tcp:127.0.0.1:19342-:8000 -device virtio-net-device,netdev=n0
// host-during: for i in $(seq 300); do grep -aq '^READY' "$TORO_CONSOLE" && break; sleep 0.1; done; p=19342; grep -aq 'virtio-net eth0 .* at pci' "$TORO_CONSOLE" && p=19341; exec 3<>/dev/tcp/127.0.0.1/$p; echo connected to $p; sleep 60
// timeout: 30
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static char buf[65536];

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(8000) };
	struct timeval tv = { 1, 0 };
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4)) {
		printf("FAIL: listen: %s\n", strerror(errno));
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		printf("FAIL: accept: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	long total = 0, w;
	memset(buf, 'x', sizeof(buf));
	/* The client reads nothing: QEMU and the host buffer some, then the
	 * window closes and a send waits out its 1 s timeout. */
	while ((w = send(c, buf, sizeof(buf), 0)) > 0)
		total += w;
	if (errno != EAGAIN) {
		printf("FAIL: send: %s after %ld bytes\n", strerror(errno), total);
		return 1;
	}
	printf("wrote %ld bytes before the window closed\n", total);
	close(c);
	printf("closed with data in flight, returning from main\n");
	return 0;
}
