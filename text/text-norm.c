/* text-norm.c — English text normalisation for LM training text and transcripts (text-norm.h).
 * Not for: other languages, NNLM sub-word tokenisation, or corpus-specific clean-up (e.g. Bible
 * verse numbers), which belongs in a recipe's local/ scripts.
 *
 * The rules, applied in this order to each unit (a line, a paragraph with --paragraphs, or the
 * text after the utterance id with --ids):
 *  1. Characters. HTML entities (&lt; &gt; &amp; &quot; &#39; &nbsp; &deg;) are decoded, and
 *     UTF-8 is folded to ASCII: curly quotes to ' and ", en dash to -, em dash to
 *     " -- ", ellipsis to "...", Latin-1 letters to their base letter (é→e, ß→ss, æ→ae), £ and €
 *     kept as currency signs, any other character to a space. Brown's `` and '' are quotes.
 *  2. Tokens are the white-space separated pieces; "--" separates tokens. A unit's first token
 *     that is a list label ("6." "12)" "(a)") is dropped. Markup tokens <...>
 *     (<s>, </s>, <sil>) are dropped, except the unk token, which is kept as it is.
 *  3. Sentences (one a line, unless --ids or split is off) end at a token ending in ? or !
 *     (before closing quotes/brackets), or in "." except: titles that precede a name (Mr. Mrs.
 *     Ms. Dr. St. Prof. Rev. Gen. Gov. Sen. Rep. Capt. Col. Lt. Sgt. Mt. Ft. Hon. Messrs.),
 *     No. Vol. Fig. pp. vs. e.g. i.e. cf. viz. approx., single-letter initials (J. Smith); other
 *     abbreviations (etc. Inc. Co. Corp. Ltd. Jr. Sr. Bros. months) and "..." end a sentence only
 *     if the next token starts with a capital; dotted initialisms (U.S.) only if the next token
 *     is a capitalised common sentence opener (The, He, It, But, ...). The end of a unit ends a
 *     sentence.
 *  4. Each token: leading "([{<*_#~ and quotes and trailing ")]}>,;:!?*_~. and quotes are removed.
 *     A leading apostrophe is kept only for words in the vocabulary (or, without one: 'em 'tis
 *     'twas 'til 'cause 'bout 'round); a trailing one only if the vocabulary has the word with it
 *     (boys'). Apostrophes inside words stay (don't, o'clock, jones's).
 *  5. Abbreviations are expanded: Mr→mister, Mrs→missus, etc→et cetera (with or without the
 *     dot, any case; Ms stays ms, as CMUdict has it), Dr.→doctor (also "Dr", not "DR", before a
 *     capitalised word), St.→saint before a capitalised word else street, Jr.→junior, Sr.→senior,
 *     Prof.→professor, Rev.→reverend, Gen.→general, Gov.→governor, Sen.→senator,
 *     Rep.→representative, Capt.→captain, Col.→colonel, Lt.→lieutenant, Sgt.→sergeant,
 *     Mt.→mount, Ft.→fort, vs.→versus, e.g.→for example, i.e.→that is,
 *     No.→number (before a digit), Inc.→incorporated, Co.→company, Corp.→corporation,
 *     Ltd.→limited, Bros.→brothers, months (Jan.→january ...). After a number, newswire units:
 *     mln→million, bln→billion, dlrs→dollars, dlr→dollar, cts→cents, pct→percent.
 *  6. Numbers: cardinals without "and" (123 → one hundred twenty three; 1,000,000 → one
 *     million); a leading zero or more than 15 digits → digit by digit; decimals (3.14 → three
 *     point one four, .5 → point five); ordinals (1st, 2nd, 21st → first, second, twenty first);
 *     years: a plain four-digit number from 1000 to 2099 (1984 → nineteen eighty four, 1905 →
 *     nineteen oh five, 1900 → nineteen hundred, 2000..2009 → two thousand five, 2010 → twenty
 *     ten); decades (1980s, 80s, '80s → nineteen eighties, eighties); currency ($5.50 → five
 *     dollars fifty cents, $1 → one dollar, $0.25 → twenty five cents, $2.8 million → two point
 *     eight million dollars, £ pounds/pence, € euros/cents); percentages (5% → five percent);
 *     times (10:30 → ten thirty, 5:00 → five o'clock, 9:05 → nine oh five); simple ranges
 *     (1990-1995 → nineteen ninety to nineteen ninety five, $5-10 → five to ten dollars); small
 *     fractions (1/2 → one half, 3/4 → three quarters, 2/3 → two thirds); negative numbers
 *     (-5 → minus five); #5 → number five. Other mixes of letters and digits are split into
 *     letter and digit runs (B12 → b twelve).
 *  7. Dotted initialisms become letters (U.S. → u s, a.m. → a m); & → and, % → percent,
 *     @ → at, + → plus; / separates words.
 *  8. Hyphens: a hyphenated word stays whole if the vocabulary has it (x-ray, re-entered), and is
 *     otherwise split into its parts (wolf-dog → wolf dog when not in the vocabulary).
 *  9. Any other character that is not a letter, digit or inner apostrophe separates words.
 * 10. Case is folded (lower by default, CMUdict's convention), then with a vocabulary (folded to
 *     the same case) every word not in it becomes the unk token.
 */
#include "text/text-norm.h"

#include "text/vocab.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POUND '\x01'   /* internal currency signs after UTF-8 folding */
#define EURO '\x02'

struct wren_textnorm {
    struct wren_textnorm_opts o;
    struct wren_vocab *vocab;
    int upper;
    long unks;
    struct wren_tn_buf tmp, num;   /* scratch */
};

void wren_textnorm_opts_default(struct wren_textnorm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->unk = "<unk>";
    o->casing = "lower";
    o->split = 1;
}

