// fst.cc — the implementation of fst.h: Wren's C API over OpenFst (the only C++ in Wren).
// Every entry point catches C++ exceptions and checks OpenFst's error property, turning both
// into wren_error messages; nothing C++ leaves this file. Not for: graph recipes (graph-*.c).
#include <fst/fstlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

extern "C" {
#include "error.h"
#include "io.h"
}
#include "fst.h"

using fst::StdArc;
using fst::StdVectorFst;
using fst::TropicalWeight;
using Weight = StdArc::Weight;

struct wren_fst {
    StdVectorFst f;
};
struct wren_symtab {
    fst::SymbolTable t;
    explicit wren_symtab(const std::string &name) : t(name) {}
    explicit wren_symtab(const fst::SymbolTable &o) : t(o) {}
};

static_assert(sizeof(wren_arc) == sizeof(StdArc), "wren_arc must match fst::StdArc");
static_assert(offsetof(wren_arc, ilabel) == offsetof(StdArc, ilabel), "ilabel");
static_assert(offsetof(wren_arc, olabel) == offsetof(StdArc, olabel), "olabel");
static_assert(offsetof(wren_arc, weight) == offsetof(StdArc, weight), "weight");
static_assert(offsetof(wren_arc, nextstate) == offsetof(StdArc, nextstate), "nextstate");
static_assert(sizeof(TropicalWeight) == sizeof(float), "tropical weight is a float");

namespace {

const float kInf = std::numeric_limits<float>::infinity();

// OpenFst aborts the process on errors unless told otherwise; Wren wants error returns.
struct NonFatalErrors {
    NonFatalErrors() { FLAGS_fst_error_fatal = false; }
} non_fatal_errors;

// Run body; map exceptions to wren_error. Returns body's result or -1.
template <typename F>
int guarded(const char *what, F body)
{
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return wren_error("%s: out of memory", what);
    } catch (const std::exception &e) {
        return wren_error("%s: %s", what, e.what());
    } catch (...) {
        return wren_error("%s: unknown C++ exception", what);
    }
}

bool has_error(const fst::Fst<StdArc> &f)
{
    return f.Properties(fst::kError, false) & fst::kError;
}

int check_result(const char *what, const StdVectorFst &f)
{
    if (has_error(f)) return wren_error("%s failed (OpenFst reported an error)", what);
    return 0;
}

bool valid_state(const StdVectorFst &f, int s)
{
    return s >= 0 && s < f.NumStates();
}

float to_cost(Weight w)
{
    return w.Value();
}

}  // namespace

extern "C" {

/* ---- create, copy, files ---- */

struct wren_fst *wren_fst_new(void)
{
    try {
        return new wren_fst();
    } catch (...) {
        wren_error("wren_fst_new: out of memory");
        return nullptr;
    }
}

void wren_fst_free(struct wren_fst *f)
{
    delete f;
}

struct wren_fst *wren_fst_copy(const struct wren_fst *f)
{
    try {
        wren_fst *c = new wren_fst();
        c->f = f->f;
        return c;
    } catch (...) {
        wren_error("wren_fst_copy: out of memory");
        return nullptr;
    }
}

int wren_fst_read(const char *path, struct wren_fst **out)
{
    *out = nullptr;
    return guarded(path, [&]() -> int {
        std::ifstream in(path, std::ios::binary);
        if (!in) return wren_error("%s: cannot open: %s", path, std::strerror(errno));
        fst::FstReadOptions opts(path);
        std::unique_ptr<fst::FstHeader> hdr(new fst::FstHeader());
        if (!hdr->Read(in, path)) return wren_error("%s: not an OpenFst binary file", path);
        if (hdr->ArcType() != StdArc::Type())
            return wren_error("%s: arc type %s, expected %s", path, hdr->ArcType().c_str(),
                              StdArc::Type().c_str());
        in.seekg(0);
        std::unique_ptr<fst::Fst<StdArc>> g(fst::Fst<StdArc>::Read(in, opts));
        if (!g) return wren_error("%s: cannot read the FST (fst type %s)", path,
                                  hdr->FstType().c_str());
        wren_fst *w = new wren_fst();
        w->f = StdVectorFst(*g);
        if (has_error(w->f)) {
            delete w;
            return wren_error("%s: corrupt FST", path);
        }
        *out = w;
        return 0;
    });
}

static int write_stream_atomic(const char *path, const std::function<bool(std::ostream &)> &fn)
{
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "wb") < 0) return -1;
    if (!a.tmp) {   // stdout
        bool ok = fn(std::cout);
        std::cout.flush();
        if (!ok || !std::cout) return wren_error("%s: write error", path);
        return 0;
    }
    bool ok;
    {
        std::ofstream os(a.tmp, std::ios::binary | std::ios::trunc);
        ok = os && fn(os);
        os.flush();
        ok = ok && os.good();
    }
    if (!ok) {
        wren_atomic_abort(&a);
        return wren_error("%s: write error", path);
    }
    return wren_atomic_commit(&a);
}

