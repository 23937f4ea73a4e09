/* SPDX-License-Identifier: MIT */
/* nt_flag (found by tests/sysfuzz): ring 3 may set the NT flag (popfq); a
 * system call entered with it must not keep it in the kernel, since an iretq
 * with NT set is a task return, which long mode refuses with #GP. With NT
 * kept, a call that returns through iretq (a signal delivered at its end, an
 * rt_sigreturn) raised #GP in the kernel: the fuzzer's rt_sigreturn frames
 * restored NT and then made a call. Here: NT set, then a signal sent to
 * itself, whose handler returns through rt_sigreturn with NT in the frame;
 * and NT across a plain call. Also on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// host-args: -
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NT 0x4000ul

static volatile int handled;

static void handler(int sig)
{
	(void)sig;
	handled++;
}

/* A raw call made with NT set in rflags; NT cleared again after it. */
static long call_with_nt(long nr, long a0, long a1)
{
	long r;
	__asm__ volatile("pushfq\n\t"
			 "orq $0x4000, (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "andq $~0x4000, (%%rsp)\n\t"
			 "popfq"
			 : "=a"(r)
			 : "a"(nr), "D"(a0), "S"(a1)
			 : "rcx", "r11", "memory", "cc");
	return r;
}

int main(void)
{
	struct sigaction sa;
	int failures = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, 0);
	long pid = call_with_nt(SYS_getpid, 0, 0);
	printf("%s getpid with NT set: %ld\n", pid > 0 ? "ok" : "FAIL:", pid);
	failures += pid <= 0;
	for (int i = 0; i < 100; i++)
		call_with_nt(SYS_tkill, syscall(SYS_gettid), SIGUSR1);
	printf("%s 100 signals sent with NT set, %d handled (each returned through rt_sigreturn)\n",
	       handled == 100 ? "ok" : "FAIL:", handled);
	failures += handled != 100;
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
