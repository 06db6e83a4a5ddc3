// fst-ops.cc — the FST algorithms of fst.h that graph building uses: composition, encoded
// minimisation, epsilon removal, sorting, projection, pushing, relabelling, rational operations,
// state sorting.
// Not for: construction and I/O (fst.cc), test helpers (fst-check.cc), determinisation
// (fst-determinize.cc, apart so that the two files, the costliest to compile, build in parallel).
#include <vector>

#include <fst/arc-map.h>
#include <fst/arcsort.h>
#include <fst/closure.h>
#include <fst/compose.h>
#include <fst/concat.h>
#include <fst/connect.h>
#include <fst/encode.h>
#include <fst/invert.h>
#include <fst/minimize.h>
#include <fst/project.h>
#include <fst/push.h>
#include <fst/rmepsilon.h>
#include <fst/statesort.h>
#include <fst/topsort.h>
#include <fst/union.h>

#include "fstext/fst-impl.h"

using namespace wren_fst_impl;

extern "C" {

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

}  // extern "C"