int wren_fst_write(const struct wren_fst *f, const char *path)
{
    return guarded(path, [&]() -> int {
        fst::FstWriteOptions opts(path);
        return write_stream_atomic(path, [&](std::ostream &os) { return f->f.Write(os, opts); });
    });
}

int wren_fst_write_text(const struct wren_fst *f, const char *path,
                        const struct wren_symtab *isyms, const struct wren_symtab *osyms)
{
    return guarded(path, [&]() -> int {
        return write_stream_atomic(path, [&](std::ostream &os) {
            const StdVectorFst &g = f->f;
            auto lab = [&](const wren_symtab *t, int l) {
                if (t) {
                    std::string s = t->t.Find(l);
                    if (!s.empty()) return s;
                }
                return std::to_string(l);
            };
            int start = g.Start();
            std::vector<int> order;
            if (start >= 0) order.push_back(start);
            for (int s = 0; s < g.NumStates(); s++)
                if (s != start) order.push_back(s);
            for (int s : order) {
                for (fst::ArcIterator<StdVectorFst> it(g, s); !it.Done(); it.Next()) {
                    const StdArc &a = it.Value();
                    os << s << '\t' << a.nextstate << '\t' << lab(isyms, a.ilabel) << '\t'
                       << lab(osyms, a.olabel);
                    if (a.weight != Weight::One()) os << '\t' << a.weight.Value();
                    os << '\n';
                }
                Weight fw = g.Final(s);
                if (fw != Weight::Zero()) {
                    os << s;
                    if (fw != Weight::One()) os << '\t' << fw.Value();
                    os << '\n';
                }
            }
            return true;
        });
    });
}

static int parse_label(const char *tok, const wren_symtab *t, const char *path, long line,
                       int *out)
{
    if (t) {
        int64_t id = t->t.Find(tok);
        if (id < 0) return wren_error("%s:%ld: symbol '%s' not in the table", path, line, tok);
        *out = (int)id;
        return 0;
    }
    char *end;
    long v = strtol(tok, &end, 10);
    if (*end || v < 0 || v > INT32_MAX)
        return wren_error("%s:%ld: bad label '%s'", path, line, tok);
    *out = (int)v;
    return 0;
}

static int parse_cost(const char *tok, const char *path, long line, float *out)
{
    char *end;
    float v = strtof(tok, &end);
    if (*end || std::isnan(v)) return wren_error("%s:%ld: bad weight '%s'", path, line, tok);
    *out = v;
    return 0;
}

static int parse_state(const char *tok, const char *path, long line, int *out)
{
    char *end;
    long v = strtol(tok, &end, 10);
    if (*end || v < 0 || v > 100000000)
        return wren_error("%s:%ld: bad state '%s'", path, line, tok);
    *out = (int)v;
    return 0;
}

