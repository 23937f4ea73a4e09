/* SPDX-License-Identifier: MIT */
/*
 * httpd: a static file server. HTTP/1.1 with keep-alive and pipelining, GET
 * and HEAD, a content type by extension, 404 for what is not there, an access
 * log line per request (--quiet turns it off); port 80 unless --port says
 * otherwise. The files are linked into the image (examples/httpd/www/, see
 * tools/mkembed) until Toro has a file system. One thread per core (server.c).
 *   bin/toro run --smp 2 --net user:8080:80 build/examples/httpd.elf
 *   curl http://127.0.0.1:8080/
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "embed.h"
#include "server.h"

#define PATH_MAX_LEN 1024

static const char *content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },   { "js", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },          { "txt", "text/plain; charset=utf-8" },
		{ "svg", "image/svg+xml" },              { "png", "image/png" },
		{ "jpg", "image/jpeg" },                 { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },                  { "ico", "image/x-icon" },
		{ "webp", "image/webp" },                { "wasm", "application/wasm" },
		{ "xml", "application/xml" },            { "pdf", "application/pdf" },
	};
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	if (dot && dot > slash) {
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	}
	return "application/octet-stream";
}

static const struct embed_file *lookup(const char *path)
{
	size_t lo = 0, hi = embed_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, embed_files[mid].name);
		if (c == 0)
			return &embed_files[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void handle(struct srv_conn *c, const struct http_request *r, const char *body, size_t len)
{
	static const char not_found[] = "<!doctype html>\n<title>404 Not Found</title>\n"
					"<h1>Not Found</h1>\n";
	char path[PATH_MAX_LEN + sizeof("index.html")];
	(void)body; /* a body (at most max_body bytes) is read and ignored */
	(void)len;

	if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
		if (r->method == HTTP_OTHER) {
			srv_respond_text(c, 501, "501 Not Implemented\n");
			return;
		}
		struct srv_reply rep = { .status = 405, .type = "text/plain; charset=utf-8",
					 .headers = "Allow: GET, HEAD\r\n",
					 .body = "405 Method Not Allowed\n", .len = 23, .copy = true };
		srv_respond(c, &rep);
		return;
	}
	int n = http_path_decode(r->target, r->target_len, path, PATH_MAX_LEN);
	if (n < 0) {
		srv_respond_text(c, -n, -n == 414 ? "414 URI Too Long\n" : "400 Bad Request\n");
		return;
	}
	if (path[n - 1] == '/')
		strcpy(path + n, "index.html");
	const struct embed_file *f = lookup(path);
	struct srv_reply rep = { .status = 200 };
	if (f) {
		rep.type = content_type(path);
		rep.body = f->data;
		rep.len = f->size;
	} else {
		rep = (struct srv_reply){ .status = 404, .type = "text/html; charset=utf-8",
					  .body = not_found, .len = sizeof(not_found) - 1, .copy = true };
	}
	srv_respond(c, &rep);
}

int main(int argc, char **argv)
{
	struct srv_config cfg = { .name = "httpd", .port = 80, .max_body = 64 * 1024,
				  .handler = handle };
	srv_args(&cfg, argc, argv, "Serves the files linked into the image.\n");
	size_t bytes = 0;
	for (size_t i = 0; i < embed_count; i++)
		bytes += embed_files[i].size;
	printf("httpd: %zu files, %zu bytes\n", embed_count, bytes);
	return srv_run(&cfg);
}
