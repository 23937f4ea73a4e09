/* SPDX-License-Identifier: MIT */
/*
 * kv: a key-value HTTP microservice, in memory. GET, HEAD, PUT and DELETE on
 * /k/KEY; GET /stats. Port 80 unless --port. One thread per core through
 * examples/httpd's server core and HTTP parser; the table is 64 shards, each
 * a hash table under its own mutex, so cores rarely wait for one another.
 * Values are reference counted: a GET sends the value it found even if a
 * PUT replaces it meanwhile, without copying it.
 *   bin/toro run --smp 2 --net user:18080:80 build/examples/kv.elf
 *   curl -X PUT --data-binary @file http://127.0.0.1:18080/k/name
 *   curl http://127.0.0.1:18080/k/name
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* 201 (new), 204 (replaced), 507 (full), 503 (no memory). */
static int kv_set(const char *k, size_t n, const char *data, size_t len)
{
	uint32_t h = hash_of(k, n);
	struct kv_shard *s = &shards[h % KV_SHARDS];
	struct kv_value *v = malloc(sizeof(*v) + len);
	if (!v)
		return 503;
	v->refs = 1;
	v->len = len;
	memcpy(v->data, data, len);
	if (__atomic_add_fetch(&total_bytes, len + n, __ATOMIC_RELAXED) > KV_MAX_TOTAL) {
		__atomic_sub_fetch(&total_bytes, len + n, __ATOMIC_RELAXED);
		free(v);
		return 507;
	}
	int status = 204;
	struct kv_value *old = NULL;
	pthread_mutex_lock(&s->lock);
	struct kv_entry **p = slot(s, h, k, n);
	if (*p) {
		old = (*p)->val;
		(*p)->val = v;
	} else {
		struct kv_entry *e = malloc(sizeof(*e) + n);
		if (!e) {
			pthread_mutex_unlock(&s->lock);
			__atomic_sub_fetch(&total_bytes, len + n, __ATOMIC_RELAXED);
			free(v);
			return 503;
		}
		e->next = NULL;
		e->hash = h;
		e->val = v;
		e->klen = n;
		memcpy(e->key, k, n);
		*p = e;
		if (++s->count > 2 * s->nbuckets)
			grow(s);
		__atomic_add_fetch(&total_keys, 1, __ATOMIC_RELAXED);
		status = 201;
	}
	pthread_mutex_unlock(&s->lock);
	if (old) {
		__atomic_sub_fetch(&total_bytes, old->len + n, __ATOMIC_RELAXED);
		value_put(old);
	}
	return status;
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
		reply_status(c, kv_set(key, n, body, len));
		return;
	case HTTP_DELETE:
		reply_status(c, kv_delete(key, n) ? 204 : 404);
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
				  .handler = handle };
	srv_args(&cfg, argc, argv,
		 "GET, HEAD, PUT and DELETE /k/KEY (keys up to 250 bytes, values up to 1 MiB).\n");
	for (int i = 0; i < KV_SHARDS; i++) {
		pthread_mutex_init(&shards[i].lock, NULL);
		shards[i].nbuckets = 16;
		shards[i].buckets = calloc(16, sizeof(struct kv_entry *));
		if (!shards[i].buckets) {
			fprintf(stderr, "kv: out of memory\n");
			return 1;
		}
	}
	return srv_run(&cfg);
}
