/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x request parser (see http.h): a byte-at-a-time state machine over
 * the request line (RFC 9112 section 3) and header fields (section 5) that
 * remembers where it stopped. Lines end in CRLF or a bare LF (9112 section
 * 2.2 allows a recipient to accept LF alone); a bare CR, obsolete line
 * folding, white space before a field's colon and control characters are 400.
 */
#include "http.h"

enum {
	S_START,    /* empty lines before the request line */
	S_START_LF, /* CR of such an empty line */
	S_METHOD,
	S_TARGET,
	S_VERSION,
	S_LINE_LF,  /* CR at the end of the request line */
	S_FIELD,    /* start of a field line, or of the empty line ending the head */
	S_NAME,
	S_OWS,      /* white space after the colon */
	S_VALUE,
	S_FIELD_LF, /* CR at the end of a field line */
	S_END_LF,   /* CR of the empty line */
	S_DONE,
	S_ERROR,
};

static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '.': case '^': case '_': case '`': case '|': case '~':
		return true;
	}
	return false;
}

/* field-vchar, SP, HTAB and obs-text (RFC 9110 section 5.5). */
static bool is_value_char(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t i;
	for (i = 0; i < alen && b[i]; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return i == alen && b[i] == 0;
}

void http_request_init(struct http_request *r)
{
	*r = (struct http_request){ .content_length = -1, .state = S_START };
}

static int fail(struct http_request *r, int status)
{
	r->state = S_ERROR;
	r->mark = (uint16_t)status;
	return -status;
}

static enum http_method method_of(const char *m, size_t n)
{
	static const struct { const char *s; enum http_method m; } known[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT }, { "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
		{ "PATCH", HTTP_PATCH }, { "TRACE", HTTP_TRACE }, { "CONNECT", HTTP_CONNECT },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t j = 0;
		while (j < n && known[i].s[j] == m[j]) /* methods are case-sensitive */
			j++;
		if (j == n && known[i].s[j] == 0)
			return known[i].m;
	}
	return HTTP_OTHER;
}

/* The request line is whole: method [method_start, method_end), target [target_start,
 * target_end), version [version_start, line_end). */
static int line_done(struct http_request *r, const char *buf)
{
	const char *v = buf + r->version_start;
	if (r->line_end - r->version_start != 8 || v[0] != 'H' || v[1] != 'T' || v[2] != 'T' ||
	    v[3] != 'P' || v[4] != '/' || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9')
		return -400;
	if (v[5] != '1')
		return -505;
	r->version_minor = v[7] == '0' ? 0 : 1;
	return 0;
}

static int parse_length(const char *v, size_t n, int64_t *out)
{
	int64_t x = 0;
	if (n == 0)
		return -400;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -400;
		x = x * 10 + (v[i] - '0');
		if (x > HTTP_MAX_CONTENT_LENGTH)
			return -400;
	}
	*out = x;
	return 0;
}

/* Connection: a comma-separated list of tokens. */
static void connection_tokens(struct http_request *r, const char *v, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (ieq(v + s, i - s, "close"))
			r->conn_close = 1;
		else if (ieq(v + s, i - s, "keep-alive"))
			r->conn_keep = 1;
	}
}

/* A field line is whole: name [mark, name_end), value [value_start, value_end). */
static int field_done(struct http_request *r, const char *buf)
{
	const char *name = buf + r->mark, *value = buf + r->value_start;
	size_t nlen = r->name_end - r->mark, vlen = r->value_end - r->value_start;

	if (r->nfields == HTTP_MAX_FIELDS)
		return -431;
	r->fields[r->nfields++] = (struct http_field){ r->mark, (uint16_t)nlen, r->value_start,
						       (uint16_t)vlen };
	if (ieq(name, nlen, "host")) {
		if (++r->host_count > 1)
			return -400;
	} else if (ieq(name, nlen, "content-length")) {
		int64_t cl;
		if (parse_length(value, vlen, &cl))
			return -400;
		if (r->content_length >= 0 && r->content_length != cl)
			return -400;
		r->content_length = cl;
	} else if (ieq(name, nlen, "transfer-encoding")) {
		return -501;
	} else if (ieq(name, nlen, "connection")) {
		connection_tokens(r, value, vlen);
	} else if (ieq(name, nlen, "expect")) {
		r->expect_continue = ieq(value, vlen, "100-continue");
	}
	return 0;
}

static int head_done(struct http_request *r, const char *buf)
{
	if (r->version_minor == 1 && r->host_count != 1)
		return -400; /* RFC 9112 section 3.2: Host is required in 1.1 */
	r->method_str = buf + r->method_start;
	r->method_len = r->method_end - r->method_start;
	r->method = method_of(r->method_str, r->method_len);
	r->target = buf + r->target_start;
	r->target_len = r->target_end - r->target_start;
	r->keep_alive = !r->conn_close && (r->version_minor == 1 || r->conn_keep);
	r->base = buf;
	return 0;
}