int wren_fst_read_text(const char *path, const struct wren_symtab *isyms,
                       const struct wren_symtab *osyms, struct wren_fst **out)
{
    *out = nullptr;
    return guarded(path, [&]() -> int {
        struct wren_input in;
        if (wren_input_open(&in, path) < 0) return -1;
        std::unique_ptr<wren_fst> w(new wren_fst());
        StdVectorFst &g = w->f;
        char buf[4096];
        long line = 0;
        int rc = 0;
        auto ensure = [&](int s) {
            while (g.NumStates() <= s) g.AddState();
        };
        while (fgets(buf, sizeof buf, in.f)) {
            line++;
            char *tok[6];
            int n = 0;
            for (char *p = strtok(buf, " \t\r\n"); p; p = strtok(nullptr, " \t\r\n")) {
                if (n == 6) break;
                tok[n++] = p;
            }
            if (n == 0) continue;
            if (n > 5) { rc = wren_error("%s:%ld: too many fields", path, line); break; }
            int src = 0, dst = 0, il = 0, ol = 0;
            float cost = 0;
            if ((rc = parse_state(tok[0], path, line, &src)) < 0) break;
            ensure(src);
            if (g.Start() < 0) g.SetStart(src);
            if (n <= 2) {
                if (n == 2 && (rc = parse_cost(tok[1], path, line, &cost)) < 0) break;
                g.SetFinal(src, cost);
                continue;
            }
            if (n < 4) { rc = wren_error("%s:%ld: expected 'src dst ilabel olabel [cost]'", path, line); break; }
            if ((rc = parse_state(tok[1], path, line, &dst)) < 0) break;
            if ((rc = parse_label(tok[2], isyms, path, line, &il)) < 0) break;
            if ((rc = parse_label(tok[3], osyms, path, line, &ol)) < 0) break;
            if (n == 5 && (rc = parse_cost(tok[4], path, line, &cost)) < 0) break;
            ensure(dst);
            g.AddArc(src, StdArc(il, ol, cost, dst));
        }
        if (wren_input_close(&in) < 0 && rc == 0) rc = -1;
        if (rc < 0) return -1;
        *out = w.release();
        return 0;
    });
}

/* ---- states and arcs ---- */

int wren_fst_num_states(const struct wren_fst *f)
{
    return f->f.NumStates();
}

int wren_fst_add_state(struct wren_fst *f)
{
    return f->f.AddState();
}

void wren_fst_reserve_states(struct wren_fst *f, int n)
{
    if (n > 0) f->f.ReserveStates(n);
}

int wren_fst_set_start(struct wren_fst *f, int s)
{
    if (!valid_state(f->f, s)) return wren_error("wren_fst_set_start: no state %d", s);
    f->f.SetStart(s);
    return 0;
}

int wren_fst_start(const struct wren_fst *f)
{
    int s = f->f.Start();
    return s < 0 ? WREN_FST_NO_STATE : s;
}

int wren_fst_set_final(struct wren_fst *f, int s, float cost)
{
    if (!valid_state(f->f, s)) return wren_error("wren_fst_set_final: no state %d", s);
    f->f.SetFinal(s, Weight(cost));
    return 0;
}

float wren_fst_final(const struct wren_fst *f, int s)
{
    if (!valid_state(f->f, s)) return kInf;
    return to_cost(f->f.Final(s));
}

int wren_fst_add_arc(struct wren_fst *f, int s, int ilabel, int olabel, float weight,
                     int nextstate)
{
    if (!valid_state(f->f, s) || !valid_state(f->f, nextstate))
        return wren_error("wren_fst_add_arc: no state %d or %d", s, nextstate);
    f->f.AddArc(s, StdArc(ilabel, olabel, Weight(weight), nextstate));
    return 0;
}

void wren_fst_reserve_arcs(struct wren_fst *f, int s, size_t n)
{
    if (valid_state(f->f, s)) f->f.ReserveArcs(s, n);
}

