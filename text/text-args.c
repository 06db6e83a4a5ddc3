/* text-args.c — repeatable options of the text-preparation commands (see text-args.h). */
#include "text/text-args.h"

#include "utils/wren-util.h"

#include <stdlib.h>
#include <string.h>

char **wren_text_take_repeated(int *argc, char **argv, const char *name, int *n)
{
    char **vals = wren_xcalloc((size_t)*argc + 1, sizeof *vals);
    size_t len = strlen(name);
    int out = 1, k = 0;
    for (int i = 1; i < *argc; i++) {
        char *a = argv[i];
        if (!strcmp(a, "--")) { while (i < *argc) argv[out++] = argv[i++]; break; }
        const char *p = a[0] == '-' ? (a[1] == '-' ? a + 2 : a + 1) : NULL;
        if (p && !strncmp(p, name, len) && (p[len] == '\0' || p[len] == '=')) {
            if (p[len] == '=') { vals[k++] = (char *)p + len + 1; continue; }
            if (i + 1 >= *argc) { free(vals); wren_error("option --%s needs a value", name); return NULL; }
            vals[k++] = argv[++i];
            continue;
        }
        argv[out++] = a;
    }
    argv[out] = NULL;
    *argc = out;
    *n = k;
    return vals;
}
