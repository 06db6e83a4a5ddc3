/* hashmap.c — growing and removing for the hash tables of hashmap.h, the byte-key map, the
 * uint64-key map, the tuple interner and the hash functions. Not for: the inline lookups (hashmap.h). */
#include "utils/hashmap.h"

#include "utils/error.h"
#include "utils/fault.h"

#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

uint64_t wren_hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) h = (h ^ s[i]) * FNV_PRIME;
    return wren_hash_u64(h);
}

uint64_t wren_hash_str(const char *s)
{
    uint64_t h = FNV_OFFSET;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * FNV_PRIME;
    return wren_hash_u64(h);
}

/* The number of slots for n entries at most half full: a power of two, at least 16. */
static size_t slots_for(size_t n)
{
    size_t s = 16;
    while (s < 2 * n) s *= 2;
    return s;
}

/* Whether slot k lies in the cyclic range (i, j]. */
static int cyclic_between(size_t i, size_t k, size_t j)
{
    return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

/* ---- wren_hashmap ---- */

void wren_hashmap_init(struct wren_hashmap *m, size_t expected)
{
    size_t ns = slots_for(expected);
    m->slot = wren_xcalloc(ns, sizeof *m->slot);
    m->mask = ns - 1;
    m->n = 0;
}

void wren_hashmap_free(struct wren_hashmap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

void wren_hashmap_reserve(struct wren_hashmap *m, size_t n, wren_hashmap_hash_fn hash_of, const void *ctx)
{
    if (m->slot && 2 * n <= m->mask + 1) return;
    /* ids are 4 bytes to keep big indexes (n-gram levels) small: more is out of memory */
    if (n >= UINT32_MAX) wren_oom(SIZE_MAX);
    size_t ns = slots_for(n), mask = ns - 1;
    uint32_t *slot = wren_xcalloc(ns, sizeof *slot);
    for (size_t j = 0; m->slot && j <= m->mask; j++) {   /* a zeroed map has no slots yet */
        if (!m->slot[j]) continue;
        size_t i = (size_t)hash_of(ctx, m->slot[j] - 1) & mask;
        while (slot[i]) i = (i + 1) & mask;
        slot[i] = m->slot[j];
    }
    free(m->slot);
    m->slot = slot;
    m->mask = mask;
}

void wren_hashmap_remove_at(struct wren_hashmap *m, size_t at, wren_hashmap_hash_fn hash_of, const void *ctx)
{
    /* backward shift: an id after the hole moves into it unless its home slot lies between */
    m->slot[at] = 0;
    m->n--;
    for (size_t j = (at + 1) & m->mask; m->slot[j]; j = (j + 1) & m->mask) {
        size_t home = (size_t)hash_of(ctx, m->slot[j] - 1) & m->mask;
        if (cyclic_between(at, home, j)) continue;
        m->slot[at] = m->slot[j];
        m->slot[j] = 0;
        at = j;
    }
}

/* ---- wren_bytemap: a wren_hashmap over entries whose keys sit in one growing arena ---- */

struct wren_bytemap {
    struct wren_hashmap index;
    size_t n, cap;
    size_t *koff, *klen;     /* per entry: key offset and length in arena */
    int64_t *val;
    unsigned char *arena;
    size_t arena_len, arena_cap;
};

struct byte_key { const void *p; size_t len; };

static uint64_t bytemap_hash_of(const void *ctx, uint32_t id)
{
    const struct wren_bytemap *m = ctx;
    return wren_hash_bytes(m->arena + m->koff[id], m->klen[id]);
}

static int bytemap_eq(const void *ctx, uint32_t id, const void *key)
{
    const struct wren_bytemap *m = ctx;
    const struct byte_key *k = key;
    return m->klen[id] == k->len && (k->len == 0 || memcmp(m->arena + m->koff[id], k->p, k->len) == 0);
}

struct wren_bytemap *wren_bytemap_new(void)
{
    struct wren_bytemap *m = wren_xcalloc(1, sizeof *m);
    wren_hashmap_init(&m->index, 32);
    return m;
}

void wren_bytemap_free(struct wren_bytemap *m)
{
    if (!m) return;
    wren_hashmap_free(&m->index);
    free(m->koff);
    free(m->klen);
    free(m->val);
    free(m->arena);
    free(m);
}

int64_t wren_bytemap_get(const struct wren_bytemap *m, const void *key, size_t len, int64_t absent)
{
    struct byte_key k = { key, len };
    int64_t id = wren_hashmap_find(&m->index, wren_hash_bytes(key, len), &k, bytemap_eq, m);
    return id < 0 ? absent : m->val[id];
}

int64_t wren_bytemap_put(struct wren_bytemap *m, const void *key, size_t len, int64_t value)
{
    struct byte_key k = { key, len };
    wren_hashmap_reserve(&m->index, m->n + 1, bytemap_hash_of, m);
    size_t at = wren_hashmap_probe(&m->index, wren_hash_bytes(key, len), &k, bytemap_eq, m);
    int64_t id = wren_hashmap_id_at(&m->index, at);
    if (id >= 0) return m->val[id];
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->koff = wren_xrealloc(m->koff, m->cap * sizeof *m->koff);
        m->klen = wren_xrealloc(m->klen, m->cap * sizeof *m->klen);
        m->val = wren_xrealloc(m->val, m->cap * sizeof *m->val);
    }
    if (m->arena_len + len > m->arena_cap) {
        m->arena_cap = 2 * (m->arena_cap + len) + 256;
        m->arena = wren_xrealloc(m->arena, m->arena_cap);
    }
    if (len) memcpy(m->arena + m->arena_len, key, len);
    m->koff[m->n] = m->arena_len;
    m->klen[m->n] = len;
    m->val[m->n] = value;
    m->arena_len += len;
    wren_hashmap_put_at(&m->index, at, (uint32_t)m->n++);
    return value;
}

size_t wren_bytemap_size(const struct wren_bytemap *m)
{
    return m->n;
}

/* ---- wren_u64map ---- */

static void u64map_alloc(struct wren_u64map *m, size_t ns)
{
    m->slot = wren_xmalloc(ns * sizeof *m->slot);
    for (size_t i = 0; i < ns; i++) m->slot[i].key = WREN_U64MAP_EMPTY;
    m->mask = ns - 1;
}

void wren_u64map_init(struct wren_u64map *m, size_t expected)
{
    memset(m, 0, sizeof *m);
    u64map_alloc(m, slots_for(expected));
}

void wren_u64map_free(struct wren_u64map *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t u64map_probe(const struct wren_u64map *m, uint64_t key)
{
    size_t i = (size_t)wren_hash_u64(key) & m->mask;
    while (m->slot[i].key != key && m->slot[i].key != WREN_U64MAP_EMPTY) i = (i + 1) & m->mask;
    return i;
}

static void u64map_grow(struct wren_u64map *m)
{
    struct wren_u64map_slot *old = m->slot;
    size_t nold = m->mask + 1;
    u64map_alloc(m, 2 * nold);
    for (size_t j = 0; j < nold; j++)
        if (old[j].key != WREN_U64MAP_EMPTY) m->slot[u64map_probe(m, old[j].key)] = old[j];
    free(old);
}

const int64_t *wren_u64map_get(const struct wren_u64map *m, uint64_t key)
{
    if (key == WREN_U64MAP_EMPTY) return m->has_spare ? &m->spare_val : NULL;
    size_t i = u64map_probe(m, key);
    return m->slot[i].key == key ? &m->slot[i].val : NULL;
}

int64_t *wren_u64map_put(struct wren_u64map *m, uint64_t key, int *is_new)
{
    int fresh;
    int64_t *v;
    if (key == WREN_U64MAP_EMPTY) {
        fresh = !m->has_spare;
        if (fresh) { m->has_spare = 1; m->spare_val = 0; }
        v = &m->spare_val;
    } else {
        if (2 * (m->n + 1) > m->mask + 1) u64map_grow(m);
        size_t i = u64map_probe(m, key);
        fresh = m->slot[i].key != key;
        if (fresh) { m->slot[i].key = key; m->slot[i].val = 0; m->n++; }
        v = &m->slot[i].val;
    }
    if (is_new) *is_new = fresh;
    return v;
}

int wren_u64map_remove(struct wren_u64map *m, uint64_t key)
{
    if (key == WREN_U64MAP_EMPTY) {
        int had = m->has_spare;
        m->has_spare = 0;
        return had;
    }
    size_t at = u64map_probe(m, key);
    if (m->slot[at].key != key) return 0;
    m->slot[at].key = WREN_U64MAP_EMPTY;
    m->n--;
    for (size_t j = (at + 1) & m->mask; m->slot[j].key != WREN_U64MAP_EMPTY; j = (j + 1) & m->mask) {
        size_t home = (size_t)wren_hash_u64(m->slot[j].key) & m->mask;
        if (cyclic_between(at, home, j)) continue;
        m->slot[at] = m->slot[j];
        m->slot[j].key = WREN_U64MAP_EMPTY;
        at = j;
    }
    return 1;
}

size_t wren_u64map_size(const struct wren_u64map *m)
{
    return m->n + (size_t)m->has_spare;
}

/* ---- wren_tuples ---- */

static uint64_t tuple_hash_of(const void *ctx, uint32_t id)
{
    const struct wren_tuples *s = ctx;
    return wren_hash_i32s(wren_tuples_get(s, id), s->len);
}

static int tuple_eq(const void *ctx, uint32_t id, const void *key)
{
    const struct wren_tuples *s = ctx;
    return !memcmp(wren_tuples_get(s, id), key, s->len * sizeof *s->t);
}

void wren_tuples_init(struct wren_tuples *s, size_t len)
{
    memset(s, 0, sizeof *s);
    s->len = len;
    wren_hashmap_init(&s->index, 256);
}

void wren_tuples_free(struct wren_tuples *s)
{
    free(s->t);
    wren_hashmap_free(&s->index);
    memset(s, 0, sizeof *s);
}

uint32_t wren_tuples_intern(struct wren_tuples *s, const int32_t *tuple)
{
    wren_hashmap_reserve(&s->index, s->n + 1, tuple_hash_of, s);
    size_t at = wren_hashmap_probe(&s->index, wren_hash_i32s(tuple, s->len), tuple, tuple_eq, s);
    int64_t id = wren_hashmap_id_at(&s->index, at);
    if (id >= 0) return (uint32_t)id;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->t = wren_xrealloc(s->t, s->cap * (s->len ? s->len : 1) * sizeof *s->t);
    }
    if (s->len) memcpy(s->t + s->n * s->len, tuple, s->len * sizeof *s->t);
    wren_hashmap_put_at(&s->index, at, (uint32_t)s->n);
    return (uint32_t)s->n++;
}
