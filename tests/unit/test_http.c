/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for examples/httpd/http.c, the HTTP request parser of httpd and
 * kv: requests in every split, pipelined requests, each malformed form and
 * the status it gets, the limits at and one past their edge, path decoding.
 */
#include "http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int parse_all(struct http_request *r, const char *s)
{
	http_request_init(r);
	return http_parse(r, s, strlen(s));
}

static int status_of(const char *s)
{
	struct http_request r;
	return parse_all(&r, s);
}

static void test_simple_get(void **state)
{
	const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: toro\r\nUser-Agent: t\r\n\r\n";
	struct http_request r;
	assert_int_equal(parse_all(&r, s), (int)strlen(s));
	assert_int_equal(r.method, HTTP_GET);
	assert_int_equal(r.method_len, 3);
	assert_memory_equal(r.method_str, "GET", 3);
	assert_int_equal(r.target_len, strlen("/index.html?x=1"));
	assert_memory_equal(r.target, "/index.html?x=1", r.target_len);
	assert_int_equal(r.version_minor, 1);
	assert_true(r.keep_alive);
	assert_false(r.expect_continue);
	assert_int_equal(r.content_length, -1);
	assert_int_equal(r.nfields, 2);
	size_t n;
	const char *v = http_field_get(&r, "user-agent", &n);
	assert_non_null(v);
	assert_int_equal(n, 1);
	assert_memory_equal(v, "t", 1);
	v = http_field_get(&r, "HOST", &n);
	assert_non_null(v);
	assert_memory_equal(v, "toro", n);
	assert_null(http_field_get(&r, "cookie", &n));
	/* Done is sticky: the same answer again, also with more bytes. */
	assert_int_equal(http_parse(&r, s, strlen(s)), (int)strlen(s));
}

/* Every way of cutting the request in two, and one byte at a time, gives the
 * same result as the whole. */
static void test_pieces(void **state)
{
	const char *s = "\r\nPUT /k/a%20b HTTP/1.1\r\nHost: h\r\nContent-Length:  12 \r\n"
			"Connection: keep-alive, Upgrade\n"
			"Expect: 100-continue\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\nhello world!";
	size_t n = strlen(s), head = n - 12;
	for (size_t cut = 0; cut <= n; cut++) {
		struct http_request r;
		http_request_init(&r);
		int first = http_parse(&r, s, cut);
		assert_int_equal(first, cut >= head ? (int)head : 0);
		assert_int_equal(http_parse(&r, s, n), (int)head);
		assert_int_equal(r.method, HTTP_PUT);
		assert_memory_equal(r.target, "/k/a%20b", r.target_len);
		assert_int_equal(r.content_length, 12);
		assert_true(r.expect_continue);
		assert_true(r.keep_alive);
		assert_int_equal(r.nfields, 6);
		size_t vl;
		assert_non_null(http_field_get(&r, "x-empty", &vl));
		assert_int_equal(vl, 0);
		const char *v = http_field_get(&r, "x-tab", &vl);
		assert_int_equal(vl, 1);
		assert_int_equal(v[0], 'v');
	}
	struct http_request r;
	http_request_init(&r);
	for (size_t i = 0; i < head - 1; i++)
		assert_int_equal(http_parse(&r, s, i + 1), 0);
	assert_int_equal(http_parse(&r, s, head), (int)head);
}

/* A parse that fails fails the same way however the bytes arrive. */
static void test_pieces_error(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n";
	size_t n = strlen(s);
	for (size_t step = 1; step <= n; step++) {
		struct http_request r;
		int ret = 0;
		http_request_init(&r);
		for (size_t len = step; ret == 0; len += step)
			ret = http_parse(&r, s, len > n ? n : len);
		assert_int_equal(ret, -400);
		assert_int_equal(http_parse(&r, s, n), -400); /* sticky */
	}
}

static void test_pipelined(void **state)
{
	const char *s = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
			"HEAD /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
			"DELETE /c HTTP/1.0\r\n\r\nGET /d HT";
	size_t n = strlen(s), off = 0;
	const char *targets[] = { "/a", "/b", "/c" };
	enum http_method methods[] = { HTTP_GET, HTTP_HEAD, HTTP_DELETE };
	bool keep[] = { true, false, false };
	for (int i = 0; i < 3; i++) {
		struct http_request r;
		http_request_init(&r);
		int ret = http_parse(&r, s + off, n - off);
		assert_true(ret > 0);
		assert_int_equal(r.method, methods[i]);
		assert_int_equal(r.target_len, strlen(targets[i]));
		assert_memory_equal(r.target, targets[i], r.target_len);
		assert_int_equal(r.keep_alive, keep[i]);
		off += (size_t)ret;
	}
	struct http_request r;
	http_request_init(&r);
	assert_int_equal(http_parse(&r, s + off, n - off), 0); /* the fourth is not whole */
}

