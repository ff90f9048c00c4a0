#include "auth/throttle.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/banned.h"

#define KEY_LEN 16
#define SECRET_LEN 32
#define NONE (-1)
#define CAPACITY_MAX ((size_t)1 << 24)

/* One key's recent failures: a ring of up to `limit` times in the table's
 * times[] (slot idx * limit ...), oldest at `first`. */
typedef struct entry {
	unsigned char key[KEY_LEN];
	int32_t chain;      /* next in the hash bucket, or in the free list */
	int32_t prev, next; /* recency list: head = most recent failure */
	uint8_t n, first;
} entry;

typedef struct table {
	int limit;
	int64_t window_ms;
	size_t cap, nbuckets, used;
	entry *e;
	int64_t *times;
	int32_t *bucket;
	int32_t head, tail, free_list;
} table;

struct throttle {
	pthread_mutex_t mu;
	unsigned char secret[SECRET_LEN];
	table tab[2];
};

static void table_init(table *tb, size_t cap, int limit, int64_t window_ms)
{
	tb->limit = limit;
	tb->window_ms = window_ms;
	tb->cap = cap;
	tb->nbuckets = 1;
	while (tb->nbuckets < cap)
		tb->nbuckets <<= 1;
	tb->e = xcalloc(cap, sizeof *tb->e);
	tb->times = xcalloc(cap * (size_t)limit, sizeof *tb->times);
	tb->bucket = xmalloc(tb->nbuckets * sizeof *tb->bucket);
	for (size_t i = 0; i < tb->nbuckets; i++)
		tb->bucket[i] = NONE;
	for (size_t i = 0; i < cap; i++)
		tb->e[i].chain = i + 1 < cap ? (int32_t)(i + 1) : NONE;
	tb->free_list = 0;
	tb->head = tb->tail = NONE;
	tb->used = 0;
}

static void table_release(table *tb)
{
	free(tb->e);
	free(tb->times);
	free(tb->bucket);
}

throttle *throttle_new(size_t capacity)
{
	if (capacity == 0)
		capacity = THROTTLE_CAPACITY;
	if (capacity > CAPACITY_MAX)
		capacity = CAPACITY_MAX;
	throttle *t = xcalloc(1, sizeof *t);
	if (RAND_bytes(t->secret, sizeof t->secret) != 1) {
		/* Without randomness the keys are still distinct, only predictable:
		 * bucket crowding is the only cost, so go on. */
		log_warn("throttle msg=\"RAND_bytes failed; hash key not random\"");
	}
	pthread_mutex_init(&t->mu, NULL);
	table_init(&t->tab[THROTTLE_KIND_ACCOUNT], capacity, THROTTLE_ACCOUNT_MAX,
		   THROTTLE_ACCOUNT_WINDOW_MS);
	table_init(&t->tab[THROTTLE_KIND_ADDR], capacity, THROTTLE_ADDR_MAX,
		   THROTTLE_ADDR_WINDOW_MS);
	return t;
}

void throttle_free(throttle *t)
{
	if (!t)
		return;
	table_release(&t->tab[0]);
	table_release(&t->tab[1]);
	pthread_mutex_destroy(&t->mu);
	mem_wipe(t->secret, sizeof t->secret);
	free(t);
}

/* Outside the lock: the expensive part. */
static void hash_key(const throttle *t, const void *k, size_t len, unsigned char out[KEY_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!HMAC(EVP_sha256(), t->secret, SECRET_LEN, k, len, md, &mdlen) || mdlen < KEY_LEN)
		memset(md, 0, sizeof md); /* OpenSSL failure: all keys share one entry (safe side) */
	memcpy(out, md, KEY_LEN);
}

static size_t bucket_of(const table *tb, const unsigned char key[KEY_LEN])
{
	uint32_t h;
	memcpy(&h, key, sizeof h);
	return h & (tb->nbuckets - 1);
}

static int32_t find(const table *tb, const unsigned char key[KEY_LEN])
{
	for (int32_t i = tb->bucket[bucket_of(tb, key)]; i != NONE; i = tb->e[i].chain)
		if (memcmp(tb->e[i].key, key, KEY_LEN) == 0)
			return i;
	return NONE;
}

static void lru_unlink(table *tb, int32_t i)
{
	entry *x = &tb->e[i];
	if (x->prev != NONE)
		tb->e[x->prev].next = x->next;
	else
		tb->head = x->next;
	if (x->next != NONE)
		tb->e[x->next].prev = x->prev;
	else
		tb->tail = x->prev;
	x->prev = x->next = NONE;
}

static void lru_push_head(table *tb, int32_t i)
{
	entry *x = &tb->e[i];
	x->prev = NONE;
	x->next = tb->head;
	if (tb->head != NONE)
		tb->e[tb->head].prev = i;
	tb->head = i;
	if (tb->tail == NONE)
		tb->tail = i;
}

