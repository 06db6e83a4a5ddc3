/* test_text_norm.c — text preparation: normalisation rules on real lines of the shared corpus
 * and transcripts (expected outputs written by hand from the rules at the top of
 * text/text-norm.c), <unk>/hyphen handling against CMUdict, file modes, the leak guard and
 * vocabulary selection. */
#include "testutil.h"
#include "text/leak-guard.h"
#include "text/text-norm.h"
#include "text/vocab.h"

#define CMUDICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

static char *norm_with(const struct wren_textnorm_opts *o, const char *in)
{
    struct wren_textnorm *tn = wren_textnorm_create(o);
    ck_assert_ptr_nonnull(tn);
    struct wren_tn_buf b = { 0 };
    wren_textnorm_unit(tn, in, &b);
    wren_textnorm_free(tn);
    char *s = strdup(b.s ? b.s : "");
    wren_tn_buf_free(&b);
    return s;
}

/* Each output line (a sentence) must normalise to itself. */
static void check_idempotent(const struct wren_textnorm_opts *o, const char *out)
{
    char *copy = strdup(out), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *again = norm_with(o, line);
        size_t n = strlen(line);
        ck_assert_msg(strlen(again) == n + 1 && !strncmp(again, line, n), "not idempotent:\n once:  %s\n twice: %s",
                      line, again);
        free(again);
    }
    free(copy);
}

/* Normalise with default options (or with CMUdict as vocabulary) and compare. */
static void check_opts(int vocab, const char *in, const char *want)
{
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    if (vocab) o.vocab = CMUDICT;
    char *got = norm_with(&o, in);
    ck_assert_msg(!strcmp(got, want), "\n in:   %s\n got:  %s want: %s", in, got, want);
    check_idempotent(&o, got);
    free(got);
}

static void check(const char *in, const char *want) { check_opts(0, in, want); }
static void check_vocab(const char *in, const char *want) { check_opts(1, in, want); }

/* arctic-fraser prompts (text/arctic_*.txt) */
START_TEST(test_arctic_lines)
{
    check("Author of the danger trail, Philip Steels, etc", "author of the danger trail philip steels et cetera\n");
    check("God bless 'em, I hope I'll go on seeing them forever",
          "god bless 'em i hope i'll go on seeing them forever\n");
    /* a curly apostrophe next to a straight one is the double quote '' (found by fuzz_text_norm:
     * folding left "jones''s", which normalised again to "jones s") */
    check("Jones\xe2\x80\x99's car", "jones s car\n");
    check("Jones'\xe2\x80\x99s car", "jones s car\n");
    check("Now have you got anything to say against me, Mr Philip",
          "now have you got anything to say against me mister philip\n");
    check("If you mean to insinuate -- Brentwood began hotly", "if you mean to insinuate brentwood began hotly\n");
    check("That came before my A B C's", "that came before my a b c's\n");
    check("Robbery, bribery, fraud,}", "robbery bribery fraud\n");
    check("Close beside him gleamed the white fangs of the wolf-dog",
          "close beside him gleamed the white fangs of the wolf dog\n");
    check("Again the girls applauded, and Mrs Hall cried", "again the girls applauded and missus hall cried\n");
    check("I was sick once -- typhoid", "i was sick once typhoid\n");
}
END_TEST

/* timit-sample *.txt (after the two time fields) and lj-prompts-reader metadata.csv */
START_TEST(test_transcript_lines)
{
    check("Don't ask me to carry an oily rag like that.", "don't ask me to carry an oily rag like that\n");
    check("She had your dark suit in greasy wash water all year.",
          "she had your dark suit in greasy wash water all year\n");
    check("1469, 1470;", "fourteen sixty nine fourteen seventy\n");
    check("After his death in the \"fourteen eighties,\" or at least by 1490, printing in Venice had declined very much;",
          "after his death in the fourteen eighties or at least by fourteen ninety printing in venice had declined very much\n");
    check("In fact Gunther Zeiner's first type (afterwards used by Schussler) is remarkably like the type of the "
          "before-mentioned Subiaco books.",
          "in fact gunther zeiner's first type afterwards used by schussler is remarkably like the type of the "
          "before mentioned subiaco books\n");
}
END_TEST

