// sources: lib/cmdline.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for lib/cmdline.c: the command line comes from the VMM, so
 * any bytes must split without writing outside the buffer, and every word
 * handed back must lie, terminated, inside it. Also fuzzes cmdline_opt and
 * cmdline_parse_u64, cmdline_parse_virtio_mmio and cmdline_next_opt on the
 * words found.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/cmdline.h>
#include <k/errno.h>

static void check_word(const char *buf, size_t size, const char *w)
{
	if (w < buf || w >= buf + size || memchr(w, '\0', size - (size_t)(w - buf)) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct cmdline cl;
	unsigned long long v;
	int ret;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	ret = cmdline_parse(&cl, buf);
	if (ret != 0 && ret != -E2BIG)
		abort();
	if (cl.argc < 0 || cl.argc > CMDLINE_MAX_ARGS || cl.envc < 0 ||
	    cl.envc > CMDLINE_MAX_ENV || cl.optc < 0 || cl.optc > CMDLINE_MAX_OPTS)
		abort();
	if (cl.argv[cl.argc] != NULL || cl.envp[cl.envc] != NULL)
		abort();
	for (int i = 0; i < cl.argc; i++)
		check_word(buf, size + 1, cl.argv[i]);
	for (int i = 0; i < cl.envc; i++) {
		check_word(buf, size + 1, cl.envp[i]);
		if (strchr(cl.envp[i], '=') == NULL)
			abort();
	}
	for (int i = 0; i < cl.optc; i++) {
		const char *val;

		check_word(buf, size + 1, cl.opts[i]);
		/* The option's own key must be found again. */
		char key[64];
		size_t klen = strcspn(cl.opts[i], "=");

		if (klen < sizeof(key)) {
			memcpy(key, cl.opts[i], klen);
			key[klen] = '\0';
			val = cmdline_opt(&cl, key);
			if (val == NULL)
				abort();
			check_word(buf, size + 1, val);
		}
		ret = cmdline_parse_u64(cl.opts[i], &v);
		if (ret != 0 && ret != -EINVAL && ret != -ERANGE)
			abort();
		struct cmdline_mmio m;
		const char *eq = strchr(cl.opts[i], '=');
		ret = cmdline_parse_virtio_mmio(eq ? eq + 1 : cl.opts[i], &m);
		if (ret != 0 && ret != -EINVAL)
			abort();
		if (ret == 0 && (m.size == 0 || m.base + m.size < m.base || m.irq > 255))
			abort();
	}
	/* Iteration visits each option at most once and ends. */
	int pos = 0, seen = 0;
	while (cmdline_next_opt(&cl, "virtio_mmio.device", &pos) != NULL)
		if (++seen > cl.optc)
			abort();
	free(buf);
	return 0;
}
