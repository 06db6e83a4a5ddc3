/* version.c — the library's version string (public: include/wren/common.h). */
#include "wren/common.h"

#ifndef PACKAGE_VERSION
#error "PACKAGE_VERSION comes from configure (AC_INIT)"
#endif

const char *wren_version(void)
{
    return PACKAGE_VERSION;
}
