// sources: lib/bootargs.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for lib/bootargs.c: the arguments file comes from the host
 * through fw_cfg, so any bytes must be accepted or refused without reading
 * outside them (the input is an exact heap copy: ASan sees any overread), and
 * an accepted file must give back exactly its counts of strings, each inside
 * the buffer and NUL-terminated, ending where the file ends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/bootargs.h>
#include <k/errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct bootargs ba;
	const char *why = NULL;
	int ret;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	ret = bootargs_parse(buf, size, &ba, &why);
	if (ret != 0) {
		if ((ret != -EINVAL && ret != -E2BIG) || why == NULL || why[0] == '\0')
			abort();
		free(buf);
		return 0;
	}
	if ((size_t)ba.argc + ba.envc > BOOTARGS_MAX_STRINGS || ba.end != buf + size)
		abort();
	const char **vec = malloc(((size_t)ba.argc + ba.envc + 1) * sizeof(*vec));
	if (vec == NULL) {
		free(buf);
		return 0;
	}
	bootargs_split(&ba, vec);
	const char *next = ba.strings;
	for (unsigned i = 0; i < ba.argc + ba.envc; i++) {
		if (vec[i] != next || vec[i] < buf || vec[i] >= buf + size)
			abort();
		const char *nul = memchr(vec[i], '\0', (size_t)(buf + size - vec[i]));
		if (nul == NULL)
			abort();
		next = nul + 1;
	}
	if (next != buf + size)
		abort();
	free(vec);
	free(buf);
	return 0;
}