size_t wren_fst_num_arcs(const struct wren_fst *f, int s)
{
    return valid_state(f->f, s) ? f->f.NumArcs(s) : 0;
}

size_t wren_fst_total_arcs(const struct wren_fst *f)
{
    size_t n = 0;
    for (int s = 0; s < f->f.NumStates(); s++) n += f->f.NumArcs(s);
    return n;
}

size_t wren_fst_num_input_epsilons(const struct wren_fst *f, int s)
{
    return valid_state(f->f, s) ? f->f.NumInputEpsilons(s) : 0;
}

int wren_fst_arcs(const struct wren_fst *f, int s, const struct wren_arc **arcs, size_t *n)
{
    if (!valid_state(f->f, s)) {
        *arcs = nullptr;
        *n = 0;
        return wren_error("wren_fst_arcs: no state %d", s);
    }
    fst::ArcIteratorData<StdArc> data;
    f->f.InitArcIterator(s, &data);
    *arcs = reinterpret_cast<const wren_arc *>(data.arcs);
    *n = data.narcs;
    return 0;
}

int wren_fst_set_arc(struct wren_fst *f, int s, size_t i, const struct wren_arc *arc)
{
    if (!valid_state(f->f, s) || i >= f->f.NumArcs(s) || !valid_state(f->f, arc->nextstate))
        return wren_error("wren_fst_set_arc: no arc %zu at state %d", i, s);
    fst::MutableArcIterator<StdVectorFst> it(&f->f, s);
    it.Seek(i);
    it.SetValue(StdArc(arc->ilabel, arc->olabel, Weight(arc->weight), arc->nextstate));
    return 0;
}

void wren_fst_delete_arcs(struct wren_fst *f, int s)
{
    if (valid_state(f->f, s)) f->f.DeleteArcs(s);
}

void wren_fst_delete_states(struct wren_fst *f)
{
    f->f.DeleteStates();
}

uint64_t wren_fst_properties(const struct wren_fst *f, uint64_t mask, int test)
{
    return f->f.Properties(mask, test != 0);
}

int wren_fst_is_acceptor(const struct wren_fst *f)
{
    return f->f.Properties(fst::kAcceptor, true) & fst::kAcceptor ? 1 : 0;
}

int wren_fst_is_ideterministic(const struct wren_fst *f)
{
    return f->f.Properties(fst::kIDeterministic, true) & fst::kIDeterministic ? 1 : 0;
}

int wren_fst_is_cyclic(const struct wren_fst *f)
{
    return f->f.Properties(fst::kCyclic, true) & fst::kCyclic ? 1 : 0;
}

int wren_fst_set_input_symbols(struct wren_fst *f, const struct wren_symtab *t)
{
    f->f.SetInputSymbols(t ? &t->t : nullptr);
    return 0;
}

int wren_fst_set_output_symbols(struct wren_fst *f, const struct wren_symtab *t)
{
    f->f.SetOutputSymbols(t ? &t->t : nullptr);
    return 0;
}

/* ---- operations (out-of-place) ---- */

static bool olabel_sorted(const StdVectorFst &f)
{
    return f.Properties(fst::kOLabelSorted, true) & fst::kOLabelSorted;
}

static bool ilabel_sorted(const StdVectorFst &f)
{
    return f.Properties(fst::kILabelSorted, true) & fst::kILabelSorted;
}