int wren_textnorm_opts_table(struct wren_textnorm_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "vocab", WREN_OPT_STRING, &o->vocab, "word list or CMUdict lexicon: map other words to --unk, keep its hyphenated words" },
        { "unk", WREN_OPT_STRING, &o->unk, "unknown-word token (with --vocab)" },
        { "case", WREN_OPT_STRING, &o->casing, "lower or upper" },
        { "paragraphs", WREN_OPT_BOOL, &o->paragraphs, "join consecutive non-blank lines before splitting sentences" },
        { "ids", WREN_OPT_BOOL, &o->ids, "Kaldi text: keep the first field (utterance id), one output line per input line" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_TEXTNORM_NOPTS + 1, "WREN_TEXTNORM_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

/* ---------------------------------------------------------------- buffers */

void wren_tn_buf_free(struct wren_tn_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static void buf_putn(struct wren_tn_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = wren_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void buf_puts(struct wren_tn_buf *b, const char *s) { buf_putn(b, s, strlen(s)); }
static void buf_putc(struct wren_tn_buf *b, char c) { buf_putn(b, &c, 1); }

/* Append a word to a space-separated list. */
static void buf_word(struct wren_tn_buf *b, const char *w)
{
    if (b->n && b->s[b->n - 1] != ' ') buf_putc(b, ' ');
    buf_puts(b, w);
}

/* ---------------------------------------------------------------- 1. characters */

/* Latin-1 supplement letters U+00C0..U+00FF folded to ASCII ("" drops the character). */
static const char *const latin1[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    "D", "N", "O", "O", "O", "O", "O", " ", "O", "U", "U", "U", "U", "Y", "TH", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "y",
};

static const char *fold_cp(unsigned cp)
{
    if (cp >= 0xC0 && cp <= 0xFF) return latin1[cp - 0xC0];
    switch (cp) {
    case 0x2018: case 0x2019: case 0x201B: case 0x02BC: case 0x2032: case 0x00B4: return "'";
    case 0x201C: case 0x201D: case 0x201E: case 0x00AB: case 0x00BB: case 0x2033: return "\"";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2212: return "-";
    case 0x2014: case 0x2015: return " -- ";
    case 0x2026: return "...";
    case 0x00A3: return "\x01";
    case 0x20AC: return "\x02";
    case 0x0152: return "OE";
    case 0x0153: return "oe";
    default: return " ";
    }
}

/* Decode one UTF-8 sequence at s; returns its length (1 for an invalid byte, cp = 0xFFFD). */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
    int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    if (n == 1) { *cp = 0xFFFD; return 1; }
    unsigned c = s[0] & (0x3F >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = 0xFFFD; return 1; }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return n;
}

/* HTML entities found in newswire text; returns the entity length (0: none) and its text. */
static size_t html_entity(const char *s, const char **text)
{
    static const char *const ent[][2] = { { "&lt;", "<" }, { "&gt;", ">" }, { "&amp;", "&" }, { "&quot;", "\"" },
        { "&apos;", "'" }, { "&#39;", "'" }, { "&nbsp;", " " }, { "&deg;", " degrees " } };
    for (size_t i = 0; i < sizeof ent / sizeof ent[0]; i++)
        if (!strncmp(s, ent[i][0], strlen(ent[i][0]))) { *text = ent[i][1]; return strlen(ent[i][0]); }
    return 0;
}

/* Append folded text; an apostrophe right after another is the double quote '' (whatever
 * each was before folding: ' ’ ` &apos;), as the raw '' is, so that folding is idempotent. */
static void fold_put(struct wren_tn_buf *out, const char *t)
{
    if (t[0] == '\'' && !t[1] && out->n && out->s[out->n - 1] == '\'') {
        out->n--;
        buf_puts(out, " \" ");
        return;
    }
    buf_puts(out, t);
}

static void fold_chars(const char *text, struct wren_tn_buf *out)
{
    out->n = 0;
    buf_putn(out, "", 0);
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        if (*s < 0x80) {
            const char *ent;
            size_t el = *s == '&' ? html_entity((const char *)s, &ent) : 0;
            if (el) { fold_put(out, ent); s += el; continue; }
            if ((s[0] == '`' && s[1] == '`') || (s[0] == '\'' && s[1] == '\'')) { buf_puts(out, " \" "); s += 2; }
            else if (s[0] == '-' && s[1] == '-') { buf_puts(out, " -- "); s += 2; while (*s == '-') s++; }
            else if (*s == '`' || *s == '\'') { fold_put(out, "'"); s++; }
            else if (*s < 0x20 || *s == 0x7F) { buf_putc(out, ' '); s++; }
            else buf_putc(out, (char)*s++);
            continue;
        }
        unsigned cp;
        s += utf8_next(s, &cp);
        fold_put(out, fold_cp(cp));
    }
}

/* ---------------------------------------------------------------- word output */

static int is_alpha(char c) { return isalpha((unsigned char)c); }
static int is_digit(char c) { return isdigit((unsigned char)c); }
static int is_upper(char c) { return isupper((unsigned char)c); }

/* Case-fold W into tn->tmp and return it. */
static const char *fold_case(struct wren_textnorm *tn, const char *w, size_t n)
{
    tn->tmp.n = 0;
    buf_putn(&tn->tmp, w, n);
    for (size_t i = 0; i < n; i++)
        tn->tmp.s[i] = (char)(tn->upper ? toupper((unsigned char)tn->tmp.s[i]) : tolower((unsigned char)tn->tmp.s[i]));
    return tn->tmp.s;
}

static int in_vocab(struct wren_textnorm *tn, const char *w, size_t n)
{
    if (!tn->vocab) return 0;
    const char *f = fold_case(tn, w, n);
    return wren_vocab_find(tn->vocab, f, n) >= 0;
}

/* Emit one final word (letters, digits, apostrophes, hyphens): case, then <unk>. */
static void emit(struct wren_textnorm *tn, struct wren_tn_buf *out, const char *w, size_t n)
{
    if (n == 0) return;
    const char *f = fold_case(tn, w, n);
    if (tn->vocab && wren_vocab_find(tn->vocab, f, n) < 0) { f = tn->o.unk; tn->unks++; }
    if (out->n && out->s[out->n - 1] != '\n' && out->s[out->n - 1] != ' ') buf_putc(out, ' ');
    buf_puts(out, f);
}

/* Emit a space-separated list of words (number readings, expansions). */
static void emit_list(struct wren_textnorm *tn, struct wren_tn_buf *out, const char *list)
{
    while (*list) {
        while (*list == ' ') list++;
        size_t n = 0;
        while (list[n] && list[n] != ' ') n++;
        emit(tn, out, list, n);
        list += n;
    }
}

/* ---------------------------------------------------------------- numbers */

static const char *const ones[] = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen" };
static const char *const tens[] = { "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety" };

static void say_below_1000(struct wren_tn_buf *b, unsigned n)
{
    if (n >= 100) { buf_word(b, ones[n / 100]); buf_word(b, "hundred"); n %= 100; if (!n) return; }
    if (n >= 20) { buf_word(b, tens[n / 10]); if (n % 10) buf_word(b, ones[n % 10]); }
    else buf_word(b, ones[n]);
}

/* Cardinal reading of n; from 10^15 on, the trillions are read as a number of their own
 * ("one thousand trillion"). */
static void say_int(struct wren_tn_buf *b, uint64_t n)
{
    static const char *const scale[] = { "trillion", "billion", "million", "thousand", "" };
    static const uint64_t div[] = { 1000000000000ULL, 1000000000ULL, 1000000ULL, 1000ULL, 1ULL };
    if (n == 0) { buf_word(b, "zero"); return; }
    for (int i = 0; i < 5; i++) {
        uint64_t part = n / div[i];
        n %= div[i];
        if (!part) continue;
        if (part >= 1000) say_int(b, part);   /* only the trillions can reach 1000 */
        else say_below_1000(b, (unsigned)part);
        if (*scale[i]) buf_word(b, scale[i]);
    }
}

static void say_digits(struct wren_tn_buf *b, const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) if (is_digit(d[i])) buf_word(b, ones[d[i] - '0']);
}

