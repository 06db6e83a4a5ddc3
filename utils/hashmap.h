/* hashmap.h — the toolkit's hash tables, all open addressing with linear probing in a
 * power-of-two table kept at most half full, and the hash functions their users share:
 *   struct wren_hashmap  an index of a caller's entries (words, n-grams, histories, subsets...)
 *                        by their keys: the entries keep their keys, the table holds 4-byte
 *                        entry ids, and the caller gives each key's hash and an equality test.
 *                        Lookups are inline so that the test is inlined into the probe loop
 *                        (n-gram lookups and lattice determinisation are hot paths).
 *   struct wren_bytemap  keys of any bytes (strings, id tuples), copied into the map, each with
 *                        an int64 value.
 *   struct wren_u64map   fixed-size integer keys (any uint64) with int64 values, kept in the table.
 *   struct wren_tuples   fixed-length tuples of int32 (word histories), interned: each distinct
 *                        tuple gets the next id.
 * Iteration order is never exposed: no output may depend on where a key lands.
 * Not for: ordered maps or sets (sort an array), priority queues (heap.h). */
#ifndef WREN_HASHMAP_H
#define WREN_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/* ---- hash functions ---- */

/* A 64-bit finaliser (MurmurHash3's): every input bit moves every output bit, so a table can
 * take the low bits. */
static inline uint64_t wren_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Bytes: FNV-1a, then the finaliser (FNV's low bits alone cluster on short keys). */
uint64_t wren_hash_bytes(const void *p, size_t len);
/* A NUL-terminated string: the same value as wren_hash_bytes(s, strlen(s)), in one pass. */
uint64_t wren_hash_str(const char *s);

/* A sequence of 32-bit ids (n-grams, histories): one multiply-xorshift step per id. */
static inline uint64_t wren_hash_i32s(const int32_t *w, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)w[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

/* ---- wren_hashmap: entry ids by the keys the caller keeps ----
 * Typical use, interning keys into an array `e` of n entries:
 *     wren_hashmap_reserve(&m, n + 1, hash_of_entry, e);
 *     size_t at = wren_hashmap_probe(&m, hash(key), key, entry_equals_key, e);
 *     if (wren_hashmap_id_at(&m, at) >= 0) return wren_hashmap_id_at(&m, at);
 *     append key to e as entry n; wren_hashmap_put_at(&m, at, n); return n++;
 * The hash a caller gives for a key must be the one hash_of gives for the entry holding it. */
struct wren_hashmap {
    uint32_t *slot;   /* entry id + 1; 0 = empty */
    size_t mask;      /* number of slots - 1 */
    size_t n;         /* ids in the table */
};

/* The hash of entry id's key (for moving ids when the table grows or loses an entry). */
typedef uint64_t (*wren_hashmap_hash_fn)(const void *ctx, uint32_t id);
/* Whether entry id's key equals key. */
typedef int (*wren_hashmap_eq_fn)(const void *ctx, uint32_t id, const void *key);

/* An empty index with room for `expected` ids before it first grows. */
void wren_hashmap_init(struct wren_hashmap *m, size_t expected);
void wren_hashmap_free(struct wren_hashmap *m);
/* Room for n ids in all (at most half the slots used); a growing table rehashes its ids. */
void wren_hashmap_reserve(struct wren_hashmap *m, size_t n, wren_hashmap_hash_fn hash_of, const void *ctx);

/* The slot holding key, or the empty slot where it would go (valid until the table changes). */
static inline size_t wren_hashmap_probe(const struct wren_hashmap *m, uint64_t hash, const void *key,
                                        wren_hashmap_eq_fn eq, const void *ctx)
{
    size_t i = (size_t)hash & m->mask;
    while (m->slot[i] && !eq(ctx, m->slot[i] - 1, key)) i = (i + 1) & m->mask;
    return i;
}

/* The id in slot `at`, or -1 if it is empty. */
static inline int64_t wren_hashmap_id_at(const struct wren_hashmap *m, size_t at)
{
    return (int64_t)m->slot[at] - 1;
}

/* The id of key, or -1. */
static inline int64_t wren_hashmap_find(const struct wren_hashmap *m, uint64_t hash, const void *key,
                                        wren_hashmap_eq_fn eq, const void *ctx)
{
    return wren_hashmap_id_at(m, wren_hashmap_probe(m, hash, key, eq, ctx));
}

/* Store id (< UINT32_MAX) in the empty slot `at` that a probe returned; reserve room first. */
static inline void wren_hashmap_put_at(struct wren_hashmap *m, size_t at, uint32_t id)
{
    m->slot[at] = id + 1;
    m->n++;
}

/* Take the id out of the occupied slot `at`; later ids of its probe run move up. */
void wren_hashmap_remove_at(struct wren_hashmap *m, size_t at, wren_hashmap_hash_fn hash_of, const void *ctx);

/* ---- wren_bytemap: byte-string keys, copied, to int64 values ---- */
struct wren_bytemap;
struct wren_bytemap *wren_bytemap_new(void);
void wren_bytemap_free(struct wren_bytemap *m);
/* The value of key, or `absent`. */
int64_t wren_bytemap_get(const struct wren_bytemap *m, const void *key, size_t len, int64_t absent);
/* Insert key -> value if key is absent; returns the value now stored (the old one if present). */
int64_t wren_bytemap_put(struct wren_bytemap *m, const void *key, size_t len, int64_t value);
size_t wren_bytemap_size(const struct wren_bytemap *m);

/* ---- wren_u64map: uint64 keys to int64 values ---- */
struct wren_u64map {
    struct wren_u64map_slot { uint64_t key; int64_t val; } *slot;
    size_t mask, n;            /* n counts the keys in slot (not the spare key) */
    int has_spare;             /* the key that marks empty slots (WREN_U64MAP_EMPTY) is kept */
    int64_t spare_val;         /* here instead */
};
#define WREN_U64MAP_EMPTY UINT64_MAX

void wren_u64map_init(struct wren_u64map *m, size_t expected);
void wren_u64map_free(struct wren_u64map *m);
/* The value of key, or NULL (valid until the map changes). */
const int64_t *wren_u64map_get(const struct wren_u64map *m, uint64_t key);
/* The value of key, inserted as 0 if absent (*is_new tells; may be NULL); valid until the map
 * changes. */
int64_t *wren_u64map_put(struct wren_u64map *m, uint64_t key, int *is_new);
/* Remove key; returns whether it was there. */
int wren_u64map_remove(struct wren_u64map *m, uint64_t key);
size_t wren_u64map_size(const struct wren_u64map *m);

/* ---- wren_tuples: interned int32 tuples of one length ---- */
struct wren_tuples {
    size_t len;                /* int32s per tuple */
    int32_t *t;                /* n tuples, by id */
    size_t n, cap;
    struct wren_hashmap index;
};

void wren_tuples_init(struct wren_tuples *s, size_t len);
void wren_tuples_free(struct wren_tuples *s);
/* The id of tuple (len int32s), a new one (the count so far) if it was not there yet. */
uint32_t wren_tuples_intern(struct wren_tuples *s, const int32_t *tuple);
/* The tuple with this id (valid until the next new tuple moves the array). */
static inline const int32_t *wren_tuples_get(const struct wren_tuples *s, uint32_t id)
{
    return s->t + (size_t)id * s->len;
}

#endif
