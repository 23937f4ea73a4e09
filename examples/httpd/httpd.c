/* SPDX-License-Identifier: MIT */
/*
 * httpd: a static file server. HTTP/1.1 with keep-alive and pipelining, GET
 * and HEAD, a content type by extension, 404 for what is not there, an access
 * log line per request (--quiet turns it off); port 80 unless --port says
 * otherwise. The files are those linked into the image (examples/httpd/www/,
 * see tools/mkembed), or with --root DIR those under DIR on the disk, sent
 * with sendfile. One thread per core (server.c).
 *   bin/toro run --smp 2 --net user:8080:80 build/examples/httpd.elf
 *   bin/toro run --net user:8080:80 --disk site/ build/examples/httpd.elf -- --root /
 *   curl http://127.0.0.1:8080/
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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

static const char *root; /* --root DIR, or NULL: the linked-in files */
static char *bulk;        /* --bulk MIB: /bulk, generated in memory (make bench) */
static size_t bulk_len;

/* The body of /bulk: bytes that vary (no run of one byte a link could shrink). */
static int make_bulk(const char *mib)
{
	char *end;
	unsigned long n = strtoul(mib, &end, 10);
	if (*end || n < 1 || n > 1024 || !(bulk = malloc(n << 20)))
		return -1;
	bulk_len = n << 20;
	for (size_t i = 0; i < bulk_len; i++)
		bulk[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	return 0;
}

static int option(int argc, char **argv, int i)
{
	if (!strcmp(argv[i], "--root") && i + 1 < argc) {
		root = argv[i + 1];
		return 2;
	}
	if (!strcmp(argv[i], "--bulk") && i + 1 < argc) {
		if (make_bulk(argv[i + 1])) {
			fprintf(stderr, "httpd: --bulk %s: 1 to 1024 MiB that fit in memory\n",
				argv[i + 1]);
			exit(2);
		}
		return 2;
	}
	return 0;
}

/* The reply for path under --root: the file, a redirect to the directory's
 * slash, or 404/403. */
static void from_disk(struct srv_conn *c, const char *path)
{
	static const char not_found[] = "<!doctype html>\n<title>404 Not Found</title>\n"
					"<h1>Not Found</h1>\n";
	char full[PATH_MAX_LEN * 2 + sizeof("index.html")], loc[PATH_MAX_LEN + 32];
	struct srv_reply rep = { .status = 200 };
	struct stat st;
	snprintf(full, sizeof(full), "%s%s", strcmp(root, "/") ? root : "", path);
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		fd = -1;
		if (path[strlen(path) - 1] != '/') {
			snprintf(loc, sizeof(loc), "Location: %s/\r\n", path);
			rep = (struct srv_reply){ .status = 301, .headers = loc, .type = "text/plain",
						  .body = "301 Moved Permanently\n", .len = 22,
						  .copy = true };
			srv_respond(c, &rep);
			return;
		}
		strcat(full, "index.html");
		fd = open(full, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -1;
			errno = ENOENT;
		}
	}
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			srv_respond_text(c, 403, "403 Forbidden\n");
		else
			srv_respond(c, &(struct srv_reply){ .status = 404,
				    .type = "text/html; charset=utf-8", .body = not_found,
				    .len = sizeof(not_found) - 1, .copy = true });
		return;
	}
	rep.type = content_type(full);
	rep.from_file = true;
	rep.fd = fd;
	rep.len = (size_t)st.st_size;
	srv_respond(c, &rep);
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
	if (bulk && !strcmp(path, "/bulk")) {
		srv_respond(c, &(struct srv_reply){ .status = 200, .body = bulk, .len = bulk_len,
			    .type = "application/octet-stream" });
		return;
	}
	if (root) {
		from_disk(c, path);
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
				  .handler = handle, .option = option };
	srv_args(&cfg, argc, argv,
		 "  --root DIR   serve the files under DIR (default: those linked into the image)\n"
		 "  --bulk MIB   also serve /bulk, MIB MiB made in memory (for make bench)\n");
	if (root) {
		struct stat st;
		errno = 0;
		if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "httpd: --root %s: %s\n", root,
				errno ? strerror(errno) : "not a directory");
			return 2;
		}
		printf("httpd: serving %s\n", root);
	} else {
		size_t bytes = 0;
		for (size_t i = 0; i < embed_count; i++)
			bytes += embed_files[i].size;
		printf("httpd: %zu files, %zu bytes\n", embed_count, bytes);
	}
	return srv_run(&cfg);
}
