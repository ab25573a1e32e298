/* Diagnostic codes owned by the front part of the compiler (see docs/diagnostics.md). */
#include "diag/codes_table.h"

const diag_code_info diag_codes_front[] = {
    {NULL, DIAG_ERROR, NULL, NULL} /* end */
};
