/* SPDX-License-Identifier: MIT */
/*
 * kv: a key-value HTTP microservice, in memory. GET, HEAD, PUT and DELETE on
 * /k/KEY; GET /stats. Port 80 unless --port. One thread per core through
 * examples/httpd's server core and HTTP parser; the table is 64 shards, each
 * a hash table under its own mutex, so cores rarely wait for one another.
 * Values are reference counted: a GET sends the value it found even if a
 * PUT replaces it meanwhile, without copying it.
 * With --log FILE every PUT and DELETE is appended to FILE and made durable
 * (fdatasync) before it is answered, and the log is read back at start, so
 * the store outlives the VM; see log_* below.
 *   bin/toro run --smp 2 --net user:18080:80 build/examples/kv.elf
 *   bin/toro run --net user:18080:80 --disk kv.img build/examples/kv.elf -- --log /kv.log
 *   curl -X PUT --data-binary @file http://127.0.0.1:18080/k/name
 *   curl http://127.0.0.1:18080/k/name
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

#define KV_SHARDS 64
#define KV_MAX_KEY 250
#define KV_MAX_VALUE (1024 * 1024)
#define KV_MAX_TOTAL (32ull * 1024 * 1024) /* keys and values: beyond, 507 */

struct kv_value {
	int refs;
	size_t len;
	char data[];
};

struct kv_entry {
	struct kv_entry *next;
	uint32_t hash;
	struct kv_value *val;
	size_t klen;
	char key[];
};

struct kv_shard {
	pthread_mutex_t lock;
	struct kv_entry **buckets;
	size_t nbuckets, count;
} __attribute__((aligned(64)));

static struct kv_shard shards[KV_SHARDS];
static uint64_t total_bytes, total_keys;