static void say_year(struct wren_tn_buf *b, unsigned y)
{
    if (y >= 2000 && y < 2010) { say_int(b, y); return; }
    unsigned hi = y / 100, lo = y % 100;
    say_below_1000(b, hi);
    if (lo == 0) buf_word(b, "hundred");
    else if (lo < 10) { buf_word(b, "oh"); buf_word(b, ones[lo]); }
    else say_below_1000(b, lo);
}

/* Start offset of the last word of b. */
static size_t last_word(const struct wren_tn_buf *b)
{
    size_t i = b->n;
    while (i > 0 && b->s[i - 1] != ' ') i--;
    return i;
}

static void replace_last(struct wren_tn_buf *b, const char *w)
{
    b->n = last_word(b);
    b->s[b->n] = '\0';
    buf_puts(b, w);
}

static void make_ordinal(struct wren_tn_buf *b)
{
    static const char *const irr[][2] = { { "one", "first" }, { "two", "second" }, { "three", "third" },
        { "five", "fifth" }, { "eight", "eighth" }, { "nine", "ninth" }, { "twelve", "twelfth" } };
    const char *w = b->s + last_word(b);
    for (size_t i = 0; i < sizeof irr / sizeof irr[0]; i++)
        if (!strcmp(w, irr[i][0])) { replace_last(b, irr[i][1]); return; }
    size_t n = strlen(w);
    if (n && w[n - 1] == 'y') { b->n--; buf_puts(b, "ieth"); }
    else buf_puts(b, "th");
}

static void make_plural(struct wren_tn_buf *b)
{
    const char *w = b->s + last_word(b);
    size_t n = strlen(w);
    if (n && w[n - 1] == 'y') { b->n--; buf_puts(b, "ies"); }
    else if (n && (w[n - 1] == 'x' || w[n - 1] == 's')) buf_puts(b, "es");
    else buf_puts(b, "s");
}

/* A parsed number: [sign][currency]int[.frac][suffix]. */
struct number {
    char cur;              /* '$', POUND, EURO or 0 */
    int neg;
    const char *ip; size_t ilen;   /* integer digits (commas removed into digits[]) */
    const char *fp; size_t flen;   /* fraction digits; has_point when a '.' was seen */
    int has_point, commas;
    char suffix[4];        /* "", "%", "st", "nd", "rd", "th", "s" */
    char digits[64];
};

/* Parse s[0..n) as a number; returns 0 if it is not one. */
static int parse_number(const char *s, size_t n, struct number *x)
{
    memset(x, 0, sizeof *x);
    size_t i = 0;
    if (i < n && s[i] == '-') { x->neg = 1; i++; }
    if (i < n && (s[i] == '$' || s[i] == POUND || s[i] == EURO)) x->cur = s[i++];
    if (!x->neg && i < n && s[i] == '-') { x->neg = 1; i++; }
    size_t nd = 0, start = i;
    int commas = 0, group = 0;
    while (i < n && (is_digit(s[i]) || (s[i] == ',' && i + 3 < n + 0 && i > start))) {
        if (s[i] == ',') {
            /* a thousands separator: exactly three digits follow */
            if (!(i + 3 < n + 1 && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
                  (i + 4 >= n || !is_digit(s[i + 4]))))
                return 0;
            if (!commas && group > 3) return 0;
            commas = 1;
            i++;
            continue;
        }
        if (nd + 1 >= sizeof x->digits) return 0;
        x->digits[nd++] = s[i++];
        group++;
    }
    x->ip = x->digits;
    x->ilen = nd;
    x->commas = commas;
    if (i < n && s[i] == '.' && i + 1 < n && is_digit(s[i + 1])) {
        x->has_point = 1;
        x->fp = s + ++i;
        while (i < n && is_digit(s[i])) { i++; x->flen++; }
    }
    if (nd == 0 && x->flen == 0) return 0;
    size_t rest = n - i;
    if (rest > 3) return 0;
    char suf[4] = "";
    for (size_t k = 0; k < rest; k++) suf[k] = (char)tolower((unsigned char)s[i + k]);
    suf[rest] = '\0';
    if (!strcmp(suf, "'s")) strcpy(suf, "s");
    if (rest && strcmp(suf, "%") && strcmp(suf, "st") && strcmp(suf, "nd") && strcmp(suf, "rd") &&
        strcmp(suf, "th") && strcmp(suf, "s"))
        return 0;
    if (suf[0] && suf[0] != '%' && (x->has_point || x->cur || nd == 0)) return 0;
    strcpy(x->suffix, suf);
    return 1;
}