int wren_fst_compose_filter(const struct wren_fst *a, const struct wren_fst *b,
                            enum wren_compose_filter filter, int connect, struct wren_fst **out)
{
    *out = nullptr;
    return guarded("compose", [&]() -> int {
        std::unique_ptr<StdVectorFst> sorted;
        const StdVectorFst *fa = &a->f, *fb = &b->f;
        if (!olabel_sorted(*fa) && !ilabel_sorted(*fb)) {
            sorted.reset(new StdVectorFst(*fb));
            fst::ArcSort(sorted.get(), fst::ILabelCompare<StdArc>());
            fb = sorted.get();
        }
        std::unique_ptr<wren_fst> w(new wren_fst());
        if (filter == WREN_COMPOSE_MATCH) {
            fst::ComposeOptions opts(connect != 0, fst::MATCH_FILTER);
            fst::Compose(*fa, *fb, &w->f, opts);
        } else {
            fst::ComposeOptions opts(connect != 0, fst::AUTO_FILTER);
            fst::Compose(*fa, *fb, &w->f, opts);
        }
        if (check_result("compose", w->f) < 0) return -1;
        *out = w.release();
        return 0;
    });
}

int wren_fst_compose(const struct wren_fst *a, const struct wren_fst *b, struct wren_fst **out)
{
    return wren_fst_compose_filter(a, b, WREN_COMPOSE_AUTO, 1, out);
}

int wren_fst_determinize(const struct wren_fst *f, int log_semiring, float delta,
                         struct wren_fst **out)
{
    *out = nullptr;
    if (delta <= 0) delta = fst::kDelta;
    return guarded("determinize", [&]() -> int {
        std::unique_ptr<wren_fst> w(new wren_fst());
        if (log_semiring) {
            fst::VectorFst<fst::LogArc> lin, lout;
            fst::ArcMap(f->f, &lin, fst::StdToLogMapper());
            fst::DeterminizeOptions<fst::LogArc> opts(delta);
            fst::Determinize(lin, &lout, opts);
            lin.DeleteStates();
            fst::ArcMap(lout, &w->f, fst::LogToStdMapper());
        } else {
            fst::DeterminizeOptions<StdArc> opts(delta);
            fst::Determinize(f->f, &w->f, opts);
        }
        if (check_result("determinize", w->f) < 0) return -1;
        *out = w.release();
        return 0;
    });
}

int wren_fst_intersect(const struct wren_fst *a, const struct wren_fst *b, struct wren_fst **out)
{
    *out = nullptr;
    return guarded("intersect", [&]() -> int {
        StdVectorFst sb(b->f);
        fst::ArcSort(&sb, fst::ILabelCompare<StdArc>());
        std::unique_ptr<wren_fst> w(new wren_fst());
        fst::Intersect(a->f, sb, &w->f);
        if (check_result("intersect", w->f) < 0) return -1;
        *out = w.release();
        return 0;
    });
}

int wren_fst_difference(const struct wren_fst *a, const struct wren_fst *b, struct wren_fst **out)
{
    *out = nullptr;
    return guarded("difference", [&]() -> int {
        StdVectorFst sb(b->f);
        fst::ArcSort(&sb, fst::ILabelCompare<StdArc>());
        std::unique_ptr<wren_fst> w(new wren_fst());
        fst::Difference(a->f, sb, &w->f);
        if (check_result("difference", w->f) < 0) return -1;
        *out = w.release();
        return 0;
    });
}

int wren_fst_randgen(const struct wren_fst *f, int npath, uint64_t seed, struct wren_fst **out)
{
    *out = nullptr;
    return guarded("randgen", [&]() -> int {
        std::unique_ptr<wren_fst> w(new wren_fst());
        fst::UniformArcSelector<StdArc> sel(seed);
        fst::RandGenOptions<fst::UniformArcSelector<StdArc>> opts(
            sel, std::numeric_limits<int32>::max(), npath, false, false);
        fst::RandGen(f->f, &w->f, opts);
        if (check_result("randgen", w->f) < 0) return -1;
        *out = w.release();
        return 0;
    });
}

int wren_fst_shortest_path(const struct wren_fst *f, int n, struct wren_fst **out)
{
    *out = nullptr;
    return guarded("shortest path", [&]() -> int {
        std::unique_ptr<wren_fst> w(new wren_fst());
        fst::ShortestPath(f->f, &w->f, n < 1 ? 1 : n);
        if (check_result("shortest path", w->f) < 0) return -1;
        *out = w.release();
        return 0;
    });
}

