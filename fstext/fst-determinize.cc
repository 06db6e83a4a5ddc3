// fst-determinize.cc — determinisation for fst.h, in the tropical or the log semiring. A
// translation unit of its own: OpenFst's determinisation templates are the costliest of the
// wrapper to compile (about 90 s under the sanitizers), and in a file apart from fst-ops.cc the
// two compile in parallel.
// Not for: the other algorithms (fst-ops.cc).
#include <memory>

#include <fst/arc-map.h>
#include <fst/determinize.h>

#include "fstext/fst-impl.h"

using namespace wren_fst_impl;

extern "C" {

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

}  // extern "C"