static uint64_t int_value(const struct number *x)
{
    uint64_t v = 0;
    for (size_t i = 0; i < x->ilen; i++) {
        uint64_t d = (uint64_t)(x->ip[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;   /* saturate: no wrap to a small value */
        v = v * 10 + d;
    }
    return v;
}

static int is_year(const struct number *x)
{
    if (x->ilen != 4 || x->commas || x->has_point || x->cur || x->neg || x->ip[0] == '0') return 0;
    if (x->suffix[0] && strcmp(x->suffix, "s")) return 0;
    uint64_t v = int_value(x);
    return v >= 1000 && v <= 2099;
}

/* Integer part reading: cardinal, or digit by digit for a leading zero or > 15 digits. */
static void say_int_part(struct wren_tn_buf *b, const struct number *x)
{
    if (x->ilen > 15 || (x->ilen > 1 && x->ip[0] == '0')) say_digits(b, x->ip, x->ilen);
    else say_int(b, int_value(x));
}

static const char *const cur_names[3][4] = {
    /* sign, singular, plural, cent singular/plural in the next table */
    { "$", "dollar", "dollars", "" }, { "\x01", "pound", "pounds", "" }, { "\x02", "euro", "euros", "" } };
static const char *const cent_names[3][2] = { { "cent", "cents" }, { "penny", "pence" }, { "cent", "cents" } };

static int cur_index(char c) { return c == '$' ? 0 : c == POUND ? 1 : 2; }

/* Reading of a number without currency into b. */
static void say_number(struct wren_tn_buf *b, const struct number *x, int scaled)
{
    if (x->neg) buf_word(b, "minus");
    if (is_year(x)) {
        say_year(b, (unsigned)int_value(x));
        if (!strcmp(x->suffix, "s")) make_plural(b);
        return;
    }
    if (x->ilen) say_int_part(b, x);
    if (x->has_point) {
        size_t fl = x->flen;
        if (scaled) while (fl > 0 && x->fp[fl - 1] == '0') fl--;
        if (fl) { buf_word(b, "point"); say_digits(b, x->fp, fl); }
    }
    if (!strcmp(x->suffix, "s")) make_plural(b);
    else if (x->suffix[0] && x->suffix[0] != '%') make_ordinal(b);
    if (x->suffix[0] == '%') buf_word(b, "percent");
}

static const char *scale_word(const char *w, size_t n)
{
    static const char *const sc[][2] = { { "thousand", "thousand" }, { "million", "million" }, { "billion", "billion" },
        { "trillion", "trillion" }, { "mln", "million" }, { "bln", "billion" }, { "millions", "million" },
        { "billions", "billion" } };
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++)
        if (strlen(sc[i][0]) == n && !strncasecmp(w, sc[i][0], n)) return sc[i][1];
    return NULL;
}

/* Currency amount; `scale` is the following scale word or NULL. */
static void say_money(struct wren_tn_buf *b, const struct number *x, const char *scale)
{
    int c = cur_index(x->cur);
    if (x->neg) buf_word(b, "minus");
    if (scale) {
        struct number y = *x;
        y.neg = 0;
        say_number(b, &y, 1);
        buf_word(b, scale);
        buf_word(b, cur_names[c][2]);
        return;
    }
    uint64_t v = x->ilen ? int_value(x) : 0;
    if (x->has_point && x->flen == 2) {
        unsigned cents = (unsigned)((x->fp[0] - '0') * 10 + (x->fp[1] - '0'));
        if (v > 0 || cents == 0) {
            if (x->ilen > 15) say_digits(b, x->ip, x->ilen);   /* as say_int_part (found by fuzz_text_norm) */
            else say_int(b, v);
            buf_word(b, cur_names[c][v == 1 ? 1 : 2]);
        }
        if (cents) { say_int(b, cents); buf_word(b, cent_names[c][cents == 1 ? 0 : 1]); }
        return;
    }
    struct number y = *x;
    y.neg = 0;
    y.suffix[0] = '\0';
    if (is_year(&y)) say_int(b, v);   /* $1984 is an amount, not a year */
    else say_number(b, &y, 0);
    buf_word(b, cur_names[c][(v == 1 && !x->has_point) ? 1 : 2]);
}

/* ---------------------------------------------------------------- tokens */

struct tok { const char *s; size_t n; };

static int strip_lead(char c) { return strchr("\"([{<*_#~^|'", c) != NULL && c; }
static int strip_trail(char c) { return strchr("\")]}>,;:!?*_~.'^|", c) != NULL && c; }

static int eqi(const char *a, size_t n, const char *b) { return strlen(b) == n && !strncasecmp(a, b, n); }

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++) if (eqi(s, n, *list)) return 1;
    return 0;
}

static const char *const titles[] = { "mr", "mrs", "ms", "dr", "st", "prof", "rev", "gen", "gov", "sen", "rep",
    "capt", "col", "lt", "sgt", "mt", "ft", "hon", "messrs", "no", "vol", "fig", "pp", "vs", "e.g", "i.e", "cf",
    "viz", "approx", NULL };