static void remove_entry(table *tb, int32_t i)
{
	int32_t *p = &tb->bucket[bucket_of(tb, tb->e[i].key)];
	while (*p != i)
		p = &tb->e[*p].chain;
	*p = tb->e[i].chain;
	lru_unlink(tb, i);
	tb->e[i].chain = tb->free_list;
	tb->free_list = i;
	tb->used--;
}

/* A slot for a new key: a free one, else the least recently failed one. */
static int32_t add_entry(table *tb, const unsigned char key[KEY_LEN])
{
	if (tb->free_list == NONE)
		remove_entry(tb, tb->tail);
	int32_t i = tb->free_list;
	entry *x = &tb->e[i];
	tb->free_list = x->chain;
	memcpy(x->key, key, KEY_LEN);
	x->n = x->first = 0;
	size_t b = bucket_of(tb, key);
	x->chain = tb->bucket[b];
	tb->bucket[b] = i;
	lru_push_head(tb, i);
	tb->used++;
	return i;
}

static int64_t *ring(table *tb, int32_t i)
{
	return &tb->times[(size_t)i * (size_t)tb->limit];
}

/* Drops failures that left the window; an entry left empty goes. Returns
 * whether the entry is still there. */
static bool prune(table *tb, int32_t i, int64_t now_ms)
{
	entry *x = &tb->e[i];
	int64_t *r = ring(tb, i);
	while (x->n > 0 && r[x->first] + tb->window_ms <= now_ms) {
		x->first = (uint8_t)((x->first + 1) % tb->limit);
		x->n--;
	}
	if (x->n == 0) {
		remove_entry(tb, i);
		return false;
	}
	return true;
}

static int64_t table_wait(table *tb, const unsigned char key[KEY_LEN], int64_t now_ms)
{
	int32_t i = find(tb, key);
	if (i == NONE || !prune(tb, i, now_ms) || tb->e[i].n < tb->limit)
		return 0;
	return ring(tb, i)[tb->e[i].first] + tb->window_ms - now_ms;
}

static void table_fail(table *tb, const unsigned char key[KEY_LEN], int64_t now_ms)
{
	int32_t i = find(tb, key);
	if (i != NONE && !prune(tb, i, now_ms))
		i = NONE;
	if (i == NONE)
		i = add_entry(tb, key);
	entry *x = &tb->e[i];
	int64_t *r = ring(tb, i);
	if (x->n == tb->limit) { /* a raced attempt: keep the newest `limit` */
		x->first = (uint8_t)((x->first + 1) % tb->limit);
		x->n--;
	}
	r[(x->first + x->n) % tb->limit] = now_ms;
	x->n++;
	lru_unlink(tb, i);
	lru_push_head(tb, i);
}

/* The keys' hashes, computed outside the lock; NULL inputs stay unhashed. */
static void hash_keys(throttle *t, const void *account, size_t account_len, const void *addr,
		      size_t addr_len, unsigned char ka[KEY_LEN], unsigned char kd[KEY_LEN])
{
	if (account)
		hash_key(t, account, account_len, ka);
	if (addr)
		hash_key(t, addr, addr_len, kd);
}

int64_t throttle_check(throttle *t, const void *account, size_t account_len, const void *addr,
		       size_t addr_len, int64_t now_ms)
{
	unsigned char ka[KEY_LEN], kd[KEY_LEN];
	hash_keys(t, account, account_len, addr, addr_len, ka, kd);
	int64_t wa = 0, wd = 0;
	pthread_mutex_lock(&t->mu);
	if (account)
		wa = table_wait(&t->tab[THROTTLE_KIND_ACCOUNT], ka, now_ms);
	if (addr)
		wd = table_wait(&t->tab[THROTTLE_KIND_ADDR], kd, now_ms);
	pthread_mutex_unlock(&t->mu);
	return wa > wd ? wa : wd;
}

void throttle_fail(throttle *t, const void *account, size_t account_len, const void *addr,
		   size_t addr_len, int64_t now_ms)
{
	unsigned char ka[KEY_LEN], kd[KEY_LEN];
	hash_keys(t, account, account_len, addr, addr_len, ka, kd);
	pthread_mutex_lock(&t->mu);
	if (account)
		table_fail(&t->tab[THROTTLE_KIND_ACCOUNT], ka, now_ms);
	if (addr)
		table_fail(&t->tab[THROTTLE_KIND_ADDR], kd, now_ms);
	pthread_mutex_unlock(&t->mu);
}

void throttle_succeed(throttle *t, const void *account, size_t account_len)
{
	unsigned char ka[KEY_LEN];
	if (!account)
		return;
	hash_key(t, account, account_len, ka);
	pthread_mutex_lock(&t->mu);
	table *tb = &t->tab[THROTTLE_KIND_ACCOUNT];
	int32_t i = find(tb, ka);
	if (i != NONE)
		remove_entry(tb, i);
	pthread_mutex_unlock(&t->mu);
}

size_t throttle_entries(throttle *t, throttle_kind kind)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->tab[kind].used;
	pthread_mutex_unlock(&t->mu);
	return n;
}

size_t throttle_capacity(const throttle *t)
{
	return t->tab[0].cap;
}
