/* SPDX-License-Identifier: MIT */
/* sse_avx: ring 3 code uses SSE (doubles, SSE2 intrinsics, musl's memcpy) and,
 * when CPUID offers it, AVX (256-bit intrinsics through a target attribute) and
 * gets right answers; the upper halves of YMM registers survive a signal. */
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL:", what);
	failures += !ok;
}

static void test_doubles(void)
{
	volatile double x = 2.0;
	double s = 0;
	for (int i = 1; i <= 1000; i++)
		s += 1.0 / ((double)i * i);
	check(fabs(s - 1.6439345666815598) < 1e-12, "sum of 1/i^2 to 1000");
	check(fabs(sqrt(x) - 1.4142135623730951) < 1e-15, "sqrt(2)");
	check(fabs(sin(x) - 0.9092974268256817) < 1e-15, "sin(2)");
	char buf[64];
	snprintf(buf, sizeof(buf), "%.6f %g %e", 3.14159265358979, 1e300 * 10, 1.0 / 3);
	check(strcmp(buf, "3.141593 1e+301 3.333333e-01") == 0, "printf of doubles");
	long double ld = 1.0L;
	for (int i = 0; i < 64; i++)
		ld /= 2;
	check(ld * 18446744073709551616.0L == 1.0L, "x87 long double");
}

static void test_sse2(void)
{
	__m128d a = _mm_set_pd(3.0, 1.5), b = _mm_set_pd(0.5, 2.0);
	double r[2];
	_mm_storeu_pd(r, _mm_add_pd(_mm_mul_pd(a, b), b));
	check(r[0] == 5.0 && r[1] == 2.0, "SSE2 packed doubles");
	__m128i i = _mm_set_epi32(1, 2, 3, 4), j = _mm_set1_epi32(10);
	int32_t o[4];
	_mm_storeu_si128((__m128i *)o, _mm_add_epi32(i, j));
	check(o[0] == 14 && o[1] == 13 && o[2] == 12 && o[3] == 11, "SSE2 packed integers");
}

static void test_memcpy(void)
{
	static unsigned char src[70000], dst[70000];
	static const size_t lens[] = { 0, 1, 3, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65,
				       127, 128, 255, 256, 1000, 4095, 4096, 4097, 65536 };
	int ok = 1;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 31 + 7);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (int so = 0; so < 8; so++)
			for (int d = 0; d < 8; d += 3) {
				memset(dst, 0xee, lens[l] + 32);
				memcpy(dst + d + 8, src + so, lens[l]);
				ok &= memcmp(dst + d + 8, src + so, lens[l]) == 0;
				ok &= dst[d + 7] == 0xee && dst[d + 8 + lens[l]] == 0xee;
			}
	check(ok, "memcpy of many sizes and alignments");
	memmove(src + 1, src, 5000);
	ok = 1;
	for (int i = 1; i <= 5000; i++)
		ok &= src[i] == (unsigned char)((i - 1) * 31 + 7);
	check(ok, "overlapping memmove");
	check(strlen("a string of some length here.") == 29, "strlen");
}

static int cpu_has_avx(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c & bit_AVX) != 0;
}

__attribute__((target("avx"))) static void test_avx_math(void)
{
	double x[4] = { 1, 2, 3, 4 }, y[4] = { 0.5, 0.25, 0.125, 2 }, r[4];
	__m256d a = _mm256_loadu_pd(x), b = _mm256_loadu_pd(y);
	_mm256_storeu_pd(r, _mm256_add_pd(_mm256_mul_pd(a, b), a));
	check(r[0] == 1.5 && r[1] == 2.5 && r[2] == 3.375 && r[3] == 12, "AVX 256-bit doubles");
	float f[8];
	_mm256_storeu_ps(f, _mm256_sqrt_ps(_mm256_set_ps(64, 49, 36, 25, 16, 9, 4, 1)));
	int ok = 1;
	for (int i = 0; i < 8; i++)
		ok &= f[i] == (float)(i + 1);
	check(ok, "AVX 256-bit float sqrt");
}

static volatile int ill_count;

__attribute__((target("avx"))) static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	(void)si;
	ill_count++;
	__asm__ volatile("vzeroall" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			 "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			 "xmm13", "xmm14", "xmm15");
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

__attribute__((target("avx"))) static void test_avx_signal(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, &old);
	double in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };
	__asm__ volatile("vmovupd 0(%1), %%ymm3\n\tvmovupd 32(%1), %%ymm12\n\tud2\n\t"
			 "vmovupd %%ymm3, 0(%0)\n\tvmovupd %%ymm12, 32(%0)\n\tvzeroupper"
			 : : "r"(out), "r"(in) : "xmm3", "xmm12", "memory");
	sigaction(SIGILL, &old, NULL);
	check(ill_count == 1, "SIGILL handler ran");
	check(memcmp(in, out, sizeof(in)) == 0, "ymm3 and ymm12 (upper halves too) survive a signal");
}

int main(void)
{
	test_doubles();
	test_sse2();
	test_memcpy();
	if (cpu_has_avx()) {
		unsigned a, b, c, d;
		__get_cpuid(1, &a, &b, &c, &d);
		check((c & bit_OSXSAVE) != 0, "CPUID has AVX and the kernel enabled XSAVE (OSXSAVE)");
		if (c & bit_OSXSAVE) {
			uint32_t lo, hi;
			__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			check((lo & 6) == 6, "XCR0 enables SSE and AVX state");
			if ((lo & 6) == 6) {
				test_avx_math();
				test_avx_signal();
			}
		}
	} else {
		printf("AVX not offered by this CPU: skipped\n");
	}
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