static const char *const soft_abbr[] = { "etc", "inc", "co", "corp", "ltd", "jr", "sr", "bros", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", NULL };
static const char *const openers[] = { "the", "he", "she", "it", "they", "we", "i", "but", "and", "in", "a", "an",
    "this", "that", "there", "his", "her", "its", "their", "our", "what", "when", "if", "as", "at", "for", "on",
    "so", "yet", "mr", "mrs", "ms", "dr", "you", "my", "one", "some", "after", "while", "however", NULL };

/* The token with surrounding punctuation removed (leading openers, trailing closers + dots). */
static struct tok bare(struct tok t)
{
    while (t.n && strchr("\"([{<'", t.s[0]) && t.s[0]) { t.s++; t.n--; }
    while (t.n && strchr("\")]}>'.,;:!?", t.s[t.n - 1]) && t.s[t.n - 1]) t.n--;
    return t;
}

static int starts_upper(struct tok t)
{
    t = bare(t);
    return t.n && is_upper(t.s[0]);
}

static int is_initialism(struct tok c)
{
    /* letters separated by dots: U.S, e.g, a.m (the final dot already removed), or one letter */
    if (c.n == 1) return is_alpha(c.s[0]);
    if (c.n < 3) return 0;
    for (size_t i = 0; i < c.n; i++)
        if (i % 2 == 0 ? !is_alpha(c.s[i]) : c.s[i] != '.') return 0;
    return c.n % 2 == 1;
}

/* Does token t (followed by next, or NULL) end a sentence? */
static int ends_sentence(struct tok t, const struct tok *next)
{
    while (t.n && strchr("\")]}'", t.s[t.n - 1]) && t.s[t.n - 1]) t.n--;
    if (!t.n) return 0;
    char last = t.s[t.n - 1];
    if (last == '?' || last == '!') return 1;
    if (last != '.') return 0;
    if (!next) return 1;
    if (t.n >= 3 && !strncmp(t.s + t.n - 3, "...", 3)) return starts_upper(*next);
    struct tok c = t;
    while (c.n && c.s[c.n - 1] == '.') c.n--;
    while (c.n && strchr("\"([{<'", c.s[0]) && c.s[0]) { c.s++; c.n--; }
    if (!c.n) return 1;
    if (in_list(c.s, c.n, titles)) return 0;
    if (in_list(c.s, c.n, soft_abbr)) return starts_upper(*next);
    if (is_initialism(c)) {
        if (c.n == 1) return is_upper(c.s[0]) ? 0 : starts_upper(*next);
        struct tok nb = bare(*next);
        return starts_upper(*next) && in_list(nb.s, nb.n, openers);
    }
    return 1;
}

/* ---------------------------------------------------------------- word conversion */

struct ctx {
    struct wren_textnorm *tn;
    struct wren_tn_buf *out;
    int prev_number;       /* the previous token was a number (for mln, dlrs, pct ...) */
    int scale_after;       /* the abbreviation just expanded was a scale (mln, bln) */
};

static void word_piece(struct ctx *c, const char *s, size_t n);

static const char *const apos_words[] = { "'em", "'tis", "'twas", "'til", "'cause", "'bout", "'round", NULL };

/* Is s[0..n) a word whose leading or trailing apostrophe belongs to it ('em, boys')? */
static int apostrophe_word(struct wren_textnorm *tn, const char *s, size_t n)
{
    if (n < 2) return 0;
    if (tn->vocab) return in_vocab(tn, s, n);
    return s[0] == '\'' && in_list(s, n, apos_words);
}

/* Letters, digits, apostrophes and hyphens left: hyphen rule, then emit. */
static void plain_word(struct ctx *c, const char *s, size_t n)
{
    /* trim apostrophes/hyphens at both ends, except for words like 'em and boys' */
    while (n && (s[0] == '-' || s[0] == '\'')) {
        if (s[0] == '\'' && apostrophe_word(c->tn, s, n)) break;
        s++; n--;
    }
    while (n && (s[n - 1] == '-' || s[n - 1] == '\'')) {
        if (s[n - 1] == '\'' && apostrophe_word(c->tn, s, n)) break;
        n--;
    }
    if (!n) return;
    if (memchr(s, '-', n)) {
        if (in_vocab(c->tn, s, n)) { emit(c->tn, c->out, s, n); return; }
        while (n) {
            size_t k = 0;
            while (k < n && s[k] != '-') k++;
            word_piece(c, s, k);
            s += k; n -= k;
            while (n && s[0] == '-') { s++; n--; }
        }
        return;
    }
    /* the always-expanded abbreviations, also when they were glued to other text (Mr.Smith) */
    if (eqi(s, n, "mr")) emit_list(c->tn, c->out, "mister");
    else if (eqi(s, n, "mrs")) emit_list(c->tn, c->out, "missus");
    else if (eqi(s, n, "etc")) emit_list(c->tn, c->out, "et cetera");
    else emit(c->tn, c->out, s, n);
}

/* Expansion of an abbreviation (without its dot), or NULL. dotted: the token had a final '.'. */
static const char *expand_abbr(struct ctx *c, struct tok t, int dotted, const struct tok *next)
{
    static const char *const always[][2] = { { "mr", "mister" }, { "mrs", "missus" }, { "etc", "et cetera" } };
    static const char *const with_dot[][2] = { { "jr", "junior" }, { "sr", "senior" }, { "prof", "professor" },
        { "rev", "reverend" }, { "gen", "general" }, { "gov", "governor" }, { "sen", "senator" },
        { "rep", "representative" }, { "capt", "captain" }, { "col", "colonel" }, { "lt", "lieutenant" },
        { "sgt", "sergeant" }, { "mt", "mount" }, { "ft", "fort" }, { "vs", "versus" },
        { "e.g", "for example" }, { "i.e", "that is" }, { "inc", "incorporated" }, { "co", "company" },
        { "corp", "corporation" }, { "ltd", "limited" }, { "bros", "brothers" }, { "messrs", "messieurs" },
        { "jan", "january" }, { "feb", "february" }, { "mar", "march" }, { "apr", "april" }, { "jun", "june" },
        { "jul", "july" }, { "aug", "august" }, { "sep", "september" }, { "sept", "september" },
        { "oct", "october" }, { "nov", "november" }, { "dec", "december" }, { "approx", "approximately" },
        { "dept", "department" } };
    static const char *const after_number[][2] = { { "mln", "million" }, { "bln", "billion" }, { "dlrs", "dollars" },
        { "dlr", "dollar" }, { "cts", "cents" }, { "pct", "percent" } };
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        if (eqi(t.s, t.n, always[i][0])) return always[i][1];
    int next_cap = next && starts_upper(*next);
    /* Undotted, only "Dr" (not "DR"): upper-cased output ("DR SMITH" from "dr smith") must
     * normalise to itself. */
    if (eqi(t.s, t.n, "dr") && is_upper(t.s[0]) && (dotted || (next_cap && !is_upper(t.s[1]))))
        return "doctor";
    if (eqi(t.s, t.n, "st") && is_upper(t.s[0]) && dotted) return next_cap ? "saint" : "street";
    if (eqi(t.s, t.n, "no") && dotted && next) {
        struct tok nb = bare(*next);
        if (nb.n && (is_digit(nb.s[0]) || nb.s[0] == '#')) return "number";
    }
    if (dotted)
        for (size_t i = 0; i < sizeof with_dot / sizeof with_dot[0]; i++)
            if (eqi(t.s, t.n, with_dot[i][0])) return with_dot[i][1];
    if (c->prev_number)
        for (size_t i = 0; i < sizeof after_number / sizeof after_number[0]; i++)
            if (eqi(t.s, t.n, after_number[i][0])) {
                c->scale_after = i < 2;    /* "5 mln dlrs": the unit after the scale too */
                return after_number[i][1];
            }
    return NULL;
}

/* A range or time A-B / H:MM / a/b made of two numbers; returns 1 if handled. */
static int number_pair(struct ctx *c, const char *s, size_t n)
{
    const char *sep = NULL;
    for (size_t i = 1; i + 1 < n; i++)
        if ((s[i] == '-' || s[i] == ':' || s[i] == '/') && (is_digit(s[i - 1]) || s[i - 1] == '%') &&
            (is_digit(s[i + 1]) || s[i + 1] == '$')) { sep = s + i; break; }
    if (!sep) return 0;
    struct number a, b;
    size_t la = (size_t)(sep - s), lb = n - la - 1;
    if (!parse_number(s, la, &a) || !parse_number(sep + 1, lb, &b)) return 0;
    struct wren_tn_buf *nb = &c->tn->num;
    nb->n = 0;
    buf_putn(nb, "", 0);
    if (*sep == ':') {
        if (a.cur || b.cur || a.has_point || b.has_point || a.suffix[0] || b.suffix[0]) return 0;
        if (b.ilen == 2 && a.ilen <= 2 && int_value(&a) <= 24 && int_value(&b) < 60) {
            say_int(nb, int_value(&a));
            unsigned m = (unsigned)int_value(&b);
            if (m == 0) buf_word(nb, "o'clock");
            else if (m < 10) { buf_word(nb, "oh"); buf_word(nb, ones[m]); }
            else say_int(nb, m);
        } else {
            say_number(nb, &a, 0);
            say_number(nb, &b, 0);
        }
    } else if (*sep == '/') {
        if (a.cur || b.cur || a.has_point || b.has_point || a.suffix[0] || b.suffix[0] || a.neg || b.neg) return 0;
        uint64_t num = int_value(&a), den = int_value(&b);
        if (den >= 2 && den <= 10 && num >= 1 && num < den && a.ip[0] != '0') {
            say_int(nb, num);
            if (den == 2) buf_word(nb, num == 1 ? "half" : "halves");
            else if (den == 4) buf_word(nb, num == 1 ? "quarter" : "quarters");
            else { say_int(nb, den); make_ordinal(nb); if (num > 1) make_plural(nb); }
        } else {
            say_number(nb, &a, 0);
            say_number(nb, &b, 0);
        }
    } else {
        if (a.neg || b.neg) return 0;
        char cur = a.cur ? a.cur : b.cur;
        a.cur = b.cur = 0;
        int pct = a.suffix[0] == '%' || b.suffix[0] == '%';
        if (pct) a.suffix[0] = b.suffix[0] = '\0';
        say_number(nb, &a, 0);
        buf_word(nb, "to");
        say_number(nb, &b, 0);
        if (cur) buf_word(nb, cur_names[cur_index(cur)][2]);
        if (pct) buf_word(nb, "percent");
    }
    emit_list(c->tn, c->out, nb->s);
    return 1;
}

/* Something with digits in it. Returns the number of following tokens consumed (0 or 1). */
static int number_token(struct ctx *c, const char *s, size_t n, const struct tok *next)
{
    struct number x;
    struct wren_tn_buf *nb = &c->tn->num;
    nb->n = 0;
    buf_putn(nb, "", 0);
    int consumed = 0;
    if (n > 1 && s[0] == '#' && parse_number(s + 1, n - 1, &x)) {
        buf_word(nb, "number");
        say_number(nb, &x, 0);
    } else if (n > 1 && s[0] == '\'' && n == 4 && is_digit(s[1]) && is_digit(s[2]) && s[3] == 's') {
        struct number y;   /* '80s */
        parse_number(s + 1, 3, &y);
        say_number(nb, &y, 0);
    } else if (parse_number(s, n, &x)) {
        if (x.cur) {
            const char *scale = NULL;
            if (next && !x.suffix[0]) {
                struct tok nt = bare(*next);
                scale = scale_word(nt.s, nt.n);
                if (scale) consumed = 1;
            }
            say_money(nb, &x, scale);
        } else {
            say_number(nb, &x, 0);
        }
    } else if (number_pair(c, s, n)) {
        return 0;
    } else {
        /* mixed letters and digits: runs */
        while (n) {
            size_t k = 0;
            if (is_digit(s[0])) {
                while (k < n && is_digit(s[k])) k++;
                struct number y;
                parse_number(s, k, &y);
                say_number(nb, &y, 0);
            } else {
                while (k < n && !is_digit(s[k])) k++;
                emit_list(c->tn, c->out, nb->s);
                nb->n = 0;
                nb->s[0] = '\0';
                word_piece(c, s, k);
            }
            s += k; n -= k;
        }
    }
    emit_list(c->tn, c->out, nb->s);
    return consumed;
}

/* A piece of a token: split at separators, then numbers / initialisms / words. */
static void word_piece(struct ctx *c, const char *s, size_t n)
{
    /* separators: anything but letters, digits, apostrophes, hyphens, dots, commas, currency, %, # */
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (is_alpha(ch) || is_digit(ch) || strchr("'-.,$%#:/\x01\x02", ch)) continue;
        word_piece(c, s, i);
        if (ch == '&') emit(c->tn, c->out, "and", 3);
        else if (ch == '@') emit(c->tn, c->out, "at", 2);
        else if (ch == '+') emit(c->tn, c->out, "plus", 4);
        word_piece(c, s + i + 1, n - i - 1);
        return;
    }
    while (n && strchr(".,:/", s[n - 1])) n--;
    while (n && strchr(".,:/", s[0])) { s++; n--; }
    if (!n) return;
    int has_digit = 0;
    for (size_t i = 0; i < n; i++) has_digit |= is_digit(s[i]);
    if (has_digit) { number_token(c, s, n, NULL); return; }
    if (n == 1 && s[0] == '%') { emit(c->tn, c->out, "percent", 7); return; }
    struct tok t = { s, n };
    if (is_initialism(t) && n > 1) {
        for (size_t i = 0; i < n; i += 2) emit(c->tn, c->out, s + i, 1);
        return;
    }
    /* remaining separators inside words: , . : / $ % # */
    for (size_t i = 0; i < n; i++)
        if (strchr(".,:/$%#\x01\x02", s[i])) {
            word_piece(c, s, i);
            if (s[i] == '%') emit(c->tn, c->out, "percent", 7);
            word_piece(c, s + i + 1, n - i - 1);
            return;
        }
    plain_word(c, s, n);
}

