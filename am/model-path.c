/* model-path.c — the model folder and lexicon a command uses by default (model-path.h). */
#include "am/model-path.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"
#include "utils/io.h"
#include "utils/log.h"
#include "utils/table.h"
#include "utils/wren-util.h"

static int is_model_dir(const char *dir)
{
    char *m = wren_path_join(dir, "mdef");
    int ok = wren_path_exists(m);
    free(m);
    return ok;
}

/* GRAPH_DIR/model.txt's folder as a new string in *out, NULL when the file is absent. */
static int recorded_model(const char *graph_dir, char **out)
{
    *out = NULL;
    char *p = wren_path_join(graph_dir, "model.txt");
    if (!wren_path_exists(p)) { free(p); return 0; }
    char *data;
    size_t len;
    if (wren_read_all(p, &data, &len)) { free(p); return -1; }
    char *dir = wren_strtrim(data);
    int rc = 0;
    if (!*dir || strchr(dir, '\n'))
        rc = wren_error("%s: expected one line, the model folder the graph was built with", p);
    else if (!is_model_dir(dir))
        rc = wren_error("%s: the graph's model folder %s has no mdef (moved? give --model)", p, dir);
    else
        *out = wren_xstrdup(dir);
    free(data);
    free(p);
    return rc;
}

int wren_model_dir_resolve(const char *given, const char *graph_dir, char **out)
{
    *out = NULL;
    char *rec = NULL;
    if (graph_dir && recorded_model(graph_dir, &rec)) {
        if (!given) return -1;
        wren_error_clear();   /* --model was given: the record only serves the warning below */
    }
    if (given) {
        if (rec && !wren_path_same(given, rec))
            wren_warn("%s was built with the model %s (its model.txt), not --model %s", graph_dir, rec, given);
        free(rec);
        *out = wren_xstrdup(given);
        return 0;
    }
    if (rec) { *out = rec; return 0; }
    if (wren_model_default()) { *out = wren_xstrdup(wren_model_default()); return 0; }
    return wren_error("--model MODEL_DIR is required (%s%s and %s is not installed: apt-get install pocketsphinx-en-us)",
                      graph_dir ? graph_dir : "", graph_dir ? " records no model" : "no graph records a model",
                      WREN_DEBIAN_MODEL_DIR);
}

const char *wren_model_default(void)
{
    return is_model_dir(WREN_DEBIAN_MODEL_DIR) ? WREN_DEBIAN_MODEL_DIR : NULL;
}

const char *wren_dict_default(void)
{
    return wren_path_exists(WREN_DEBIAN_DICT) ? WREN_DEBIAN_DICT : NULL;
}

int wren_graph_model_record(const char *graph_dir, const char *model_dir)
{
    char abs[PATH_MAX];
    if (!realpath(model_dir, abs)) return wren_error("%s: cannot resolve the model folder's path", model_dir);
    char *p = wren_path_join(graph_dir, "model.txt");
    struct wren_atomic a;
    int rc = wren_atomic_open(&a, p, "w");
    if (!rc) {
        fprintf(a.f, "%s\n", abs);
        rc = wren_atomic_commit(&a);
    }
    free(p);
    return rc;
}
