/* sysmem.h — how much memory this process may still take, for sizing its parallel workers
 * (`wren decode --nj`'s default). Not for: measuring memory use (bench/ scripts, /usr/bin/time). */
#ifndef WREN_SYSMEM_H
#define WREN_SYSMEM_H
#include <stdint.h>

/* Bytes the process may still take: the least of /proc/meminfo's MemAvailable and the room
 * left under its memory cgroup's limit (cgroup v2: memory.max - memory.current; v1:
 * memory.limit_in_bytes - memory.usage_in_bytes), the cgroup found from /proc/self/cgroup (its
 * own folder, else the hierarchy's root, as a container sees it). root prefixes every path ("" for
 * the running system; tests point it at a fake tree). 0 if none of these could be read. */
uint64_t wren_mem_available(const char *root);

#endif
