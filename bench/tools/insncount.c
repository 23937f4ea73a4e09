/* SPDX-License-Identifier: MIT */
/* insncount.so: a QEMU TCG plugin that counts the guest instructions executed
 * (every vCPU, one counter) and prints the count on demand, so make bench can
 * read it before and after a batch of requests in one boot:
 *   qemu-system-x86_64 -accel tcg -icount shift=0,sleep=off \
 *       -plugin build/bench/tools/insncount.so,fifo=PATH ...
 * Each time a writer opens and closes the FIFO PATH (`echo > PATH`), a line
 *   insncount insns=N
 * goes to QEMU's stderr; the same line at QEMU's exit. Unlike the guest TSC under
 * -icount, the count leaves out the virtual time a halted guest skips over.
 * Each translated block adds its instruction count when it runs (an inline
 * add): a block left early by an exception counts whole, which the bench's
 * differences of large batches make negligible. The counter is not atomic:
 * use it with single-threaded TCG (as -icount requires).
 * With profile=PREFIX, each count also writes PREFIX.N (N = 0, 1, ...: one
 * file per count, the exit's included) with one line per guest instruction
 * address executed so far, "ADDR_HEX COUNT": every translated block counts its
 * executions (an inline add) and each of its instructions is charged that
 * count, so a script can map addresses to functions (bench/insnprof.sh).
 * The declarations below are the few entry points of QEMU's plugin API (API
 * version 1, QEMU 7.2), written from its documentation: Debian ships no
 * qemu-plugin.h. */
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn;
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t insns; /* written by the vCPU thread, read by the FIFO thread */
static char fifo_path[512];
static char prof_prefix[480];
static unsigned prof_seq;

/* One per translated block (profile mode): its executions and the address of
 * each of its instructions. Appended by the vCPU thread, walked by the FIFO
 * thread and at exit; never freed (a retranslated block gets a new one). */
struct tb_rec {
	uint64_t execs;
	struct tb_rec *next;
	size_t n;
	uint64_t pc[];
};
static struct tb_rec *tb_head;
static pthread_mutex_t tb_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_profile(void)
{
	char path[512];
	struct tb_rec *r;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%u", prof_prefix, prof_seq++);
	f = fopen(path, "w");
	if (!f)
		return;
	pthread_mutex_lock(&tb_lock);
	r = tb_head;
	pthread_mutex_unlock(&tb_lock);
	for (; r; r = r->next) {
		uint64_t c = __atomic_load_n(&r->execs, __ATOMIC_RELAXED);
		for (size_t i = 0; c && i < r->n; i++)
			fprintf(f, "%llx %llu\n", (unsigned long long)r->pc[i], (unsigned long long)c);
	}
	fclose(f);
}

static void print_count(void)
{
	if (prof_prefix[0])
		write_profile();
	char line[64];
	int n = snprintf(line, sizeof(line), "insncount insns=%llu\n",
			 (unsigned long long)__atomic_load_n(&insns, __ATOMIC_RELAXED));
	if (write(2, line, (size_t)n) < 0)
		return;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct tb_rec *r;

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns, n);
	if (!prof_prefix[0])
		return;
	r = calloc(1, sizeof(*r) + n * sizeof(r->pc[0]));
	if (!r)
		return;
	r->n = n;
	for (size_t i = 0; i < n; i++)
		r->pc[i] = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &r->execs, 1);
	pthread_mutex_lock(&tb_lock);
	r->next = tb_head;
	tb_head = r;
	pthread_mutex_unlock(&tb_lock);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	(void)id;
	(void)p;
	print_count();
}

/* One line per writer: open blocks until someone opens the FIFO to write,
 * read returns 0 when they close it. */
static void *fifo_main(void *arg)
{
	char b[64];
	(void)arg;
	for (;;) {
		int fd = open(fifo_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return NULL;
		while (read(fd, b, sizeof(b)) > 0)
			;
		close(fd);
		print_count();
	}
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "fifo=", 5) && strlen(argv[i] + 5) < sizeof(fifo_path)) {
			strcpy(fifo_path, argv[i] + 5);
		} else if (!strncmp(argv[i], "profile=", 8) && strlen(argv[i] + 8) < sizeof(prof_prefix)) {
			strcpy(prof_prefix, argv[i] + 8);
		} else {
			fprintf(stderr, "insncount: unknown argument %s (fifo=PATH, profile=PREFIX)\n", argv[i]);
			return -1;
		}
	}
	if (fifo_path[0]) {
		pthread_t t;
		if (pthread_create(&t, NULL, fifo_main, NULL))
			return -1;
		pthread_detach(t);
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
