/* SPDX-License-Identifier: MIT */
/*
 * The program tests/apps/static.sh builds with musl-gcc -static, gcc -static
 * and gcc -static-pie and runs both on the host and under `toro run --app`:
 * the two outputs must be equal, line for line, and so must the exit status.
 * It prints only what is the same on any Linux: no addresses, times or pids.
 * With TORO_SELFCHECK set it makes Toro's self-check call (toro/selfcheck.h)
 * before it exits; the kernel prints the verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static void args(int argc, char **argv)
{
	printf("argc %d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] [%s]\n", i, argv[i]);
	const char *e = getenv("STATIC_TEST");
	printf("env STATIC_TEST [%s]\n", e ? e : "(unset)");
}

static void files(void)
{
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/tmp/toro-static-%d", (int)getpid());
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0) {
		printf("files: open failed: %s\n", strerror(errno));
		return;
	}
	struct iovec iov[2] = { { "hello ", 6 }, { "file\n", 5 } };
	ssize_t w = writev(fd, iov, 2);
	struct stat st;
	fstat(fd, &st);
	lseek(fd, 0, SEEK_SET);
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	buf[r > 0 ? r : 0] = 0;
	close(fd);
	printf("files: wrote %zd, size %lld, read %zd: %s", w, (long long)st.st_size, r, buf);
	int u = unlink(path);
	printf("files: unlink %d, then open: %s\n", u,
	       open(path, O_RDONLY) < 0 ? strerror(errno) : "opened");
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *worker(void *arg)
{
	long n = (long)arg;
	for (long i = 1; i <= 10000; i++) {
		pthread_mutex_lock(&lock);
		total += i * n;
		pthread_mutex_unlock(&lock);
	}
	return (void *)(n * 2);
}

static void threads(void)
{
	pthread_t t[4];
	long ret = 0;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		ret += (long)r;
	}
	printf("threads: total %ld, joined %ld\n", total, ret);
}

/* A TCP connection to itself over the loopback interface. */
static void sockets(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen)) {
		printf("sockets: listen failed: %s\n", strerror(errno));
		return;
	}
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a))) {
		printf("sockets: connect failed: %s\n", strerror(errno));
		return;
	}
	int s = accept(l, NULL, NULL);
	char buf[32] = { 0 };
	ssize_t w = send(c, "ping", 4, 0), r = recv(s, buf, sizeof(buf) - 1, 0);
	close(c);
	ssize_t eof = recv(s, buf + 8, 8, 0);
	printf("sockets: sent %zd, received %zd [%s], then %zd\n", w, r, buf, eof);
	close(s);
	close(l);
}

static volatile sig_atomic_t got;
static sigjmp_buf jb;

static void on_usr1(int sig) { got = sig; }
static void on_segv(int sig) { siglongjmp(jb, sig); }

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("signals: SIGUSR1 handled: %d\n", got == SIGUSR1);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	got = 0;
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	int before = got;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("signals: blocked %d, after unblocking %d\n", before, got == SIGUSR1);
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	int sig = sigsetjmp(jb, 1);
	if (sig == 0)
		*(volatile int *)8 = 1;
	printf("signals: the fault came back as signal %d\n", sig);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	args(argc, argv);
	files();
	threads();
	sockets();
	signals();
	/* Under Toro only (the test sets it there): the kernel checks itself
	 * with a program packed (its page protections, allocator, heaps). */
	if (getenv("TORO_SELFCHECK"))
		syscall(0x7001, 0);
	printf("exit 7\n");
	return 7;
}