/* lm-corpus lines: wsj, brown, reuters, nlp-corpus, webtext, speeches, austen, bible */
START_TEST(test_corpus_lines)
{
    check("The government's borrowing authority dropped at midnight Tuesday to $2.80 trillion from $2.87 trillion.",
          "the government's borrowing authority dropped at midnight tuesday to two point eight trillion dollars from "
          "two point eight seven trillion dollars\n");
    check("The Treasury said the U.S. will default on Nov. 9 if Congress doesn't act by then. ",
          "the treasury said the u s will default on november nine if congress doesn't act by then\n");
    check("The yield on six-month Treasury bills sold at Monday's auction, for example, rose to 8.04% from 7.90%. ",
          "the yield on six month treasury bills sold at monday's auction for example rose to eight point zero four "
          "percent from seven point nine zero percent\n");
    check("-- Committee approval of Gov. Price Daniel's `` abandoned property '' act seemed certain Thursday "
          "despite the adamant protests of Texas bankers .",
          "committee approval of governor price daniel's abandoned property act seemed certain thursday despite the "
          "adamant protests of texas bankers\n");
    check("Daniel termed `` extremely conservative '' his estimate that it would produce 17 million dollars to help "
          "erase an anticipated deficit of 63 million dollars at the end of the current fiscal year next Aug. 31 .",
          "daniel termed extremely conservative his estimate that it would produce seventeen million dollars to help "
          "erase an anticipated deficit of sixty three million dollars at the end of the current fiscal year next "
          "august thirty one\n");
    check("      Revs 101.7 mln vs 87.0 mln", "revs one hundred one point seven million vs eighty seven point zero million\n");
    check("  with last year's hitting a record $169.8 billion.",
          "with last year's hitting a record one hundred sixty nine point eight billion dollars\n");
    check("\"Valley Girl\" launched Nicolas Cage's career and was an 80's version of \"Romeo and Juliet.\" It is a "
          "definite example of an 80's teen classic.",
          "valley girl launched nicolas cage's career and was an eighties version of romeo and juliet\n"
          "it is a definite example of an eighties teen classic\n");
    check("Obama\xe2\x80\x99s investment plan could be the foundation stone for a formal global agreement",
          "obama's investment plan could be the foundation stone for a formal global agreement\n");
    check("Tween girl #1: Technically, technically you can but that's just sick.",
          "tween girl number one technically technically you can but that's just sick\n");
    check("By the overwhelming vote of 56 to 7, the United Nations on December 16 endorsed these proposals and gave "
          "them a top priority. Thereby, the issue is placed squarely before the bar of world opinion.",
          "by the overwhelming vote of fifty six to seven the united nations on december sixteen endorsed these "
          "proposals and gave them a top priority\nthereby the issue is placed squarely before the bar of world opinion\n");
    check("them three thousand pounds: it would be liberal and handsome! It would",
          "them three thousand pounds it would be liberal and handsome\nit would\n");
    check("  13 And Cain said unto the LORD, My punishment is greater than I can bear.",
          "thirteen and cain said unto the lord my punishment is greater than i can bear\n");
    check("stars : armand assante ( mike hammer ) , barbara carrera ( dr . ", "stars armand assante mike hammer barbara carrera dr\n");
    check("okay . so we know who the stalker is even before the movie starts ; no guesswork required . ",
          "okay\nso we know who the stalker is even before the movie starts no guesswork required\n");
}
END_TEST