/* Whole token: punctuation, leading-apostrophe words, abbreviations, then pieces.
 * Returns how many following tokens it consumed. */
static int convert_token(struct ctx *c, struct tok t, const struct tok *next)
{
    /* markup such as <s> </s> <sil>: dropped, except the unk token itself */
    if (t.n > 2 && t.s[0] == '<' && t.s[t.n - 1] == '>' && !memchr(t.s + 1, '<', t.n - 2)) {
        const char *unk = c->tn->o.unk;
        if (strlen(unk) == t.n && !strncmp(unk, t.s, t.n)) {
            if (c->out->n && c->out->s[c->out->n - 1] != '\n' && c->out->s[c->out->n - 1] != ' ') buf_putc(c->out, ' ');
            buf_putn(c->out, t.s, t.n);
        }
        return 0;
    }
    while (t.n && strip_lead(t.s[0]) && !(t.s[0] == '\'' && t.n > 1 && is_digit(t.s[1]))) {
        if (t.s[0] == '\'' && t.n > 1) {
            size_t k = 1;
            while (k < t.n && (is_alpha(t.s[k]) || t.s[k] == '\'')) k++;
            while (k > 1 && t.s[k - 1] == '\'') k--;
            if (apostrophe_word(c->tn, t.s, k)) break;
        }
        if (t.s[0] == '#' && t.n > 1 && is_digit(t.s[1])) break;
        t.s++; t.n--;
    }
    int dotted = 0;
    while (t.n && strip_trail(t.s[t.n - 1])) {
        if (t.s[t.n - 1] == '\'' && t.n > 2 && t.s[t.n - 2] == 's' && in_vocab(c->tn, t.s, t.n)) break;
        if (t.s[t.n - 1] == '.') dotted = 1;
        t.n--;
    }
    if (!t.n) return 0;
    c->scale_after = 0;
    const char *exp = expand_abbr(c, t, dotted, next);
    c->prev_number = c->scale_after;
    if (exp) { emit_list(c->tn, c->out, exp); return 0; }
    int has_digit = 0;
    for (size_t i = 0; i < t.n; i++) has_digit |= is_digit(t.s[i]);
    if (has_digit) {
        int k = 0;
        int simple = 1;   /* a whole-token number may take a following scale word */
        for (size_t i = 0; i < t.n; i++) if (is_alpha(t.s[i]) && !strchr("stndrhSTNDRH", t.s[i])) simple = 0;
        if (simple) {
            struct number x;
            if (parse_number(t.s, t.n, &x) || (t.n > 1 && t.s[0] == '#')) k = number_token(c, t.s, t.n, next);
            else word_piece(c, t.s, t.n);
        } else {
            word_piece(c, t.s, t.n);
        }
        c->prev_number = 1;
        return k;
    }
    word_piece(c, t.s, t.n);
    return 0;
}

