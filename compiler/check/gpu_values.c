/* GPU values that are each valid but do not fit together: a catalog card
 * declared with a vendor other than its own (E0209). The lowering resolved
 * the card (E0208) and checked the vendor word alone. */
#include <string.h>

#include "check/passes.h"

void check_gpu_values(check_ctx *c)
{
    const fleet *f = c->f;
    for (uint32_t h = 0; h < f->n_hosts; h++) {
        const fleet_host *host = &f->hosts[h];
        for (uint32_t i = 0; i < host->n_gpus; i++) {
            const fleet_gpu *g = &host->gpus[i];
            if (!g->spec || !g->vendor.set || !g->vendor.v || strcmp(g->vendor.v, g->spec->vendor) == 0) continue;
            diagnostic *d = diag_error(c->d, "E0209", g->vendor.at, "GPU %u of host `%s` (`%s`) is vendor %s's, not %s",
                                       g->index, host->name.v, g->model.v, g->spec->vendor, g->vendor.v);
            diag_help(d, "remove `vendor:` (the catalog knows the card's), or describe another card with `vram:`");
        }
    }
}
