/* SPDX-License-Identifier: MIT */
/* For host unit tests: expect_panic(fn) runs fn in a child process and
 * checks that it dies of SIGABRT, which is what panic does on the host
 * (tests/unit/host_stubs.c). Include after <cmocka.h>. */
#ifndef EXPECT_PANIC_H
#define EXPECT_PANIC_H

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void expect_panic(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

#endif
