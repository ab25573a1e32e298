/* Repacking and the portable reference kernel (see repack.h). */
#include "repack.h"

#include <math.h>
#include <string.h>

#include "ggml_types.h"
#include "quant.h"

bool ie_repack_possible(uint32_t type, uint64_t k)
{
    return (type == GGML_T_Q4_0 || type == GGML_T_Q8_0) && k % 64 == 0;
}

static uint64_t code_bytes(uint32_t type)
{
    return type == GGML_T_Q4_0 ? 16 : 32;
}

uint64_t ie_repack_bytes(uint32_t type, uint64_t rows, uint64_t k)
{
    uint64_t nb = k / 32;
    return rows * nb * (code_bytes(type) + 2);
}

void ie_repack_rows(ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t r0, uint64_t r1)
{
    for (uint64_t row = r0; row < r1; row++) {
        const uint8_t *s = src + row * row_bytes;
        uint8_t *q = r->q + row * r->q_row;
        uint16_t *d = r->d + row * r->nb;
        if (r->type == GGML_T_Q4_0) {
            const ie_block_q4_0 *b = (const ie_block_q4_0 *)s;
            for (uint32_t i = 0; i < r->nb; i += 2, q += 32) {
                /* byte j: low nibble = element j of block i, high = of block i+1 */
                for (int j = 0; j < 32; j++) {
                    int c0 = j < 16 ? b[i].qs[j] & 0xf : b[i].qs[j - 16] >> 4;
                    int c1 = j < 16 ? b[i + 1].qs[j] & 0xf : b[i + 1].qs[j - 16] >> 4;
                    q[j] = (uint8_t)(c0 | (c1 << 4));
                }
                d[i] = b[i].d;
                d[i + 1] = b[i + 1].d;
            }
        } else {
            const ie_block_q8_0 *b = (const ie_block_q8_0 *)s;
            for (uint32_t i = 0; i < r->nb; i++, q += 32) {
                for (int j = 0; j < 32; j++)
                    q[j] = (uint8_t)(b[i].qs[j] + 128);
                d[i] = b[i].d;
            }
        }
    }
}

void ie_quantize_act_split(const float *x, uint8_t *dst, size_t k)
{
    size_t nb = k / 32;
    int8_t *q = (int8_t *)dst;
    float *d = (float *)(dst + k), *ds = d + nb;
    for (size_t i = 0; i < nb; i++, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; j++)
            amax = fmaxf(amax, fabsf(x[j]));
        float s = ie_f16_to_f32(ie_f32_to_f16(amax / 127.0f)), id = s > 0 ? 1.0f / s : 0;
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            int v = (int)roundf(x[j] * id);
            v = v > 127 ? 127 : v < -127 ? -127 : v;
            q[i * 32 + j] = (int8_t)v;
            sum += v;
        }
        d[i] = s;
        ds[i] = s * (float)sum;
    }
}

void ie_rdot_portable(const ie_repacked *r, uint64_t row, const uint8_t *const *act, int ncols, float *out)
{
    const uint8_t *q = r->q + row * r->q_row;
    const uint16_t *d = r->d + row * r->nb;
    size_t k = (size_t)r->nb * 32;
    float off = r->type == GGML_T_Q4_0 ? 8.0f : 128.0f;
    for (int c = 0; c < ncols; c++) {
        const int8_t *a = (const int8_t *)act[c];
        const float *ad = (const float *)(act[c] + k), *ads = ad + r->nb;
        float acc = 0, acc_off = 0;
        for (uint32_t i = 0; i < r->nb; i++) {
            int32_t s = 0;
            for (int j = 0; j < 32; j++) {
                int code = r->type == GGML_T_Q4_0 ? (q[(i / 2) * 32 + j] >> ((i & 1) * 4)) & 0xf : q[i * 32 + j];
                s += code * a[i * 32 + j];
            }
            float dw = ie_f16_to_f32(d[i]);
            acc += dw * ad[i] * (float)s;
            acc_off += dw * ads[i];
        }
        out[c] = acc - off * acc_off;
    }
}