static uint32_t hash_of(const char *k, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

static void value_put(void *arg)
{
	struct kv_value *v = arg;
	if (__atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(v);
}

static struct kv_entry **slot(struct kv_shard *s, uint32_t h, const char *k, size_t n)
{
	struct kv_entry **p = &s->buckets[(h / KV_SHARDS) & (s->nbuckets - 1)];
	for (; *p; p = &(*p)->next)
		if ((*p)->hash == h && (*p)->klen == n && !memcmp((*p)->key, k, n))
			break;
	return p;
}

/* Doubles a shard's table once it holds two entries per bucket. */
static void grow(struct kv_shard *s)
{
	size_t nb = s->nbuckets * 2;
	struct kv_entry **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < s->nbuckets; i++) {
		for (struct kv_entry *e = s->buckets[i], *next; e; e = next) {
			next = e->next;
			struct kv_entry **head = &b[(e->hash / KV_SHARDS) & (nb - 1)];
			e->next = *head;
			*head = e;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

/* A PUT in two steps, so that it can be logged between them: what can fail
 * (memory, the size limit) happens in kv_prepare, kv_commit cannot fail. */
struct kv_prep {
	uint32_t h;
	struct kv_value *v;
	struct kv_entry *e;  /* used if the key is new, else freed */
};

/* 0, 507 (full) or 503 (no memory). */
static int kv_prepare(const char *k, size_t n, const char *data, size_t len, struct kv_prep *p)
{
	p->h = hash_of(k, n);
	p->v = malloc(sizeof(*p->v) + len);
	p->e = malloc(sizeof(*p->e) + n);
	if (!p->v || !p->e) {
		free(p->v);
		free(p->e);
		return 503;
	}
	p->v->refs = 1;
	p->v->len = len;
	memcpy(p->v->data, data, len);
	if (__atomic_add_fetch(&total_bytes, len + n, __ATOMIC_RELAXED) > KV_MAX_TOTAL) {
		__atomic_sub_fetch(&total_bytes, len + n, __ATOMIC_RELAXED);
		free(p->v);
		free(p->e);
		return 507;
	}
	return 0;
}

static void kv_abandon(struct kv_prep *p, size_t n)
{
	__atomic_sub_fetch(&total_bytes, p->v->len + n, __ATOMIC_RELAXED);
	free(p->v);
	free(p->e);
}

/* 201 (new) or 204 (replaced). */
static int kv_commit(const char *k, size_t n, struct kv_prep *p)
{
	struct kv_shard *s = &shards[p->h % KV_SHARDS];
	struct kv_value *old = NULL;
	int status = 204;
	pthread_mutex_lock(&s->lock);
	struct kv_entry **slotp = slot(s, p->h, k, n);
	if (*slotp) {
		old = (*slotp)->val;
		(*slotp)->val = p->v;
	} else {
		struct kv_entry *e = p->e;
		p->e = NULL;
		e->next = NULL;
		e->hash = p->h;
		e->val = p->v;
		e->klen = n;
		memcpy(e->key, k, n);
		*slotp = e;
		if (++s->count > 2 * s->nbuckets)
			grow(s);
		__atomic_add_fetch(&total_keys, 1, __ATOMIC_RELAXED);
		status = 201;
	}
	pthread_mutex_unlock(&s->lock);
	free(p->e);
	if (old) {
		__atomic_sub_fetch(&total_bytes, old->len + n, __ATOMIC_RELAXED);
		value_put(old);
	}
	return status;
}

/* 201 (new), 204 (replaced), 507 (full), 503 (no memory). */
static int kv_set(const char *k, size_t n, const char *data, size_t len)
{
	struct kv_prep p;
	int r = kv_prepare(k, n, data, len, &p);
	return r ? r : kv_commit(k, n, &p);
}

/* The value with a reference taken, or NULL. */
static struct kv_value *kv_get(const char *k, size_t n)
{
	uint32_t h = hash_of(k, n);
	struct kv_shard *s = &shards[h % KV_SHARDS];
	pthread_mutex_lock(&s->lock);
	struct kv_entry *e = *slot(s, h, k, n);
	struct kv_value *v = e ? e->val : NULL;
	if (v)
		__atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static bool kv_delete(const char *k, size_t n)
{
	uint32_t h = hash_of(k, n);
	struct kv_shard *s = &shards[h % KV_SHARDS];
	pthread_mutex_lock(&s->lock);
	struct kv_entry **p = slot(s, h, k, n), *e = *p;
	if (e) {
		*p = e->next;
		s->count--;
	}
	pthread_mutex_unlock(&s->lock);
	if (!e)
		return false;
	__atomic_sub_fetch(&total_bytes, e->val->len + n, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&total_keys, 1, __ATOMIC_RELAXED);
	value_put(e->val);
	free(e);
	return true;
}

/*
 * The log (--log FILE): records appended with one write each and made
 * durable with fdatasync before the request is answered, so an answered PUT
 * or DELETE survives a crash or a power cut. A record is
 *     "KV1" op(1: put, 2: delete) klen(4) vlen(4) crc32(4) key value
 * (little-endian; the CRC covers op, lengths, key and value). At start the
 * log is replayed; a torn or damaged tail (a crash during an append) is cut
 * off at the last good record, with a console line. Appends are serialised
 * by one mutex, which also keeps the log in the order the table changed.
 */
#define LOG_HEAD 16
static int log_fd = -1;
static const char *log_path;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t crc32_of(uint32_t crc, const void *data, size_t n)
{
	const unsigned char *p = data;
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t record_crc(const unsigned char *head, const char *k, size_t n, const char *v,
			   size_t len)
{
	uint32_t crc = crc32_of(0, head + 3, 9);
	crc = crc32_of(crc, k, n);
	return crc32_of(crc, v, len);
}

/* Append one record durably: 0, or 507 (the disk is full or failing: the
 * log is cut back to where it was, so it never holds half a record). */
static int log_append(int op, const char *k, size_t n, const char *v, size_t len)
{
	unsigned char head[LOG_HEAD] = { 'K', 'V', '1', (unsigned char)op };
	le32(head + 4, (uint32_t)n);
	le32(head + 8, (uint32_t)len);
	le32(head + 12, record_crc(head, k, n, v, len));
	size_t total = LOG_HEAD + n + len;
	char *rec = malloc(total);
	if (!rec)
		return 503;
	memcpy(rec, head, LOG_HEAD);
	memcpy(rec + LOG_HEAD, k, n);
	memcpy(rec + LOG_HEAD + n, v, len);
	off_t end = lseek(log_fd, 0, SEEK_END);
	ssize_t w = write(log_fd, rec, total);
	free(rec);
	if (w == (ssize_t)total && fdatasync(log_fd) == 0)
		return 0;
	fprintf(stderr, "kv: %s: %s\n", log_path, w < 0 ? strerror(errno) : "short write");
	if (end >= 0 && ftruncate(log_fd, end) == 0)
		fdatasync(log_fd);
	return 507;
}

/* Replay the log into the table: the number of records, -1 on an error. */
static long log_replay(void)
{
	struct stat st;
	if (fstat(log_fd, &st))
		return -1;
	long records = 0;
	off_t off = 0;
	unsigned char head[LOG_HEAD];
	while (off + LOG_HEAD <= st.st_size) {
		if (pread(log_fd, head, LOG_HEAD, off) != LOG_HEAD || memcmp(head, "KV1", 3))
			break;
		size_t n = get32(head + 4), len = get32(head + 8);
		if (n == 0 || n > KV_MAX_KEY || len > KV_MAX_VALUE || (head[3] != 1 && head[3] != 2) ||
		    off + LOG_HEAD + (off_t)(n + len) > st.st_size)
			break;
		char *rec = malloc(n + len + 1);
		if (!rec)
			return -1;
		if (pread(log_fd, rec, n + len, off + LOG_HEAD) != (ssize_t)(n + len) ||
		    record_crc(head, rec, n, rec + n, len) != get32(head + 12)) {
			free(rec);
			break;
		}
		int r = head[3] == 1 ? kv_set(rec, n, rec + n, len) : (kv_delete(rec, n), 0);
		free(rec);
		if (r == 503 || r == 507) {
			fprintf(stderr, "kv: %s: no room for record %ld\n", log_path, records + 1);
			return -1;
		}
		off += LOG_HEAD + (off_t)(n + len);
		records++;
	}
	if (off < st.st_size) {
		printf("kv: %s: %lld bytes after record %ld are not a whole record: cut off\n", log_path,
		       (long long)(st.st_size - off), records);
		if (ftruncate(log_fd, off) || fdatasync(log_fd))
			return -1;
	}
	return records;
}

static int log_open(void)
{
	log_fd = open(log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		fprintf(stderr, "kv: --log %s: %s\n", log_path, strerror(errno));
		return -1;
	}
	long n = log_replay();
	if (n < 0) {
		fprintf(stderr, "kv: --log %s: cannot read it back\n", log_path);
		return -1;
	}
	printf("kv: %s: %ld records, %llu keys\n", log_path, n,
	       (unsigned long long)__atomic_load_n(&total_keys, __ATOMIC_RELAXED));
	return 0;
}

static int option(int argc, char **argv, int i)
{
	if (!strcmp(argv[i], "--log") && i + 1 < argc) {
		log_path = argv[i + 1];
		return 2;
	}
	return 0;
}

/* PUT with the log: prepare, log, then change the table. */
static int logged_set(const char *k, size_t n, const char *data, size_t len)
{
	struct kv_prep p;
	int r = kv_prepare(k, n, data, len, &p);
	if (r)
		return r;
	pthread_mutex_lock(&log_lock);
	r = log_append(1, k, n, data, len);
	if (r == 0)
		r = kv_commit(k, n, &p);
	else
		kv_abandon(&p, n);
	pthread_mutex_unlock(&log_lock);
	return r;
}

/* 204, 404, or 507 when it could not be logged. */
static int logged_delete(const char *k, size_t n)
{
	pthread_mutex_lock(&log_lock);
	struct kv_value *v = kv_get(k, n);
	int r = 404;
	if (v) {
		value_put(v);
		r = log_append(2, k, n, "", 0);
		if (r == 0)
			r = kv_delete(k, n) ? 204 : 404;
	}
	pthread_mutex_unlock(&log_lock);
	return r;
}

static void reply_status(struct srv_conn *c, int status)
{
	char text[64];
	snprintf(text, sizeof(text), "%d %s\n", status, http_reason(status));
	srv_respond_text(c, status, status == 204 ? "" : text);
}

static void handle_key(struct srv_conn *c, const struct http_request *r, const char *key,
		       size_t n, const char *body, size_t len)
{
	switch (r->method) {
	case HTTP_GET:
	case HTTP_HEAD: {
		struct kv_value *v = kv_get(key, n);
		if (!v) {
			reply_status(c, 404);
			return;
		}
		struct srv_reply rep = { .status = 200, .type = "application/octet-stream",
					 .body = v->data, .len = v->len, .release = value_put,
					 .arg = v };
		srv_respond(c, &rep);
		return;
	}
	case HTTP_PUT:
		if (r->content_length < 0) {
			reply_status(c, 411);
			return;
		}
		reply_status(c, log_fd >= 0 ? logged_set(key, n, body, len) : kv_set(key, n, body, len));
		return;
	case HTTP_DELETE:
		reply_status(c, log_fd >= 0 ? logged_delete(key, n) : kv_delete(key, n) ? 204 : 404);
		return;
	case HTTP_OTHER:
		reply_status(c, 501);
		return;
	default: {
		struct srv_reply rep = { .status = 405, .type = "text/plain; charset=utf-8",
					 .headers = "Allow: GET, HEAD, PUT, DELETE\r\n",
					 .body = "405 Method Not Allowed\n", .len = 23, .copy = true };
		srv_respond(c, &rep);
	}
	}
}

static void handle(struct srv_conn *c, const struct http_request *r, const char *body, size_t len)
{
	char path[KV_MAX_KEY + 4];
	int n = http_path_decode(r->target, r->target_len, path, sizeof(path));
	if (n < 0) {
		reply_status(c, -n);
		return;
	}
	if (n > 3 && !memcmp(path, "/k/", 3)) {
		handle_key(c, r, path + 3, (size_t)n - 3, body, len);
		return;
	}
	if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
		reply_status(c, r->method == HTTP_OTHER ? 501 : 405);
		return;
	}
	if (!strcmp(path, "/stats")) {
		char text[128];
		snprintf(text, sizeof(text), "keys %llu\nbytes %llu\n",
			 (unsigned long long)__atomic_load_n(&total_keys, __ATOMIC_RELAXED),
			 (unsigned long long)__atomic_load_n(&total_bytes, __ATOMIC_RELAXED));
		srv_respond_text(c, 200, text);
	} else if (!strcmp(path, "/")) {
		srv_respond_text(c, 200, "kv: GET, PUT, DELETE /k/KEY; GET /stats\n");
	} else {
		reply_status(c, 404);
	}
}

int main(int argc, char **argv)
{
	struct srv_config cfg = { .name = "kv", .port = 80, .max_body = KV_MAX_VALUE,
				  .handler = handle, .option = option };
	srv_args(&cfg, argc, argv,
		 "GET, HEAD, PUT and DELETE /k/KEY (keys up to 250 bytes, values up to 1 MiB).\n"
		 "  --log FILE   keep every change in FILE (durable before it is answered)\n");
	for (int i = 0; i < KV_SHARDS; i++) {
		pthread_mutex_init(&shards[i].lock, NULL);
		shards[i].nbuckets = 16;
		shards[i].buckets = calloc(16, sizeof(struct kv_entry *));
		if (!shards[i].buckets) {
			fprintf(stderr, "kv: out of memory\n");
			return 1;
		}
	}
	if (log_path && log_open())
		return 1;
	return srv_run(&cfg);
}