/* The number, abbreviation and sentence rules one by one. */
START_TEST(test_rules)
{
    check("Mr. Smith met Dr. Jones on St. Mark's Place near Main St. at 10:30.",
          "mister smith met doctor jones on saint mark's place near main street at ten thirty\n");
    check("It was 5:00 or 9:05.", "it was five o'clock or nine oh five\n");
    check("the 1st, 2nd, 3rd, 4th, 11th, 21st, 22nd, 100th and 1000th", "the first second third fourth eleventh "
          "twenty first twenty second one hundredth and one thousandth\n");
    check("in 1984, 1905, 1900, 2000, 2005, 2010 and 1066", "in nineteen eighty four nineteen oh five nineteen "
          "hundred two thousand two thousand five twenty ten and ten sixty six\n");
    check("$5.50, $1, $0.25, $1.01, $5.00, $1,000,000 and $3 million",
          "five dollars fifty cents one dollar twenty five cents one dollar one cent five dollars one million dollars "
          "and three million dollars\n");
    /* more than 15 digits before the cents: read digit by digit like any long number (found by
     * fuzz_text_norm: the amount overflowed the cardinal reader's table) */
    check("$12345678901234567.50", "one two three four five six seven eight nine zero one two three four five "
          "six seven dollars fifty cents\n");
    check("50% and 5.5% of 0.5 or .75", "fifty percent and five point five percent of zero point five or point seven five\n");
    check("1990-1995 and $5-10 and 10-20%", "nineteen ninety to nineteen ninety five and five to ten dollars and "
          "ten to twenty percent\n");
    check("1/2 3/4 2/3 -5 007 123456789", "one half three quarters two thirds minus five zero zero seven one hundred "
          "twenty three million four hundred fifty six thousand seven hundred eighty nine\n");
    check("the 1980s and '90s and 1900s", "the nineteen eighties and nineties and nineteen hundreds\n");
    check("AT&T and B12 and a/b", "at and t and b twelve and a b\n");
    check("J. R. R. Tolkien wrote it. He was at 5 p.m. in the U.K. The end.",
          "j r r tolkien wrote it\nhe was at five p m in the u k\nthe end\n");
    check("See Fig. 3, e.g. this one, vs. that etc. and more.", "see fig three for example this one versus that "
          "et cetera and more\n");
    check("Wait... What?! Yes!! \xe2\x80\x9cNo,\xe2\x80\x9d she said \xe2\x80\x94 caf\xc3\xa9 na\xc3\xafve.",
          "wait\nwhat\nyes\nno she said cafe naive\n");
    check("It cost \xc2\xa3" "5.50 or \xe2\x82\xac" "3.", "it cost five pounds fifty pence or three euros\n");
    check("The jones' house, O'Brien's o'clock, Jones's", "the jones house o'brien's o'clock jones's\n");
    check("", "");
    check("  ... -- !! ", "");
    check("<s> keep <unk> drop </s>", "keep <unk> drop\n");
    /* reuters.txt.xz, abc.txt.xz, speeches.txt.xz */
    check("LOUISIANA-PACIFIC CORP &lt;LPX> 3RD QTR NET", "louisiana pacific corp third qtr net\n");
    check("Next, they mix in an organic solvent and heat it to 180&deg;C.",
          "next they mix in an organic solvent and heat it to one hundred eighty degrees c\n");
    check("2. GENERAL POLICIES--IMMEDIATE AND LONG-RANGE", "general policies immediate and long range\n");
    check("6. I am conscious that the exercise of this option would fall short", "i am conscious that the exercise "
          "of this option would fall short\n");
}
END_TEST

