/* lexicon.c — reading CMUdict-format pronunciation lexicons (see lexicon.h): words, their
 * alternate pronunciations and phone names, with the line each pronunciation came from.
 * Not for: word positions, disambiguation symbols or FSTs (graph-l.c). */
#include "graph/lexicon.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"
#include "graph/graph-internal.h"
#include "utils/io.h"

struct lex_pron {
    long word;       /* word index */
    long phones;     /* offset into phone_ids */
    int nphones;
    long line;
};

struct wren_lexicon {
    char *path;
    char **words;                /* word spellings */
    long n_words, cap_words;
    long *word_first;            /* after sorting: first pron of each word */
    int *word_nprons;
    struct lex_pron *prons;
    long n_prons, cap_prons;
    int *phone_ids;
    long n_phone_ids, cap_phone_ids;
    char **phone_names;
    int n_phone_names, cap_phone_names;
    struct wren_bytemap *word_index, *phone_index;
};

void wren_lexicon_free(struct wren_lexicon *lex)
{
    if (!lex) return;
    for (long i = 0; i < lex->n_words; i++) free(lex->words[i]);
    for (int i = 0; i < lex->n_phone_names; i++) free(lex->phone_names[i]);
    free(lex->words);
    free(lex->word_first);
    free(lex->word_nprons);
    free(lex->prons);
    free(lex->phone_ids);
    free(lex->phone_names);
    wren_bytemap_free(lex->word_index);
    wren_bytemap_free(lex->phone_index);
    free(lex->path);
    free(lex);
}

static long intern_word(struct wren_lexicon *lex, const char *w)
{
    long id = wren_bytemap_get(lex->word_index, w, strlen(w), -1);
    if (id >= 0) return id;
    if (lex->n_words == lex->cap_words) {
        lex->cap_words = lex->cap_words ? 2 * lex->cap_words : 1024;
        lex->words = wren_xrealloc(lex->words, (size_t)lex->cap_words * sizeof *lex->words);
    }
    lex->words[lex->n_words] = wren_xstrdup(w);
    return wren_bytemap_put(lex->word_index, w, strlen(w), lex->n_words++);
}

static int intern_phone(struct wren_lexicon *lex, const char *p)
{
    long id = wren_bytemap_get(lex->phone_index, p, strlen(p), -1);
    if (id >= 0) return (int)id;
    if (lex->n_phone_names == lex->cap_phone_names) {
        lex->cap_phone_names = lex->cap_phone_names ? 2 * lex->cap_phone_names : 64;
        lex->phone_names = wren_xrealloc(lex->phone_names,
                                         (size_t)lex->cap_phone_names * sizeof(char *));
    }
    lex->phone_names[lex->n_phone_names] = wren_xstrdup(p);
    return (int)wren_bytemap_put(lex->phone_index, p, strlen(p), lex->n_phone_names++);
}

static void push_phone(struct wren_lexicon *lex, int id)
{
    if (lex->n_phone_ids == lex->cap_phone_ids) {
        lex->cap_phone_ids = lex->cap_phone_ids ? 2 * lex->cap_phone_ids : 4096;
        lex->phone_ids = wren_xrealloc(lex->phone_ids,
                                       (size_t)lex->cap_phone_ids * sizeof(int));
    }
    lex->phone_ids[lex->n_phone_ids++] = id;
}

/* Strip an alternate marker "word(2)" -> "word"; -1 if the marker is malformed. */
static int strip_alternate(char *w)
{
    size_t n = strlen(w);
    if (n < 3 || w[n - 1] != ')') return 0;
    char *open = strrchr(w, '(');
    if (!open || open == w) return 0;
    for (char *p = open + 1; p < w + n - 1; p++)
        if (!isdigit((unsigned char)*p)) return 0;   /* not an alternate: a word with ( ) */
    if (open + 1 == w + n - 1) return -1;
    *open = 0;
    return 0;
}

static int valid_phone(const char *p)
{
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '_' && *p != '-') return 0;
    return 1;
}

