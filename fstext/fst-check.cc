// fst-check.cc — the parts of fst.h that check and explore FSTs, mostly for tests:
// intersection, difference, random paths, shortest paths and distances, (random) equivalence,
// stochasticity, the cost of accepting a label sequence.
// Not for: construction (fst.cc) or graph-building algorithms (fst-ops.cc, fst-determinize.cc).
#include <cmath>

#include <fst/compose.h>
#include <fst/difference.h>
#include <fst/equivalent.h>
#include <fst/intersect.h>
#include <fst/randequivalent.h>
#include <fst/randgen.h>
#include <fst/shortest-distance.h>
#include <fst/shortest-path.h>

#include "fstext/fst-impl.h"

using namespace wren_fst_impl;

extern "C" {

/* ---- exploring ---- */
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

}  // extern "C"