START_TEST(test_vocab_unk_hyphens)
{
    check_vocab("Close beside him gleamed the white fangs of the wolf-dog. That's the sub-foreman, explained Thorpe.",
                "close beside him gleamed the white fangs of the wolf-dog\nthat's the sub-foreman explained thorpe\n");
    check_vocab("A twenty-year-old x-ray of Zorblax's re-entered boys' toys",
                "a twenty year old x-ray of <unk> re-entered boys' toys\n");
    check_vocab("Prices rose 5.5 pct to 1,234 mln dlrs", "prices rose five point five percent to one thousand two "
                "hundred thirty four million dollars\n");
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    o.vocab = CMUDICT;
    o.casing = "upper";
    o.unk = "<UNK>";
    char *got = norm_with(&o, "Don't say Zorblax.");
    ck_assert_str_eq(got, "DON'T SAY <UNK>\n");   /* the vocabulary is folded to the output case */
    free(got);
    o.casing = "title";
    ck_assert_ptr_null(wren_textnorm_create(&o));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--case"));
    o.casing = "lower";
    o.vocab = "/nonexistent/vocab.txt";
    ck_assert_ptr_null(wren_textnorm_create(&o));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/vocab.txt"));
}
END_TEST

static char *read_text(const char *path)
{
    char *d;
    ck_assert_int_eq(wren_read_all(path, &d, NULL), 0);
    return d;
}