static int parse_line(struct wren_lexicon *lex, char *buf, long line)
{
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *word = strtok(buf, " \t\r\n");
    if (!word || strncmp(word, ";;;", 3) == 0) return 0;
    if (strip_alternate(word) < 0)
        return wren_error("%s:%ld: malformed alternate marker in '%s'", lex->path, line, word);
    if (lex->n_prons == lex->cap_prons) {
        lex->cap_prons = lex->cap_prons ? 2 * lex->cap_prons : 1024;
        lex->prons = wren_xrealloc(lex->prons, (size_t)lex->cap_prons * sizeof *lex->prons);
    }
    struct lex_pron *p = &lex->prons[lex->n_prons];
    p->word = intern_word(lex, word);
    p->phones = lex->n_phone_ids;
    p->nphones = 0;
    p->line = line;
    for (char *ph = strtok(NULL, " \t\r\n"); ph; ph = strtok(NULL, " \t\r\n")) {
        if (!valid_phone(ph))
            return wren_error("%s:%ld: bad phone '%s' for word '%s'", lex->path, line, ph, word);
        push_phone(lex, intern_phone(lex, ph));
        p->nphones++;
    }
    if (p->nphones == 0)
        return wren_error("%s:%ld: word '%s' has no phones", lex->path, line, word);
    lex->n_prons++;
    return 0;
}

static int cmp_pron(const void *a, const void *b)
{
    const struct lex_pron *x = a, *y = b;
    if (x->word != y->word) return x->word < y->word ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static void index_words(struct wren_lexicon *lex)
{
    qsort(lex->prons, (size_t)lex->n_prons, sizeof *lex->prons, cmp_pron);
    lex->word_first = wren_xcalloc((size_t)lex->n_words + 1, sizeof(long));
    lex->word_nprons = wren_xcalloc((size_t)lex->n_words + 1, sizeof(int));
    for (long i = lex->n_prons - 1; i >= 0; i--) {
        lex->word_first[lex->prons[i].word] = i;
        lex->word_nprons[lex->prons[i].word]++;
    }
}

int wren_lexicon_read(const char *path, struct wren_lexicon **out)
{
    *out = NULL;
    struct wren_input in;
    if (wren_input_open(&in, path) < 0) return -1;
    struct wren_lexicon *lex = wren_xcalloc(1, sizeof *lex);
    lex->path = wren_xstrdup(path);
    lex->word_index = wren_bytemap_new();
    lex->phone_index = wren_bytemap_new();
    char *buf = NULL;
    size_t cap = 0;
    long line = 0;
    int rc = 0;
    ssize_t len;
    while ((len = getline(&buf, &cap, in.f)) >= 0) {
        line++;
        if (memchr(buf, 0, (size_t)len)) {
            rc = wren_error("%s:%ld: NUL byte (binary file?)", path, line);
            break;
        }
        if ((rc = parse_line(lex, buf, line)) < 0) break;
    }
    free(buf);
    if (wren_input_close(&in) < 0 && rc == 0) rc = -1;
    if (rc == 0 && lex->n_prons == 0) rc = wren_error("%s: no pronunciations", path);
    if (rc < 0) {
        wren_lexicon_free(lex);
        return -1;
    }
    index_words(lex);
    *out = lex;
    return 0;
}

long wren_lexicon_n_words(const struct wren_lexicon *lex) { return lex->n_words; }
long wren_lexicon_n_prons(const struct wren_lexicon *lex) { return lex->n_prons; }
const char *wren_lexicon_path(const struct wren_lexicon *lex) { return lex->path; }
int wren_lexicon_n_phones(const struct wren_lexicon *lex) { return lex->n_phone_names; }

const char *wren_lexicon_phone_name(const struct wren_lexicon *lex, int id)
{
    return id >= 0 && id < lex->n_phone_names ? lex->phone_names[id] : NULL;
}

int wren_lexicon_find(const struct wren_lexicon *lex, const char *word, long *first, int *n)
{
    long id = wren_bytemap_get(lex->word_index, word, strlen(word), -1);
    if (id < 0) {
        *first = -1;
        *n = 0;
        return -1;
    }
    *first = lex->word_first[id];
    *n = lex->word_nprons[id];
    return 0;
}

const int *wren_lexicon_pron(const struct wren_lexicon *lex, long i, int *nphones, long *line)
{
    const struct lex_pron *p = &lex->prons[i];
    *nphones = p->nphones;
    if (line) *line = p->line;
    return lex->phone_ids + p->phones;
}
