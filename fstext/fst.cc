// fst.cc — the core of Wren's C API over OpenFst (fst.h), the only C++ in Wren together with
// fst-ops.cc, fst-determinize.cc and fst-check.cc: creating, reading and writing FSTs, states
// and arcs, properties, symbol tables. Every entry point catches C++ exceptions and checks
// OpenFst's error property, turning both into wren_error messages; nothing C++ leaves these
// files.
// Not for: FST algorithms (fst-ops.cc, fst-determinize.cc, fst-check.cc) or graph recipes
// (graph-*.c).
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include <fst/fst.h>
#include <fst/mutable-fst.h>
#include <fst/properties.h>

#include "fstext/fst-impl.h"
extern "C" {
#include "utils/io.h"
}

using fst::TropicalWeight;

static_assert(sizeof(wren_arc) == sizeof(fst::StdArc), "wren_arc must match fst::StdArc");
static_assert(offsetof(wren_arc, ilabel) == offsetof(fst::StdArc, ilabel), "ilabel");
static_assert(offsetof(wren_arc, olabel) == offsetof(fst::StdArc, olabel), "olabel");
static_assert(offsetof(wren_arc, weight) == offsetof(fst::StdArc, weight), "weight");
static_assert(offsetof(wren_arc, nextstate) == offsetof(fst::StdArc, nextstate), "nextstate");
static_assert(sizeof(TropicalWeight) == sizeof(float), "tropical weight is a float");

static float to_cost(fst::StdArc::Weight w)
{
    return w.Value();
}

using namespace wren_fst_impl;

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