int wren_fst_shortest_distance(const struct wren_fst *f, float *cost)
{
    return guarded("shortest distance", [&]() -> int {
        Weight d = fst::ShortestDistance(f->f);
        *cost = d.Value();
        return 0;
    });
}

/* ---- operations (in-place) ---- */

int wren_fst_minimize(struct wren_fst *f, float delta, int allow_nondet)
{
    if (delta <= 0) delta = fst::kShortestDelta;
    return guarded("minimize", [&]() -> int {
        fst::EncodeMapper<StdArc> enc(fst::kEncodeLabels | fst::kEncodeWeights, fst::ENCODE);
        fst::Encode(&f->f, &enc);
        fst::Minimize(&f->f, static_cast<StdVectorFst *>(nullptr), delta, allow_nondet != 0);
        fst::Decode(&f->f, enc);
        return check_result("minimize", f->f);
    });
}

int wren_fst_arcsort_ilabel(struct wren_fst *f)
{
    return guarded("arcsort", [&]() -> int {
        fst::ArcSort(&f->f, fst::ILabelCompare<StdArc>());
        return 0;
    });
}

int wren_fst_arcsort_olabel(struct wren_fst *f)
{
    return guarded("arcsort", [&]() -> int {
        fst::ArcSort(&f->f, fst::OLabelCompare<StdArc>());
        return 0;
    });
}

int wren_fst_rmepsilon(struct wren_fst *f)
{
    return guarded("rmepsilon", [&]() -> int {
        fst::RmEpsilon(&f->f);
        return check_result("rmepsilon", f->f);
    });
}

int wren_fst_project_input(struct wren_fst *f)
{
    fst::Project(&f->f, fst::ProjectType::INPUT);
    return 0;
}

int wren_fst_project_output(struct wren_fst *f)
{
    fst::Project(&f->f, fst::ProjectType::OUTPUT);
    return 0;
}

int wren_fst_invert(struct wren_fst *f)
{
    fst::Invert(&f->f);
    return 0;
}

int wren_fst_connect(struct wren_fst *f)
{
    return guarded("connect", [&]() -> int {
        fst::Connect(&f->f);
        return 0;
    });
}

int wren_fst_push_weights(struct wren_fst *f, int to_final, int log_semiring)
{
    return guarded("push", [&]() -> int {
        fst::ReweightType t = to_final ? fst::REWEIGHT_TO_FINAL : fst::REWEIGHT_TO_INITIAL;
        if (log_semiring) {
            fst::VectorFst<fst::LogArc> l;
            fst::ArcMap(f->f, &l, fst::StdToLogMapper());
            fst::Push(&l, t, fst::kDelta, false);
            fst::ArcMap(l, &f->f, fst::LogToStdMapper());
        } else {
            fst::Push(&f->f, t, fst::kDelta, false);
        }
        return check_result("push", f->f);
    });
}

int wren_fst_relabel(struct wren_fst *f, const int *imap, int ni, const int *omap, int no)
{
    StdVectorFst &g = f->f;
    for (int s = 0; s < g.NumStates(); s++) {
        for (fst::MutableArcIterator<StdVectorFst> it(&g, s); !it.Done(); it.Next()) {
            StdArc a = it.Value();
            bool changed = false;
            if (imap && a.ilabel >= 0 && a.ilabel < ni && imap[a.ilabel] != a.ilabel) {
                a.ilabel = imap[a.ilabel];
                changed = true;
            }
            if (omap && a.olabel >= 0 && a.olabel < no && omap[a.olabel] != a.olabel) {
                a.olabel = omap[a.olabel];
                changed = true;
            }
            if (changed) it.SetValue(a);
        }
    }
    return 0;
}

int wren_fst_concat(struct wren_fst *a, const struct wren_fst *b)
{
    return guarded("concat", [&]() -> int {
        fst::Concat(&a->f, b->f);
        return check_result("concat", a->f);
    });
}

