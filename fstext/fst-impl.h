// fst-impl.h — what the C++ files of Wren's OpenFst wrapper (fst.cc, fst-ops.cc,
// fst-determinize.cc, fst-check.cc) share: the definitions of the opaque handles of fst.h and the
// guard that turns C++ exceptions and OpenFst errors into wren_error messages. Included by C++
// only.
// Not for: C code (use fst.h).
#ifndef WREN_FST_IMPL_H
#define WREN_FST_IMPL_H

#include <fst/vector-fst.h>
#include <fst/symbol-table.h>

#include <exception>
#include <limits>
#include <new>
#include <string>

extern "C" {
#include "utils/error.h"
}
#include "fstext/fst.h"

struct wren_fst {
    fst::StdVectorFst f;
};
struct wren_symtab {
    fst::SymbolTable t;
    explicit wren_symtab(const std::string &name) : t(name) {}
    explicit wren_symtab(const fst::SymbolTable &o) : t(o) {}
};

namespace wren_fst_impl {

using fst::StdArc;
using fst::StdVectorFst;
using Weight = StdArc::Weight;

const float kInf = std::numeric_limits<float>::infinity();

// Run body; map exceptions to wren_error. OpenFst's errors are made non-fatal (it would abort
// the process otherwise) and show up as the error property, checked by check_result.
template <typename F>
int guarded(const char *what, F body)
{
    FLAGS_fst_error_fatal = false;
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

inline bool has_error(const fst::Fst<StdArc> &f)
{
    return f.Properties(fst::kError, false) & fst::kError;
}

inline int check_result(const char *what, const StdVectorFst &f)
{
    if (has_error(f)) return wren_error("%s failed (OpenFst reported an error)", what);
    return 0;
}

inline bool valid_state(const StdVectorFst &f, int s)
{
    return s >= 0 && s < f.NumStates();
}

}  // namespace wren_fst_impl

#endif
