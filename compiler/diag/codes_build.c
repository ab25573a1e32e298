/* Diagnostic codes owned by the build part of the compiler (see docs/diagnostics.md). */
#include "diag/codes_table.h"

const diag_code_info diag_codes_build[] = {
    {NULL, DIAG_ERROR, NULL, NULL} /* end */
};
