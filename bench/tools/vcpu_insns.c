/* SPDX-License-Identifier: MIT */
/*
 * A QEMU TCG plugin that counts the guest instructions each vCPU executes and
 * rewrites "vcpuN COUNT" lines into a file every 20 ms of host time (plugin
 * argument file=PATH), so a script reads the counts before and after a fixed
 * amount of work (bench/net-insns.sh). Debian's QEMU loads plugins but ships
 * no header for them: the few declarations of QEMU's plugin API (version 1,
 * QEMU 7.2) used here are written out below. Counted per translated block
 * entered: a block left early by an exception counts whole (rare in kernel
 * and server code, the same for every run).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
					  enum qemu_plugin_cb_flags flags, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_VCPUS 64
static uint64_t counts[MAX_VCPUS];
static char path[512];

static void tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		__atomic_add_fetch(&counts[vcpu], (uint64_t)(uintptr_t)udata, __ATOMIC_RELAXED);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(uintptr_t)qemu_plugin_tb_n_insns(tb));
}

/* Written to PATH.tmp and renamed: a reader never sees half a file. */
static void *writer(void *arg)
{
	char tmp[600];
	(void)arg;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	for (;;) {
		FILE *f = fopen(tmp, "w");
		if (f) {
			for (int i = 0; i < MAX_VCPUS; i++) {
				uint64_t c = __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
				if (c)
					fprintf(f, "vcpu%d %llu\n", i, (unsigned long long)c);
			}
			fclose(f);
			rename(tmp, path);
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const qemu_info_t *info, int argc,
							       char **argv)
{
	pthread_t t;
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(path, sizeof(path), "%s", argv[i] + 4);
	if (!path[0]) {
		fprintf(stderr, "vcpu_insns: needs out=PATH\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return pthread_create(&t, NULL, writer, NULL) ? -1 : 0;
}
