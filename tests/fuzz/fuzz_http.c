// sources: examples/httpd/http.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for examples/httpd/http.c, the HTTP request parser of
 * httpd and kv. The first byte seeds how the rest is cut into pieces: parsed
 * piece by piece the request must give exactly what it gives whole; results
 * must lie inside the bytes given, errors be one of the documented statuses,
 * and successive (pipelined) requests parse without reading past the end.
 * The target of each request also goes through http_path_decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../examples/httpd/http.h"

static void check_done(const struct http_request *r, const char *buf, size_t len, int ret)
{
	if (ret <= 0 || (size_t)ret > len || ret > HTTP_MAX_HEAD || r->base != buf)
		abort();
	if (r->method_str < buf || r->method_str + r->method_len > buf + ret || r->method_len == 0 ||
	    r->method_len > HTTP_MAX_METHOD)
		abort();
	if (r->target < buf || r->target + r->target_len > buf + ret || r->target_len == 0)
		abort();
	for (size_t i = 0; i < r->target_len; i++)
		if ((unsigned char)r->target[i] <= ' ' || (unsigned char)r->target[i] >= 0x7f)
			abort();
	if (r->version_minor != 0 && r->version_minor != 1)
		abort();
	if (r->content_length < -1 || r->content_length > HTTP_MAX_CONTENT_LENGTH)
		abort();
	if (r->nfields > HTTP_MAX_FIELDS)
		abort();
	for (unsigned i = 0; i < r->nfields; i++) {
		const struct http_field *f = &r->fields[i];
		if (f->name_len == 0 || f->name + f->name_len > ret || f->value + f->value_len > ret)
			abort();
		if (f->value_len && (buf[f->value] == ' ' || buf[f->value + f->value_len - 1] == ' '))
			abort();
	}
}

static void check_path(const struct http_request *r)
{
	static const size_t sizes[] = { 1, 2, 16, 4096 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char *out = malloc(sizes[k]);
		int n = http_path_decode(r->target, r->target_len, out, sizes[k]);
		if (n != -400 && n != -414 && n < 0)
			abort();
		if (n >= 0) {
			if ((size_t)n >= sizes[k] || out[n] != 0 || out[0] != '/' || strlen(out) != (size_t)n)
				abort();
			for (int i = 0; i < n; i++)
				if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
					abort();
			if (strstr(out, "/../") || strstr(out, "/./"))
				abort();
		}
		free(out);
	}
}

static bool same(const struct http_request *a, const struct http_request *b)
{
	return a->method == b->method && a->method_len == b->method_len &&
	       a->target_len == b->target_len && a->version_minor == b->version_minor &&
	       a->keep_alive == b->keep_alive && a->expect_continue == b->expect_continue &&
	       a->content_length == b->content_length && a->nfields == b->nfields &&
	       !memcmp(a->fields, b->fields, a->nfields * sizeof(a->fields[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint32_t seed = data[0] * 2654435761u + 1;
	size--;
	data++;
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);

	size_t off = 0;
	for (int n = 0; n < 64 && off < size; n++) {
		struct http_request whole, piece;
		const char *b = buf + off;
		size_t len = size - off;
		http_request_init(&whole);
		int ret = http_parse(&whole, b, len);

		http_request_init(&piece);
		int pret = 0;
		for (size_t got = 0; pret == 0 && got < len;) {
			seed = seed * 1103515245u + 12345u;
			got += 1 + (seed >> 16) % 64;
			pret = http_parse(&piece, b, got < len ? got : len);
		}
		if (pret != ret || http_parse(&piece, b, len) != ret)
			abort();
		if (ret < 0) {
			if (ret != -400 && ret != -414 && ret != -431 && ret != -501 && ret != -505)
				abort();
			break;
		}
		if (ret == 0)
			break;
		check_done(&whole, b, len, ret);
		if (!same(&whole, &piece))
			abort();
		check_path(&whole);
		size_t hl;
		const char *h = http_field_get(&whole, "host", &hl);
		if (h && (h < b || h + hl > b + ret))
			abort();
		/* The next pipelined request starts after this one's body. */
		if (whole.content_length > (int64_t)(len - (size_t)ret))
			break;
		off += (size_t)ret + (size_t)(whole.content_length > 0 ? whole.content_length : 0);
	}
	free(buf);
	return 0;
}
