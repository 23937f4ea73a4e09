/* SPDX-License-Identifier: MIT */
/* time_pace: the guest's clock keeps pace with the host's. The guest says
 * "pace: start", sleeps 3 s by CLOCK_MONOTONIC and says "pace: end" with the
 * time its own clock saw; the host (host-during) notes when each line showed
 * up (the guest then waits 1 s so that the host sees the last line). The
 * TSC's rate is measured in 0.5 ms at boot and refined while the guest
 * sleeps: a clock 1.5x fast or 10x slow fails, a loaded host does not (the
 * bounds are 2 s and 30 s of host time for the guest's 3 s). */
// expect-exit: 0
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// host-during: s=; for i in $(seq 3000); do [ -z "$s" ] && grep -aq '^pace: start' "$TORO_CONSOLE" && s=$(date +%s%N); [ -n "$s" ] && grep -aq '^pace: end' "$TORO_CONSOLE" && { echo "$s $(date +%s%N) $(grep -a '^pace: end' "$TORO_CONSOLE" | sed 's/.*guest_ms=//')" > pace; break; }; sleep 0.01; done
// host-check: read s e g < pace && h=$(( (e - s) / 1000000 )) && echo "host $h ms, guest $g ms" && [ "$h" -ge 2000 ] && [ "$h" -le 30000 ] && [ "$g" -ge 3000 ]
// timeout: 60
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(void)
{
	struct timespec req = { 3, 0 };
	long long t0 = now_ms();
	printf("pace: start\n");
	fflush(stdout);
	if (nanosleep(&req, NULL)) {
		printf("FAIL: nanosleep\n");
		return 1;
	}
	long long dt = now_ms() - t0;
	printf("pace: end guest_ms=%lld\n", dt);
	fflush(stdout);
	if (dt < 3000) {
		printf("FAIL: a 3 s sleep took %lld ms by CLOCK_MONOTONIC\n", dt);
		return 1;
	}
	printf("SUCCESS\n");
	fflush(stdout);
	sleep(1); /* time for the host to see the last line before QEMU goes */
	return 0;
}
