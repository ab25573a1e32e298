/* libFuzzer: arbitrary bytes as a GGUF header through model_shape_from_gguf
 * and the estimator for all three engines: errors are fine, crashes,
 * over-reads, overflows and leaks are not. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "estimate/estimate.h"
#include "ggml_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gguf_file f;
    char err[256];
    if (gguf_parse(&f, data, size, err, sizeof err) != 0)
        return 0;
    model_shape shape;
    if (model_shape_from_gguf(&f, &shape, err, sizeof err) == 0) {
        for (int e = 0; e < ENGINE_COUNT; e++) {
            estimate_request req;
            estimate_result res;
            estimate_request_defaults(&req, (engine_kind)e);
            req.context = 4096;
            if (e == ENGINE_VLLM)
                req.gpu_total_bytes[0] = 24ull * GIB;
            (void)estimate_memory(&shape, &req, &res, err, sizeof err);
            req.n_gpus = e == ENGINE_INFRAC ? 0 : 2;
            req.gpu_layers = 3;
            req.cpu_moe_layers = 2;
            req.cache_k = GGML_T_Q8_0;
            req.flash_attn = false;
            req.context = 0;
            (void)estimate_memory(&shape, &req, &res, err, sizeof err);
        }
        model_shape_free(&shape);
    }
    gguf_close(&f);
    return 0;
}