int wren_fst_union(struct wren_fst *a, const struct wren_fst *b)
{
    return guarded("union", [&]() -> int {
        fst::Union(&a->f, b->f);
        return check_result("union", a->f);
    });
}

int wren_fst_closure_star(struct wren_fst *f)
{
    fst::Closure(&f->f, fst::CLOSURE_STAR);
    return 0;
}

int wren_fst_closure_plus(struct wren_fst *f)
{
    fst::Closure(&f->f, fst::CLOSURE_PLUS);
    return 0;
}

int wren_fst_topsort(struct wren_fst *f)
{
    return guarded("topsort", [&]() -> int {
        if (fst::TopSort(&f->f)) return 0;
        // Cyclic: renumber in DFS order instead.
        StdVectorFst &g = f->f;
        int n = g.NumStates(), start = g.Start();
        if (start < 0) return 0;
        std::vector<int> order(n, -1), stack{start};
        int next = 0;
        order[start] = next++;
        while (!stack.empty()) {
            int s = stack.back();
            stack.pop_back();
            for (fst::ArcIterator<StdVectorFst> it(g, s); !it.Done(); it.Next()) {
                int t = it.Value().nextstate;
                if (order[t] < 0) {
                    order[t] = next++;
                    stack.push_back(t);
                }
            }
        }
        for (int s = 0; s < n; s++)
            if (order[s] < 0) order[s] = next++;
        fst::StateSort(&g, order);
        return 0;
    });
}

/* ---- tests and checks ---- */

int wren_fst_equivalent(const struct wren_fst *a, const struct wren_fst *b, float delta)
{
    return guarded("equivalent", [&]() -> int {
        bool err = false;
        bool eq = fst::Equivalent(a->f, b->f, delta > 0 ? delta : fst::kDelta, &err);
        if (err) return wren_error("equivalent: the FSTs must be deterministic acceptors");
        return eq ? 1 : 0;
    });
}

int wren_fst_randequivalent(const struct wren_fst *a, const struct wren_fst *b, int npath,
                            float delta, uint64_t seed)
{
    return guarded("randequivalent", [&]() -> int {
        bool err = false;
        bool eq = fst::RandEquivalent(a->f, b->f, npath, delta > 0 ? delta : fst::kDelta, seed,
                                      std::numeric_limits<int32>::max(), &err);
        if (err) return wren_error("randequivalent: OpenFst reported an error");
        return eq ? 1 : 0;
    });
}

int wren_fst_stochasticity(const struct wren_fst *f, float *min_dev, float *max_dev)
{
    const StdVectorFst &g = f->f;
    double mn = 0, mx = 0;
    bool first = true;
    for (int s = 0; s < g.NumStates(); s++) {
        // log sum of e^-cost over arcs and final weight, computed stably.
        double best = g.Final(s).Value();
        for (fst::ArcIterator<StdVectorFst> it(g, s); !it.Done(); it.Next())
            best = std::min(best, (double)it.Value().weight.Value());
        if (std::isinf(best)) continue;
        double sum = 0;
        double fw = g.Final(s).Value();
        if (!std::isinf(fw)) sum += std::exp(best - fw);
        for (fst::ArcIterator<StdVectorFst> it(g, s); !it.Done(); it.Next())
            sum += std::exp(best - it.Value().weight.Value());
        double dev = -(-best + std::log(sum));   // cost of the total mass: -ln sum
        if (first || dev < mn) mn = dev;
        if (first || dev > mx) mx = dev;
        first = false;
    }
    *min_dev = (float)mn;
    *max_dev = (float)mx;
    return 0;
}

