/* graph-flat.c — the graph directory's flat files: HCLG.wgraph (the graph as arrays that a
 * decoder can mmap, layout in graph.h) and transitions.txt. Not for: building graphs. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utils/error.h"
#include "graph/graph.h"
#include "utils/io.h"

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

static int write_padding(FILE *f, uint64_t *pos, uint64_t to)
{
    static const char zero[8];
    if (to > *pos && fwrite(zero, 1, (size_t)(to - *pos), f) != (size_t)(to - *pos)) return -1;
    *pos = to;
    return 0;
}

int wren_graph_write_flat(const struct wren_fst *f, const char *path)
{
    uint32_t ns = (uint32_t)wren_fst_num_states(f);
    uint64_t na = wren_fst_total_arcs(f);
    struct wren_graph_file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, WREN_GRAPH_MAGIC, 8);
    h.version = WREN_GRAPH_VERSION;
    h.start = wren_fst_start(f);
    h.num_states = ns;
    h.num_arcs = na;
    h.final_offset = align8(sizeof h);
    h.arc_start_offset = align8(h.final_offset + (uint64_t)ns * sizeof(float));
    h.arcs_offset = align8(h.arc_start_offset + ((uint64_t)ns + 1) * sizeof(uint64_t));
    h.file_size = h.arcs_offset + na * sizeof(struct wren_arc);
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "wb") < 0) return -1;
    uint64_t pos = sizeof h;
    int bad = fwrite(&h, sizeof h, 1, a.f) != 1;
    bad |= write_padding(a.f, &pos, h.final_offset) < 0;
    for (uint32_t s = 0; s < ns && !bad; s++) {
        float c = wren_fst_final(f, (int)s);
        bad |= fwrite(&c, sizeof c, 1, a.f) != 1;
    }
    pos += (uint64_t)ns * sizeof(float);
    bad |= write_padding(a.f, &pos, h.arc_start_offset) < 0;
    uint64_t off = 0;
    for (uint32_t s = 0; s <= ns && !bad; s++) {
        bad |= fwrite(&off, sizeof off, 1, a.f) != 1;
        if (s < ns) off += wren_fst_num_arcs(f, (int)s);
    }
    pos += ((uint64_t)ns + 1) * sizeof(uint64_t);
    bad |= write_padding(a.f, &pos, h.arcs_offset) < 0;
    for (uint32_t s = 0; s < ns && !bad; s++) {
        const struct wren_arc *arcs;
        size_t n;
        wren_fst_arcs(f, (int)s, &arcs, &n);
        if (n) bad |= fwrite(arcs, sizeof *arcs, n, a.f) != n;
    }
    if (bad) {
        wren_atomic_abort(&a);
        return wren_error("%s: write error: %s", path, strerror(errno));
    }
    return wren_atomic_commit(&a);
}

int wren_graph_map_flat(const char *path, struct wren_graph_flat *g)
{
    memset(g, 0, sizeof *g);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return wren_error("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(struct wren_graph_file_header)) {
        close(fd);
        return wren_error("%s: too short for a Wren graph", path);
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return wren_error("%s: mmap: %s", path, strerror(errno));
    const struct wren_graph_file_header *h = m;
    const char *why = NULL;
    uint64_t size = (uint64_t)st.st_size;
    if (memcmp(h->magic, WREN_GRAPH_MAGIC, 8)) why = "not a Wren graph (bad magic)";
    else if (h->version != WREN_GRAPH_VERSION) why = "unsupported version";
    else if (h->file_size != size) why = "truncated or wrong size";
    else if (h->final_offset % 8 || h->arc_start_offset % 8 || h->arcs_offset % 8) why = "misaligned";
    else if (h->final_offset + (uint64_t)h->num_states * 4 > size ||
             h->arc_start_offset + ((uint64_t)h->num_states + 1) * 8 > size ||
             h->arcs_offset + h->num_arcs * sizeof(struct wren_arc) > size)
        why = "sections out of range";
    else if (h->start >= (int32_t)h->num_states || h->start < -1) why = "bad start state";
    if (!why) {
        const uint64_t *as = (const uint64_t *)((const char *)m + h->arc_start_offset);
        if (as[h->num_states] != h->num_arcs) why = "arc index does not match the arc count";
        for (uint32_t s = 0; !why && s < h->num_states; s++)
            if (as[s] > as[s + 1]) why = "arc index not increasing";
    }
    if (why) {
        munmap(m, (size_t)st.st_size);
        return wren_error("%s: %s", path, why);
    }
    g->start = h->start;
    g->num_states = h->num_states;
    g->num_arcs = h->num_arcs;
    g->final_cost = (const float *)((const char *)m + h->final_offset);
    g->arc_start = (const uint64_t *)((const char *)m + h->arc_start_offset);
    g->arcs = (const struct wren_arc *)((const char *)m + h->arcs_offset);
    g->map = m;
    g->map_size = (size_t)st.st_size;
    return 0;
}

void wren_graph_unmap_flat(struct wren_graph_flat *g)
{
    if (g->map) munmap(g->map, g->map_size);
    memset(g, 0, sizeof *g);
}

int wren_graph_read_transitions(const char *path, struct wren_transition **t, int *n)
{
    *t = NULL;
    *n = 0;
    struct wren_input in;
    if (wren_input_open(&in, path) < 0) return -1;
    char buf[256];
    long line = 0;
    int cap = 0, rc = 0;
    struct wren_transition *v = NULL;
    while (fgets(buf, sizeof buf, in.f)) {
        line++;
        int tid, sen, ph, st, sl;
        char extra;
        if (sscanf(buf, "%d %d %d %d %d %c", &tid, &sen, &ph, &st, &sl, &extra) != 5 ||
            tid != *n + 1 || sen < 0 || ph < 0 || st < 0 || (sl != 0 && sl != 1)) {
            rc = wren_error("%s:%ld: expected 'tid senone phone hmm_state is_selfloop' with tid %d",
                            path, line, *n + 1);
            break;
        }
        if (tid >= cap) {
            cap = 2 * cap + 64;
            v = wren_xrealloc(v, (size_t)cap * sizeof *v);
        }
        v[tid] = (struct wren_transition){ sen, ph, st, sl };
        *n = tid;
    }
    if (wren_input_close(&in) < 0 && rc == 0) rc = -1;
    if (rc < 0) {
        free(v);
        *n = 0;
        return -1;
    }
    if (!v) v = wren_xcalloc(1, sizeof *v);
    *t = v;
    return 0;
}