START_TEST(test_file_modes)
{
    char *dir = test_tmpdir();
    /* --paragraphs on hard-wrapped Austen (austen-six-novels.txt.xz), compressed as .xz */
    char *in = test_write_file(dir, "austen.txt",
        "No sooner was his father's funeral over, than Mrs. John Dashwood,\n"
        "without sending any notice of her intention to her mother-in-law,\n"
        "arrived with her child and their attendants.\n\n"
        "He was not an ill-disposed young man, unless to be rather cold hearted\n"
        "and rather selfish is to be ill-disposed: but he was, in general, well\n"
        "respected.  Had he married a more amiable woman\n");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xz -f %s", in);
    ck_assert_int_eq(system(cmd), 0);
    char *xz = wren_path_join(dir, "austen.txt.xz"), *out = wren_path_join(dir, "out");
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    o.paragraphs = 1;
    struct wren_textnorm *tn = wren_textnorm_create(&o);
    struct wren_textnorm_stats st;
    ck_assert_int_eq(wren_textnorm_file(tn, xz, out, &st), 0);
    wren_textnorm_free(tn);
    char *text = read_text(out);
    ck_assert_str_eq(text,
        "no sooner was his father's funeral over than missus john dashwood without sending any notice of her "
        "intention to her mother in law arrived with her child and their attendants\n"
        "he was not an ill disposed young man unless to be rather cold hearted and rather selfish is to be ill "
        "disposed but he was in general well respected\nhad he married a more amiable woman\n");
    ck_assert_int_eq(st.lines_in, 7);
    ck_assert_int_eq(st.lines_out, 3);
    free(text);
    /* --ids: Kaldi text keeps ids, one line each, empty transcripts stay */
    char *kt = test_write_file(dir, "text", "a0001 Author of the danger trail, Philip Steels, etc\n"
                                            "lj1 Printing, then, for our purpose. It is so.\nempty1 \" -- \"\n");
    o.paragraphs = 0;
    o.ids = 1;
    tn = wren_textnorm_create(&o);
    ck_assert_int_eq(wren_textnorm_file(tn, kt, out, &st), 0);
    wren_textnorm_free(tn);
    text = read_text(out);
    ck_assert_str_eq(text, "a0001 author of the danger trail philip steels et cetera\nlj1 printing then for our purpose it is so\n"
                           "empty1\n");
    free(text);
    /* a missing input names the file */
    tn = wren_textnorm_create(&o);
    ck_assert_int_eq(wren_textnorm_file(tn, "/nonexistent/in.txt", out, &st), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/in.txt"));
    wren_textnorm_free(tn);
    free(in); free(xz); free(out); free(kt); free(dir);
}
END_TEST

START_TEST(test_real_transcripts_all_normalise)
{
    /* every arctic-fraser prompt normalises to lower-case words of letters and apostrophes only */
    char *p = test_shared_path("data/speech/arctic-fraser/text/arctic_a0001.txt");
    if (access(p, R_OK) != 0) { free(p); return; }
    free(p);
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    struct wren_textnorm *tn = wren_textnorm_create(&o);
    int files = 0;
    for (int set = 0; set < 2; set++)
        for (int i = 1; i <= 593; i++) {
            char rel[128];
            snprintf(rel, sizeof rel, "data/speech/arctic-fraser/text/arctic_%c%04d.txt", set ? 'b' : 'a', i);
            char *path = test_shared_path(rel), *data;
            if (access(path, R_OK) != 0) { free(path); continue; }
            ck_assert_int_eq(wren_read_all(path, &data, NULL), 0);
            struct wren_tn_buf b = { 0 };
            ck_assert_int_gt(wren_textnorm_unit(tn, data, &b), 0);
            for (size_t k = 0; k < b.n; k++)
                ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz' \n", b.s[k]), "%s: bad character in '%s'", rel, b.s);
            wren_tn_buf_free(&b);
            free(data); free(path);
            files++;
        }
    ck_assert_int_gt(files, 800);
    wren_textnorm_free(tn);
}
END_TEST

/* Token soup from a fixed generator: no crash, only lower-case words, and idempotent. */
START_TEST(test_token_soup)
{
    static const char *const toks[] = { "$", "5", ".", "50", "%", "1,000", "-", "--", "'", "\"", "Mr.", "U.S.", "St.",
        "1984", "s", "th", "/", "&", "#", "<", ">", "<unk>", "a", "B", "1:30", ":", "(", ")", "...", "?", "!",
        "\xe2\x80\x99", "\xc2\xa3", "e.g.", ",", "0", "007", ".5", "$1,234.567", "12-", "-12", "1/0",
        "99999999999999999999", "1,00", "1,0000", "Etc", "x-ray", "\xff", "&amp;", "2." };
    const size_t ntok = sizeof toks / sizeof toks[0];
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    unsigned long long st = 12345;
    for (int line = 0; line < 2000; line++) {
        char in[2048] = "";
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        int n = 1 + (int)((st >> 33) % 30);
        for (int k = 0; k < n; k++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            strcat(in, toks[(st >> 33) % ntok]);
            if ((st >> 20) & 1) strcat(in, " ");
        }
        char *got = norm_with(&o, in);
        for (const char *c = got; *c; c++)
            ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz' <>\n", *c), "'%s' -> '%s'", in, got);
        check_idempotent(&o, got);
        free(got);
    }
}
END_TEST

START_TEST(test_leak_guard)
{
    char *dir = test_tmpdir();
    /* eval: two TIMIT sentences (timit-sample, Brown-derived) and a short ARCTIC prompt */
    char *ev = test_write_file(dir, "eval", "u1 Don't ask me to carry an oily rag like that.\n"
                                            "u2 The straight line would symbolize its uniqueness, the circle its universality.\n"
                                            "u3 Will we ever forget it\n");
    char *train = test_write_file(dir, "train",
        "\n"                                                                                 /* blank: kept */
        "The straight line would symbolize its uniqueness , the circle its universality .\n"  /* leak (Brown form) */
        "He said: \"don't ask me to carry an oily rag like that\" and left.\n"                /* leak inside */
        "Don't ask me to carry an oily thing like that.\n"                                   /* 7-word overlap only */
        "will we ever forget it ?\n"                                                         /* short sentence, whole */
        "Will we ever forget it, he wondered.\n"                                             /* contains it, not whole */
        "An unrelated line of text .\n");
    struct wren_leak_guard_opts o;
    wren_leak_guard_opts_default(&o);
    o.ids = 1;
    struct wren_leak_guard *g = wren_leak_guard_create(&o);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(wren_leak_guard_add_eval(g, ev), 0);
    char *out = wren_path_join(dir, "out");
    struct wren_leak_stats st;
    ck_assert_int_eq(wren_leak_guard_filter(g, train, out, &st), 0);
    ck_assert_int_eq(st.lines, 7);
    ck_assert_int_eq(st.removed, 3);
    ck_assert_int_eq(st.kept, 4);
    ck_assert_int_eq(st.eval_sentences, 3);
    ck_assert_int_eq(st.eval_short, 1);
    char *text = read_text(out);
    ck_assert_str_eq(text, "\nDon't ask me to carry an oily thing like that.\nWill we ever forget it, he wondered.\n"
                           "An unrelated line of text .\n");
    free(text);
    wren_leak_guard_free(g);
    /* a window of 7 also catches the 7-word overlap */
    o.window = 7;
    g = wren_leak_guard_create(&o);
    ck_assert_int_eq(wren_leak_guard_add_eval(g, ev), 0);
    ck_assert_int_eq(wren_leak_guard_leaks(g, "Don't ask me to carry an oily thing like that."), 1);
    ck_assert_int_eq(wren_leak_guard_leaks(g, "An unrelated line of text ."), 0);
    wren_leak_guard_free(g);
    o.window = 0;
    ck_assert_ptr_null(wren_leak_guard_create(&o));
    free(ev); free(train); free(out); free(dir);
}
END_TEST

START_TEST(test_vocab_select)
{
    char *dir = test_tmpdir();
    char *text = test_write_file(dir, "text", "the cat sat on the mat\nthe zorblax sat\nthe cat\n");
    char *lex = test_write_file(dir, "lex", ";;; comment\nthe DH AH\nthe(2) DH IY\ncat K AE T\nsat S AE T\n"
                                            "mat M AE T\non AA N\n");
    struct wren_vocab *counts = wren_vocab_create(), *l;
    long tokens;
    ck_assert_int_eq(wren_vocab_count_text(counts, text, 0, &tokens), 0);
    ck_assert_int_eq(tokens, 11);
    ck_assert_int_eq(wren_vocab_read(lex, &l), 0);
    ck_assert_uint_eq(wren_vocab_size(l), 5);     /* the(2) folds into the */
    long skipped;
    struct wren_vocab *sel = wren_vocab_select(counts, l, 3, &skipped);
    ck_assert_uint_eq(wren_vocab_size(sel), 3);
    ck_assert_str_eq(wren_vocab_word(sel, 0), "the");   /* 4 */
    ck_assert_str_eq(wren_vocab_word(sel, 1), "cat");   /* 2, before sat (2) in byte order */
    ck_assert_str_eq(wren_vocab_word(sel, 2), "sat");
    ck_assert_int_eq(skipped, 0);
    wren_vocab_free(sel);
    sel = wren_vocab_select(counts, l, 10, &skipped);
    ck_assert_uint_eq(wren_vocab_size(sel), 5);
    ck_assert_int_eq(skipped, 1);                       /* zorblax */
    char *test = test_write_file(dir, "test", "u1 the cat sat\nu2 the zorblax zorblax\n");
    struct wren_oov_stats st;
    ck_assert_int_eq(wren_vocab_oov(sel, test, 1, &st), 0);
    ck_assert_int_eq(st.tokens, 6);
    ck_assert_int_eq(st.oovs, 2);
    ck_assert_int_eq(st.types, 4);
    ck_assert_int_eq(st.oov_types, 1);
    wren_vocab_free(sel);
    wren_vocab_free(l);
    wren_vocab_free(counts);
    free(text); free(lex); free(test); free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("text_norm");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_arctic_lines);
    tcase_add_test(tc, test_transcript_lines);
    tcase_add_test(tc, test_corpus_lines);
    tcase_add_test(tc, test_rules);
    tcase_add_test(tc, test_vocab_unk_hyphens);
    tcase_add_test(tc, test_file_modes);
    tcase_add_test(tc, test_real_transcripts_all_normalise);
    tcase_add_test(tc, test_token_soup);
    tcase_add_test(tc, test_leak_guard);
    tcase_add_test(tc, test_vocab_select);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