/* One byte at r->pos in a request-line state. Returns 0, or -STATUS. */
static int step_line(struct http_request *r, const char *buf, unsigned char c)
{
	uint16_t p = r->pos;
	switch (r->state) {
	case S_START:
		if (c == '\r')
			r->state = S_START_LF;
		else if (c != '\n') {
			if (!is_tchar(c))
				return -400;
			r->method_start = p;
			r->state = S_METHOD;
		}
		return 0;
	case S_START_LF:
		if (c != '\n')
			return -400;
		r->state = S_START;
		return 0;
	case S_METHOD:
		if (c == ' ') {
			r->method_end = p;
			r->target_start = p + 1;
			r->state = S_TARGET;
		} else if (!is_tchar(c)) {
			return -400;
		} else if (p - r->method_start >= HTTP_MAX_METHOD) {
			return -501;
		}
		return 0;
	case S_TARGET:
		if (c == ' ' && p > r->target_start) {
			r->target_end = p;
			r->version_start = p + 1;
			r->state = S_VERSION;
		} else if (c <= ' ' || c >= 0x7f) {
			return -400;
		}
		return 0;
	case S_VERSION:
		if (c == '\r' || c == '\n') {
			r->line_end = p;
			r->state = c == '\r' ? S_LINE_LF : S_FIELD;
			return c == '\n' ? line_done(r, buf) : 0;
		}
		return c > ' ' && c < 0x7f ? 0 : -400;
	case S_LINE_LF:
		if (c != '\n')
			return -400;
		r->state = S_FIELD;
		return line_done(r, buf);
	}
	return -400;
}

/* One byte at r->pos in a header state. Returns 0, 1 when the head is
 * complete, or -STATUS. */
static int step_field(struct http_request *r, const char *buf, unsigned char c)
{
	uint16_t p = r->pos;
	switch (r->state) {
	case S_FIELD:
		if (c == '\r') {
			r->state = S_END_LF;
			return 0;
		}
		if (c == '\n')
			return 1;
		if (!is_tchar(c))
			return -400; /* obs-fold, white space, a colon with no name */
		r->mark = p;
		r->state = S_NAME;
		return 0;
	case S_NAME:
		if (c == ':') {
			r->name_end = p;
			r->state = S_OWS;
			return 0;
		}
		return is_tchar(c) ? 0 : -400;
	case S_OWS:
		if (c == ' ' || c == '\t')
			return 0;
		r->value_start = r->value_end = p;
		r->state = S_VALUE;
		return step_field(r, buf, c); /* the value's first byte, or its end */
	case S_VALUE:
		if (c == '\r' || c == '\n') {
			r->state = c == '\r' ? S_FIELD_LF : S_FIELD;
			return c == '\n' ? field_done(r, buf) : 0;
		}
		if (!is_value_char(c))
			return -400;
		if (c != ' ' && c != '\t')
			r->value_end = p + 1;
		return 0;
	case S_FIELD_LF:
		if (c != '\n')
			return -400;
		r->state = S_FIELD;
		return field_done(r, buf);
	case S_END_LF:
		return c == '\n' ? 1 : -400;
	}
	return -400;
}

int http_parse(struct http_request *r, const char *buf, size_t len)
{
	if (r->state == S_DONE)
		return r->pos;
	if (r->state == S_ERROR)
		return -(int)r->mark;
	while (r->pos < len) {
		int in_line = r->state < S_FIELD, ret;
		if (in_line && r->pos >= HTTP_MAX_LINE)
			return fail(r, 414);
		if (r->pos >= HTTP_MAX_HEAD)
			return fail(r, 431);
		unsigned char c = (unsigned char)buf[r->pos];
		ret = in_line ? step_line(r, buf, c) : step_field(r, buf, c);
		if (ret < 0)
			return fail(r, -ret);
		r->pos++;
		if (ret == 1) {
			ret = head_done(r, buf);
			if (ret < 0)
				return fail(r, -ret);
			r->state = S_DONE;
			return r->pos;
		}
	}
	return 0;
}

const char *http_field_get(const struct http_request *r, const char *name, size_t *len)
{
	if (r->state != S_DONE)
		return NULL;
	for (unsigned i = 0; i < r->nfields; i++) {
		const struct http_field *f = &r->fields[i];
		if (ieq(r->base + f->name, f->name_len, name)) {
			*len = f->value_len;
			return r->base + f->value;
		}
	}
	return NULL;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "." and ".." segments of a decoded path (it starts with '/'). */
static bool has_dot_segment(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '/')
			continue;
		size_t s = i + 1, e = s;
		while (e < n && p[e] != '/')
			e++;
		if ((e - s == 1 && p[s] == '.') || (e - s == 2 && p[s] == '.' && p[s + 1] == '.'))
			return true;
	}
	return false;
}

int http_path_decode(const char *t, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0;
	if (outsz == 0)
		return -414;
	if (len >= 7 && ieq(t, 7, "http://"))
		i = 7;
	else if (len >= 8 && ieq(t, 8, "https://"))
		i = 8;
	if (i) { /* absolute-form: skip the authority */
		while (i < len && t[i] != '/' && t[i] != '?' && t[i] != '#')
			i++;
		if (i == len || t[i] != '/') {
			out[0] = '/';
			if (outsz < 2)
				return -414;
			out[1] = 0;
			return 1;
		}
	}
	if (i >= len || t[i] != '/')
		return -400;
	for (; i < len && t[i] != '?' && t[i] != '#'; i++) {
		int c = (unsigned char)t[i];
		if (c == '%') {
			int hi = i + 2 < len ? hex(t[i + 1]) : -1, lo = hi >= 0 ? hex(t[i + 2]) : -1;
			if (lo < 0)
				return -400;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -400;
		if (o + 1 >= outsz)
			return -414;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return has_dot_segment(out, o) ? -400 : (int)o;
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	}
	return "Unknown";
}
