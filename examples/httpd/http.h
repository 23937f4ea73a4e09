/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x request parser for untrusted bytes (RFC 9112 section 2-3, 5-6;
 * RFC 9110 for field semantics). Incremental, bounded, no allocation: the
 * caller keeps the request's bytes in one buffer and calls http_parse again
 * each time more arrive; the parser resumes where it stopped. Shared by
 * examples/httpd and examples/kv; host-tested (tests/unit/test_http.c) and
 * fuzzed (tests/fuzz/fuzz_http.c).
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits. A request line longer than HTTP_MAX_LINE (empty lines before it
 * count) is 414; a head (request line and fields) longer than HTTP_MAX_HEAD,
 * or with more than HTTP_MAX_FIELDS fields, is 431; a method longer than
 * HTTP_MAX_METHOD is 501. Content-Length above HTTP_MAX_CONTENT_LENGTH is 400
 * (a server sets its own, smaller limit and answers 413). */
#define HTTP_MAX_LINE 4096
#define HTTP_MAX_HEAD 8192
#define HTTP_MAX_FIELDS 48
#define HTTP_MAX_METHOD 16
#define HTTP_MAX_CONTENT_LENGTH 0x7fffffffffffll /* 128 TiB */

enum http_method {
	HTTP_OTHER, /* a well-formed method this list does not know (501) */
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_PATCH,
	HTTP_TRACE,
	HTTP_CONNECT,
};

/* One header field: offsets into the request's buffer (a head is at most
 * HTTP_MAX_HEAD bytes). The value has no leading or trailing white space. */
struct http_field {
	uint16_t name, name_len, value, value_len;
};

struct http_request {
	/* Results, valid once http_parse has returned > 0. Pointers point into
	 * the buffer given to that call. */
	enum http_method method;
	const char *method_str, *target;
	size_t method_len, target_len;
	int version_minor;        /* HTTP/1.0 -> 0, HTTP/1.1 and 1.x -> 1 */
	bool keep_alive;          /* version default, then Connection: close/keep-alive */
	bool expect_continue;     /* Expect: 100-continue */
	int64_t content_length;   /* -1 when there is no Content-Length */
	const char *base;         /* the buffer of the call that completed the head */
	unsigned nfields;
	struct http_field fields[HTTP_MAX_FIELDS];

	/* Parser state: private. */
	uint16_t pos, state, mark, name_end, value_start, value_end, line_end;
	uint16_t method_start, method_end, target_start, target_end, version_start;
	uint8_t host_count, conn_close, conn_keep;
};

/* Start (or restart, for the next request on a connection) a request. */
void http_request_init(struct http_request *r);

/*
 * Parse the request whose bytes so far are buf[0..len): the same bytes as on
 * the previous call, maybe more. Returns the head's length (request line and
 * fields, through the empty line) once it is complete: the body, if any,
 * follows (content_length bytes); 0 when more bytes are needed; or -STATUS
 * for a request that must be refused: -400 (malformed), -414, -431, -501 (an
 * unknown method that is too long, or any Transfer-Encoding: bodies must have
 * a Content-Length), -505 (an HTTP major version other than 1). After an
 * error or completion, further calls return the same value.
 */
int http_parse(struct http_request *r, const char *buf, size_t len);

/* The value of the first field called `name` (case-insensitive), with its
 * length in *len; NULL when there is none. Only after completion. */
const char *http_field_get(const struct http_request *r, const char *name, size_t *len);

/*
 * The path of a request target, percent-decoded, into out[0..outsz) with a
 * terminating NUL: origin-form ("/a/b?q") or absolute-form
 * ("http://host/a/b"); the query is dropped. Returns the path's length, or
 * -400 for a target that is not a path, a bad or NUL %-escape, a "." or ".."
 * segment, a control character after decoding, or -414 when it does not fit.
 */
int http_path_decode(const char *target, size_t len, char *out, size_t outsz);

/* The reason phrase of a status code ("Not Found"), "Unknown" for others. */
const char *http_reason(int status);

#endif