/* ---------------------------------------------------------------- units */

struct wren_textnorm *wren_textnorm_create(const struct wren_textnorm_opts *o)
{
    int upper;
    if (!strcmp(o->casing, "lower")) upper = 0;
    else if (!strcmp(o->casing, "upper")) upper = 1;
    else { wren_error("--case must be lower or upper, not '%s'", o->casing); return NULL; }
    if (!o->unk || !*o->unk || strpbrk(o->unk, " \t\n")) { wren_error("--unk must be one non-empty word"); return NULL; }
    struct wren_textnorm *tn = wren_xcalloc(1, sizeof *tn);
    tn->o = *o;
    tn->upper = upper;
    if (o->vocab && wren_vocab_read(o->vocab, &tn->vocab)) { free(tn); return NULL; }
    if (tn->vocab) {
        /* fold the vocabulary to the output case, so lookups match whatever case it was written in */
        struct wren_vocab *f = wren_vocab_create();
        for (size_t i = 0; i < wren_vocab_size(tn->vocab); i++) {
            const char *w = wren_vocab_word(tn->vocab, (long)i);
            wren_vocab_add(f, fold_case(tn, w, strlen(w)), strlen(w), 1);
        }
        wren_vocab_free(tn->vocab);
        tn->vocab = f;
    }
    if (tn->vocab && wren_vocab_size(tn->vocab) == 0) {
        wren_error("%s: empty vocabulary", o->vocab);
        wren_textnorm_free(tn);
        return NULL;
    }
    return tn;
}

