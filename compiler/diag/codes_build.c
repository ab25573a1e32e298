/* Diagnostic codes owned by the build part of the compiler (see docs/diagnostics.md). */
#include "diag/codes_table.h"

const diag_code_info diag_codes_build[] = {
    {"E0901", DIAG_ERROR, "The output directory is not an infrac build output",
     "`infrac build -o OUT` replaces OUT as a whole, so it refuses a directory (or file) that it "
     "did not write: one without the `.infrac-build` marker file that every build output holds. "
     "An empty directory is accepted.\n\nName a new directory, remove the old one yourself, or "
     "pass `--force` to replace it anyway."},
    {"E0902", DIAG_ERROR, "The output could not be written",
     "The build writes every file into a temporary directory beside OUT and then swaps it into "
     "place; this failed (the directory above OUT, created when missing, is not writable or is a file, the disk is full, "
     "...). The message names the file and the system's reason. Nothing was changed: a previous "
     "OUT is left exactly as it was.\n\nMake the directory above OUT writable, or choose another OUT."},
    {"E0903", DIAG_ERROR, "A name cannot be used in the build output",
     "Fleet, host and service names become directory names, systemd unit names "
     "(`infrac-SERVICE.service`, `infrac-FLEET.target`) and file names, so they must be made of "
     "letters, digits, `-`, `_` and `.`, and not start with `.` or `-`. Values written into "
     "units and scripts (paths, the user, the exclusive group) must not hold control characters, "
     "nor may any argument of a Mac's service (its launchd property list is XML 1.0, which has no "
     "form for them), "
     "and `api_key_file` must hold no space or `:` and end in such a name: systemd's "
     "`LoadCredential=` names the key's credential after the file (not on a Mac).\n\n"
     "Rename the fleet, host or service, or move the file."},
    {NULL, DIAG_ERROR, NULL, NULL} /* end */
};
