/* sysmem.c — the memory this process may still take (see sysmem.h). */
#include "utils/sysmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first line of root+path as a number of bytes; 0 if the file is missing or does not start
 * with a number ("max": no limit). */
static uint64_t read_number(const char *root, const char *path)
{
    char p[4096];
    snprintf(p, sizeof p, "%s%s", root, path);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    char line[128];
    uint64_t v = 0;
    if (fgets(line, sizeof line, f)) {
        char *end;
        unsigned long long x = strtoull(line, &end, 10);
        if (end != line && x > 0) v = (uint64_t)x;
    }
    fclose(f);
    return v;
}

/* MemAvailable of root/proc/meminfo in bytes, 0 if absent. */
static uint64_t meminfo_available(const char *root)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/proc/meminfo", root);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    char line[256];
    uint64_t v = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1 && kb < UINT64_MAX / 1024) {
            v = (uint64_t)kb * 1024;
            break;
        }
    }
    fclose(f);
    return v;
}

/* The room under a cgroup's limit, from the files limit and usage of folder dir (under root);
 * 0 if no limit is readable. An exhausted cgroup counts as 1 byte of room, so that it is not
 * taken for an unknown one. */
static uint64_t cgroup_room(const char *root, const char *dir, const char *limit, const char *usage)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, limit);
    uint64_t lim = read_number(root, p);
    /* cgroup v1 writes "no limit" as a huge page-aligned number */
    if (!lim || lim >= (UINT64_C(1) << 62)) return 0;
    snprintf(p, sizeof p, "%s/%s", dir, usage);
    uint64_t used = read_number(root, p);
    return used < lim ? lim - used : 1;
}

/* The room under the cgroup of hierarchy base (v2: controller NULL) that root/proc/self/cgroup
 * names: its own folder if it exists under base, else base itself (a container's view). */
static uint64_t own_cgroup_room(const char *root, const char *base, const char *controller,
                                const char *limit, const char *usage)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/proc/self/cgroup", root);
    FILE *f = fopen(p, "r");
    char line[4096], dir[4096 + 64];
    uint64_t room = 0;
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        /* "id:controllers:path"; v2 is "0::path" */
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = '\0';
        const char *ctl = c1 + 1, *path = c2 + 1;
        int match = controller ? strstr(ctl, controller) != NULL : *ctl == '\0';
        if (!match) continue;
        found = 1;
        snprintf(dir, sizeof dir, "%s%s", base, strcmp(path, "/") ? path : "");
        room = cgroup_room(root, dir, limit, usage);
    }
    if (f) fclose(f);
    if (!room) room = cgroup_room(root, base, limit, usage);
    return room;
}

uint64_t wren_mem_available(const char *root)
{
    if (!root) root = "";
    uint64_t best = meminfo_available(root);
    uint64_t v2 = own_cgroup_room(root, "/sys/fs/cgroup", NULL, "memory.max", "memory.current");
    uint64_t v1 = own_cgroup_room(root, "/sys/fs/cgroup/memory", "memory", "memory.limit_in_bytes",
                                  "memory.usage_in_bytes");
    if (v2 && (!best || v2 < best)) best = v2;
    if (v1 && (!best || v1 < best)) best = v1;
    return best;
}