void wren_textnorm_free(struct wren_textnorm *tn)
{
    if (!tn) return;
    wren_vocab_free(tn->vocab);
    wren_tn_buf_free(&tn->tmp);
    wren_tn_buf_free(&tn->num);
    free(tn);
}

/* "6." "12)" "(a)" "iv." at the start of a unit: an enumeration label, not words. */
static int is_label(struct tok t)
{
    size_t i = 0, n = t.n;
    if (n >= 3 && t.s[0] == '(' && t.s[n - 1] == ')') { i = 1; n--; }
    else if (n >= 2 && (t.s[n - 1] == '.' || t.s[n - 1] == ')')) n--;
    else return 0;
    if (n - i == 1 && is_alpha(t.s[i]) && t.s[0] == '(') return 1;
    if (n - i < 1 || n - i > 3) return 0;
    for (size_t k = i; k < n; k++) if (!is_digit(t.s[k])) return 0;
    return 1;
}

static long count_words_since(const struct wren_tn_buf *b, size_t from)
{
    long n = 0;
    int in = 0;
    for (size_t i = from; i < b->n; i++) {
        int sp = b->s[i] == ' ' || b->s[i] == '\n';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

long wren_textnorm_unit(struct wren_textnorm *tn, const char *text, struct wren_tn_buf *out)
{
    struct wren_tn_buf folded = { 0 };
    fold_chars(text, &folded);
    /* tokens */
    size_t cap = 64, nt = 0;
    struct tok *t = wren_xmalloc(cap * sizeof *t);
    for (const char *s = folded.s; *s;) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        const char *b = s;
        while (*s && *s != ' ' && *s != '\t') s++;
        if (nt == cap) t = wren_xrealloc(t, (cap *= 2) * sizeof *t);
        t[nt].s = b;
        t[nt].n = (size_t)(s - b);
        if (!(t[nt].n == 2 && !strncmp(b, "--", 2))) nt++;
    }
    if (nt > 1 && is_label(t[0])) { memmove(t, t + 1, (nt - 1) * sizeof *t); nt--; }
    size_t start = out->n, sent_start = out->n;
    struct ctx c = { tn, out, 0, 0 };
    int split = tn->o.split && !tn->o.ids;
    for (size_t i = 0; i < nt; i++) {
        const struct tok *next = i + 1 < nt ? &t[i + 1] : NULL;
        i += (size_t)convert_token(&c, t[i], next);
        if (split && ends_sentence(t[i], i + 1 < nt ? &t[i + 1] : NULL) && out->n > sent_start) {
            buf_putc(out, '\n');
            sent_start = out->n;
            c.prev_number = 0;
        }
    }
    if (out->n > sent_start) buf_putc(out, '\n');
    free(t);
    wren_tn_buf_free(&folded);
    return count_words_since(out, start);
}

/* Write the normalised unit; with --ids, prefix the utterance id (even for an empty text). */
static void flush_unit(struct wren_textnorm *tn, const char *unit, struct wren_tn_buf *out,
                       struct wren_textnorm_stats *st)
{
    if (tn->o.ids) {
        const char *s = unit;
        while (*s == ' ' || *s == '\t') s++;
        const char *id = s;
        while (*s && *s != ' ' && *s != '\t') s++;
        if (s == id) return;
        buf_putn(out, id, (size_t)(s - id));
        size_t mark = out->n;
        buf_putc(out, ' ');
        st->words_out += wren_textnorm_unit(tn, s, out);
        if (out->n == mark + 1) { out->n = mark; buf_putc(out, '\n'); }
        st->lines_out++;
        return;
    }
    size_t from = out->n;
    st->words_out += wren_textnorm_unit(tn, unit, out);
    for (size_t i = from; i < out->n; i++) st->lines_out += out->s[i] == '\n';
}

int wren_textnorm_file(struct wren_textnorm *tn, const char *in_path, const char *out_path,
                       struct wren_textnorm_stats *st)
{
    memset(st, 0, sizeof *st);
    struct wren_input in;
    if (wren_input_open(&in, in_path)) return -1;
    struct wren_atomic a;
    if (wren_atomic_open(&a, out_path, "w")) { wren_input_close(&in); return -1; }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    struct wren_tn_buf para = { 0 }, out = { 0 };
    int rc = 0;
    long unks0 = tn->unks;
    int para_mode = tn->o.paragraphs && !tn->o.ids;
    while ((len = getline(&line, &lcap, in.f)) >= 0) {
        st->lines_in++;
        if ((size_t)len != strlen(line)) { rc = wren_error("%s:%ld: NUL byte in text", in_path, st->lines_in); break; }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (para_mode) {
            int blank = 1;
            for (ssize_t i = 0; i < len; i++) if (!isspace((unsigned char)line[i])) blank = 0;
            if (!blank) { if (para.n) buf_putc(&para, ' '); buf_puts(&para, line); continue; }
            if (para.n) { flush_unit(tn, para.s, &out, st); para.n = 0; para.s[0] = '\0'; }
        } else {
            flush_unit(tn, line, &out, st);
        }
        if (out.n > (1 << 16)) { fwrite(out.s, 1, out.n, a.f); out.n = 0; }
    }
    if (rc == 0 && para.n) flush_unit(tn, para.s, &out, st);
    if (out.n) fwrite(out.s, 1, out.n, a.f);
    free(line);
    wren_tn_buf_free(&para);
    wren_tn_buf_free(&out);
    if (wren_input_close(&in) && rc == 0) rc = -1;
    if (rc) { wren_atomic_abort(&a); return -1; }
    if (wren_atomic_commit(&a)) return -1;
    st->unks = tn->unks - unks0;
    return 0;
}