static void test_versions(void **state)
{
	struct http_request r;
	assert_true(parse_all(&r, "GET / HTTP/1.0\r\n\r\n") > 0); /* 1.0: Host optional */
	assert_int_equal(r.version_minor, 0);
	assert_false(r.keep_alive);
	assert_true(parse_all(&r, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") > 0);
	assert_true(r.keep_alive);
	assert_true(parse_all(&r, "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n") > 0);
	assert_false(r.keep_alive);
	assert_true(parse_all(&r, "GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n") > 0);
	assert_false(r.keep_alive);
	assert_true(parse_all(&r, "GET / HTTP/1.9\r\nHost: a\r\n\r\n") > 0); /* 1.x is 1.1 */
	assert_int_equal(r.version_minor, 1);
	assert_true(parse_all(&r, "GET / HTTP/1.1\nHost: a\n\n") > 0); /* bare LF */
	assert_int_equal(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), -505);
	assert_int_equal(status_of("GET / HTTP/0.9\r\n\r\n"), -505);
}

static void test_methods(void **state)
{
	static const struct { const char *m; enum http_method e; } t[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT }, { "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
		{ "PATCH", HTTP_PATCH }, { "TRACE", HTTP_TRACE }, { "CONNECT", HTTP_CONNECT },
		{ "get", HTTP_OTHER }, { "GETX", HTTP_OTHER }, { "GE", HTTP_OTHER },
		{ "BREW", HTTP_OTHER }, { "ABCDEFGHIJKLMNOP", HTTP_OTHER },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[128];
		struct http_request r;
		snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\nHost: a\r\n\r\n", t[i].m);
		assert_true(parse_all(&r, buf) > 0);
		assert_int_equal(r.method, t[i].e);
	}
	/* 17 characters: too long for any method we could implement. */
	assert_int_equal(status_of("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: a\r\n\r\n"), -501);
}

/* Each malformed form and its status. */
static void test_malformed(void **state)
{
	static const struct { const char *req; int status; } t[] = {
		{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400 },
		{ "GET /\r\n\r\n", -400 },
		{ "GET\r\n\r\n", -400 },
		{ "GET / \r\n\r\n", -400 },
		{ "GET / http/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/11\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.10\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.x\r\nHost: a\r\n\r\n", -400 },
		{ "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\rHost: a\r\n\r\n", -400 },
		{ "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\rx", -400 },
		{ "GET / HTTP/1.1\r\n\r\n", -400 },                       /* no Host in 1.1 */
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 }, /* two */
		{ "GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nNo Colon: x\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", -400 }, /* obs-fold */
		{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\tX: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX(: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 140737488355328\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", -501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: gzip\r\n\r\n", -501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", -501 },
		{ "GET / HTTP/3.0\r\nHost: a\r\n\r\n", -505 },
		{ "\x00GET / HTTP/1.1\r\n\r\n", -400 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct http_request r;
		size_t n = strlen(t[i].req);
		http_request_init(&r);
		if (n == 0) /* the leading NUL */
			n = 20;
		int got = http_parse(&r, t[i].req, n);
		if (got != t[i].status)
			fail_msg("case %zu: %d, expected %d: %s", i, got, t[i].status, t[i].req);
	}
}

static void test_content_length(void **state)
{
	struct http_request r;
	assert_true(parse_all(&r, "PUT /k HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n") > 0);
	assert_int_equal(r.content_length, 0);
	assert_true(parse_all(&r, "PUT /k HTTP/1.1\r\nHost: a\r\ncontent-length: 007\r\n"
				  "Content-Length: 7\r\n\r\n") > 0);
	assert_int_equal(r.content_length, 7);
	assert_true(parse_all(&r, "PUT /k HTTP/1.1\r\nHost: a\r\nContent-Length: 140737488355327\r\n\r\n") > 0);
	assert_int_equal(r.content_length, HTTP_MAX_CONTENT_LENGTH);
}

/* Builds "GET /xxx HTTP/1.1\r\n" with a request line of exactly `line` bytes. */
static char *line_of(size_t line, const char *rest)
{
	size_t fixed = strlen("GET / HTTP/1.1\r\n"), n = line + strlen(rest);
	char *s = malloc(n + 1);
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', line - fixed);
	strcpy(s + 5 + line - fixed, " HTTP/1.1\r\n");
	strcat(s, rest);
	return s;
}

static void test_line_limit(void **state)
{
	char *s = line_of(HTTP_MAX_LINE, "Host: a\r\n\r\n");
	assert_int_equal(status_of(s), (int)strlen(s));
	free(s);
	s = line_of(HTTP_MAX_LINE + 1, "Host: a\r\n\r\n");
	assert_int_equal(status_of(s), -414);
	/* 414 as soon as the line passes the limit, without its end. */
	struct http_request r;
	http_request_init(&r);
	assert_int_equal(http_parse(&r, s, HTTP_MAX_LINE), 0);
	assert_int_equal(http_parse(&r, s, HTTP_MAX_LINE + 1), -414);
	free(s);
	/* Empty lines before the request line count. */
	s = malloc(HTTP_MAX_LINE + 64);
	memset(s, '\n', HTTP_MAX_LINE);
	strcpy(s + HTTP_MAX_LINE, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(status_of(s), -414);
	free(s);
}

/* A head of exactly `head` bytes: request line, Host, then one filler field. */
static char *head_of(size_t head)
{
	const char *start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t fixed = strlen(start) + 4;
	char *s = malloc(head + 1);
	strcpy(s, start);
	memset(s + strlen(start), 'v', head - fixed);
	strcpy(s + head - 4, "\r\n\r\n");
	return s;
}

static void test_head_limit(void **state)
{
	char *s = head_of(HTTP_MAX_HEAD);
	assert_int_equal(strlen(s), HTTP_MAX_HEAD);
	assert_int_equal(status_of(s), HTTP_MAX_HEAD);
	free(s);
	s = head_of(HTTP_MAX_HEAD + 1);
	assert_int_equal(status_of(s), -431);
	free(s);
	/* Bytes past the head's end are not the parser's. */
	s = malloc(HTTP_MAX_HEAD + 100);
	char *h = head_of(HTTP_MAX_HEAD);
	memcpy(s, h, HTTP_MAX_HEAD);
	memset(s + HTTP_MAX_HEAD, 'b', 100);
	struct http_request r;
	http_request_init(&r);
	assert_int_equal(http_parse(&r, s, HTTP_MAX_HEAD + 100), HTTP_MAX_HEAD);
	free(h);
	free(s);
}

static void test_field_limit(void **state)
{
	char buf[HTTP_MAX_HEAD];
	for (int extra = 0; extra <= 1; extra++) {
		int n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
		for (int i = 1; i < HTTP_MAX_FIELDS + extra; i++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "X-%d: %d\r\n", i, i);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
		struct http_request r;
		int ret = parse_all(&r, buf);
		if (extra) {
			assert_int_equal(ret, -431);
		} else {
			assert_int_equal(ret, n);
			assert_int_equal(r.nfields, HTTP_MAX_FIELDS);
		}
	}
}

static void test_empty_lines_first(void **state)
{
	struct http_request r;
	const char *s = "\r\n\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n";
	assert_int_equal(parse_all(&r, s), (int)strlen(s));
	assert_memory_equal(r.target, "/x", 2);
	assert_memory_equal(r.method_str, "GET", 3);
	assert_int_equal(status_of("\r\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

static void test_obs_text(void **state)
{
	struct http_request r;
	assert_true(parse_all(&r, "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9 \"q\"\r\n\r\n") > 0);
	size_t n;
	const char *v = http_field_get(&r, "x", &n);
	assert_int_equal(n, 9);
	assert_memory_equal(v, "caf\xc3\xa9 \"q\"", 9);
}

static void test_path_decode(void **state)
{
	static const struct { const char *in; int ret; const char *out; } t[] = {
		{ "/", 1, "/" },
		{ "/index.html", 11, "/index.html" },
		{ "/a%20b?x=1", 4, "/a b" },
		{ "/a%2Fb", 4, "/a/b" },
		{ "/a%2fb#frag", 4, "/a/b" },
		{ "//x", 3, "//x" },
		{ "/...", 4, "/..." },
		{ "/.a/b.", 6, "/.a/b." },
		{ "/caf%C3%A9", 6, "/caf\xc3\xa9" },
		{ "http://host/p/q?z", 4, "/p/q" },
		{ "HTTP://host:80/p", 2, "/p" },
		{ "https://host/", 1, "/" },
		{ "http://host", 1, "/" },
		{ "http://host?x", 1, "/" },
		{ "/..", -400, NULL },
		{ "/../etc", -400, NULL },
		{ "/a/..", -400, NULL },
		{ "/a/../b", -400, NULL },
		{ "/a/./b", -400, NULL },
		{ "/.", -400, NULL },
		{ "/%2e%2e/x", -400, NULL },
		{ "/%2E./x", -400, NULL },
		{ "/a%2f..%2fb", -400, NULL },
		{ "/%00", -400, NULL },
		{ "/%0a", -400, NULL },
		{ "/%7f", -400, NULL },
		{ "/%zz", -400, NULL },
		{ "/%4", -400, NULL },
		{ "/%", -400, NULL },
		{ "x", -400, NULL },
		{ "*", -400, NULL },
		{ "", -400, NULL },
		{ "host:443", -400, NULL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[64];
		int ret = http_path_decode(t[i].in, strlen(t[i].in), out, sizeof(out));
		if (ret != t[i].ret)
			fail_msg("case %zu (%s): %d, expected %d", i, t[i].in, ret, t[i].ret);
		if (ret > 0)
			assert_string_equal(out, t[i].out);
	}
	char small[4];
	assert_int_equal(http_path_decode("/abc", 4, small, sizeof(small)), -414);
	assert_int_equal(http_path_decode("/ab", 3, small, sizeof(small)), 3);
	assert_int_equal(http_path_decode("/ab", 3, small, 0), -414);
	assert_int_equal(http_path_decode("http://h", 8, small, 1), -414);
	/* An escape cut at the end of the given length is not read past it. */
	assert_int_equal(http_path_decode("/a%41", 4, small, sizeof(small)), -400);
}

static void test_reason(void **state)
{
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_reason(599), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_pieces_error),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_empty_lines_first),
		cmocka_unit_test(test_obs_text),
		cmocka_unit_test(test_path_decode),
		cmocka_unit_test(test_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
