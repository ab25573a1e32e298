/* infrac-engine --bench: prompt and generation throughput measured the way
 * llama.cpp's llama-bench measures them, printed as one JSON object. */
#ifndef INFRAC_ENGINE_CLI_BENCH_H
#define INFRAC_ENGINE_CLI_BENCH_H

#include "options.h"

/* Exit status: 0, or 1 after a message on stderr. */
int cli_bench(const cli_options *o);

#endif
