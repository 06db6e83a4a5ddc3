/* graph-map.c — the byte-key hash map the graph builders use for words, phone sequences,
 * HMMs and transition ids (open addressing, keys copied into one growing arena).
 * Not for: anything outside graph building. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"
#include "graph/graph-internal.h"

struct wren_bmap {
    size_t *slot;        /* entry index + 1, 0 = empty */
    size_t nslot;        /* power of two */
    size_t n;
    size_t *koff, *klen; /* per entry: key offset and length in arena */
    long *val;
    size_t cap;
    unsigned char *arena;
    size_t arena_len, arena_cap;
};

static uint64_t hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

struct wren_bmap *wren_bmap_new(void)
{
    struct wren_bmap *m = wren_xcalloc(1, sizeof *m);
    m->nslot = 64;
    m->slot = wren_xcalloc(m->nslot, sizeof *m->slot);
    return m;
}

void wren_bmap_free(struct wren_bmap *m)
{
    if (!m) return;
    free(m->slot);
    free(m->koff);
    free(m->klen);
    free(m->val);
    free(m->arena);
    free(m);
}

static int key_eq(const struct wren_bmap *m, size_t e, const void *key, size_t len)
{
    return m->klen[e] == len && memcmp(m->arena + m->koff[e], key, len) == 0;
}

static size_t find_slot(const struct wren_bmap *m, const void *key, size_t len)
{
    size_t mask = m->nslot - 1;
    for (size_t i = hash_bytes(key, len) & mask;; i = (i + 1) & mask)
        if (!m->slot[i] || key_eq(m, m->slot[i] - 1, key, len))
            return i;
}

static void grow(struct wren_bmap *m)
{
    size_t nslot = m->nslot * 2;
    size_t *slot = wren_xcalloc(nslot, sizeof *slot);
    for (size_t e = 0; e < m->n; e++) {
        size_t i = hash_bytes(m->arena + m->koff[e], m->klen[e]) & (nslot - 1);
        while (slot[i]) i = (i + 1) & (nslot - 1);
        slot[i] = e + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->nslot = nslot;
}

long wren_bmap_get(const struct wren_bmap *m, const void *key, size_t len)
{
    size_t i = find_slot(m, key, len);
    return m->slot[i] ? m->val[m->slot[i] - 1] : -1;
}

long wren_bmap_put(struct wren_bmap *m, const void *key, size_t len, long value)
{
    size_t i = find_slot(m, key, len);
    if (m->slot[i]) return m->val[m->slot[i] - 1];
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
    m->slot[i] = ++m->n;
    if (2 * m->n > m->nslot) grow(m);
    return value;
}

size_t wren_bmap_size(const struct wren_bmap *m)
{
    return m->n;
}
