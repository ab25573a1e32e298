/* Estimates by (model, request): services with the same model and the same
 * settings on the same kind of GPU get one estimate_memory() call and share
 * its result. Results never move once made (pointers stay valid until
 * estimate_memo_free). */
#ifndef INFRAC_ESTIMATE_MEMO_H
#define INFRAC_ESTIMATE_MEMO_H

#include <stddef.h>

#include "estimate/estimate.h"

typedef struct estimate_memo estimate_memo;

estimate_memo *estimate_memo_new(size_t expected);
/* The estimate, or NULL with err when the estimator refuses the request. */
const estimate_result *estimate_memo_get(estimate_memo *m, const model_shape *model, const estimate_request *req,
                                         char *err, size_t errlen);
void estimate_memo_free(estimate_memo *m);

#endif