int wren_fst_accept_cost(const struct wren_fst *f, const int *ilabels, size_t n, float *cost)
{
    return guarded("accept cost", [&]() -> int {
        StdVectorFst lin;
        int s = lin.AddState();
        lin.SetStart(s);
        for (size_t i = 0; i < n; i++) {
            int t = lin.AddState();
            lin.AddArc(s, StdArc(ilabels[i], ilabels[i], Weight::One(), t));
            s = t;
        }
        lin.SetFinal(s, Weight::One());
        StdVectorFst res;
        fst::Compose(lin, f->f, &res);
        *cost = fst::ShortestDistance(res).Value();
        return check_result("accept cost", res);
    });
}

/* ---- symbol tables ---- */

struct wren_symtab *wren_symtab_new(const char *name)
{
    return new wren_symtab(name ? name : "");
}

void wren_symtab_free(struct wren_symtab *t)
{
    delete t;
}

struct wren_symtab *wren_symtab_copy(const struct wren_symtab *t)
{
    return new wren_symtab(t->t);
}

int wren_symtab_read_text(const char *path, struct wren_symtab **out)
{
    *out = nullptr;
    return guarded(path, [&]() -> int {
        struct wren_input in;
        if (wren_input_open(&in, path) < 0) return -1;
        std::unique_ptr<wren_symtab> t(new wren_symtab(path));
        char buf[4096];
        long line = 0;
        int rc = 0;
        while (fgets(buf, sizeof buf, in.f)) {
            line++;
            if (!strchr(buf, '\n') && !feof(in.f)) {
                rc = wren_error("%s:%ld: line too long", path, line);
                break;
            }
            char *sym = strtok(buf, " \t\r\n");
            if (!sym) continue;
            char *id = strtok(nullptr, " \t\r\n");
            char *extra = id ? strtok(nullptr, " \t\r\n") : nullptr;
            char *end = nullptr;
            long v = id ? strtol(id, &end, 10) : -1;
            if (!id || extra || *end || v < 0) {
                rc = wren_error("%s:%ld: expected 'symbol id'", path, line);
                break;
            }
            if (t->t.Find(sym) >= 0 || !t->t.Find(v).empty()) {
                rc = wren_error("%s:%ld: duplicate symbol or id '%s %ld'", path, line, sym, v);
                break;
            }
            t->t.AddSymbol(sym, v);
        }
        if (wren_input_close(&in) < 0 && rc == 0) rc = -1;
        if (rc < 0) return -1;
        *out = t.release();
        return 0;
    });
}

int wren_symtab_write_text(const struct wren_symtab *t, const char *path)
{
    return guarded(path, [&]() -> int {
        struct wren_atomic a;
        if (wren_atomic_open(&a, path, "w") < 0) return -1;
        for (const auto &item : t->t)
            fprintf(a.f, "%s %lld\n", item.Symbol().c_str(), (long long)item.Label());
        return wren_atomic_commit(&a);
    });
}

long wren_symtab_add(struct wren_symtab *t, const char *sym)
{
    return (long)t->t.AddSymbol(sym);
}

int wren_symtab_add_id(struct wren_symtab *t, const char *sym, long id)
{
    int64_t have = t->t.Find(sym);
    if (have == id) return 0;
    if (have >= 0 || !t->t.Find(id).empty())
        return wren_error("symbol table: '%s' or id %ld already used", sym, id);
    t->t.AddSymbol(sym, id);
    return 0;
}

long wren_symtab_find(const struct wren_symtab *t, const char *sym)
{
    int64_t id = t->t.Find(sym);
    return id < 0 ? -1 : (long)id;
}

const char *wren_symtab_symbol(const struct wren_symtab *t, long id)
{
    // SymbolTable::Find(id) returns by value; keep a per-table cache of the last answer.
    static thread_local std::string last;
    last = t->t.Find(id);
    return last.empty() ? nullptr : last.c_str();
}

long wren_symtab_size(const struct wren_symtab *t)
{
    return (long)t->t.NumSymbols();
}

long wren_symtab_available_key(const struct wren_symtab *t)
{
    return (long)t->t.AvailableKey();
}

}  // extern "C"
