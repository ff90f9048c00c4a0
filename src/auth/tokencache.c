#include "auth/tokencache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

#define STRIPES 16

typedef struct slot {
	char token[TOKENCACHE_MAX_TOKEN + 1]; /* "" when empty */
	int64_t user_id;
	int64_t exp;
} slot;

struct tokencache {
	pthread_mutex_t locks[STRIPES];
	slot slots[TOKENCACHE_SLOTS];
};

/* FNV-1a: the slot index only spreads tokens; equality is checked in full. */
static size_t slot_of(const char *token, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)token[i];
		h *= 1099511628211ull;
	}
	return (size_t)(h % TOKENCACHE_SLOTS);
}

tokencache *tokencache_new(void)
{
	tokencache *c = xcalloc(1, sizeof *c);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	return c;
}

void tokencache_free(tokencache *c)
{
	if (!c)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	mem_wipe(c->slots, sizeof c->slots);
	free(c);
}

bool tokencache_get(tokencache *c, const char *token, int64_t now, int64_t *user_id)
{
	size_t len = strlen(token);
	if (len == 0 || len > TOKENCACHE_MAX_TOKEN)
		return false;
	size_t i = slot_of(token, len);
	pthread_mutex_t *m = &c->locks[i % STRIPES];
	bool hit = false;
	pthread_mutex_lock(m);
	slot *s = &c->slots[i];
	if (s->exp > now && memcmp(s->token, token, len + 1) == 0) {
		*user_id = s->user_id;
		hit = true;
	}
	pthread_mutex_unlock(m);
	return hit;
}

void tokencache_put(tokencache *c, const char *token, int64_t user_id, int64_t exp)
{
	size_t len = strlen(token);
	if (len == 0 || len > TOKENCACHE_MAX_TOKEN)
		return;
	size_t i = slot_of(token, len);
	pthread_mutex_t *m = &c->locks[i % STRIPES];
	pthread_mutex_lock(m);
	slot *s = &c->slots[i];
	memcpy(s->token, token, len + 1);
	s->user_id = user_id;
	s->exp = exp;
	pthread_mutex_unlock(m);
}
