// Max pooling in C; see include/Pooling.h.
//
// Per window, its first position is copied to the output (and its offsets to the winners),
// then every other position is compared channel by channel and selected without a branch,
// so the channel loops vectorise; the window's output row stays in L1 throughout.
#include "Pooling.h"

#include <string.h>

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define TAPESTRY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TAPESTRY_CLONES
#endif

TAPESTRY_CLONES
void tapestry_max_pool_f32(const float *restrict input, const tapestry_pooling_geometry *geometry, size_t first_image,
                           size_t images, float *restrict output, int32_t *restrict winners) {
    const tapestry_pooling_geometry g = *geometry;
    const ptrdiff_t H = g.height, W = g.width, C = g.channels;
    for (ptrdiff_t n = (ptrdiff_t)first_image; n < (ptrdiff_t)(first_image + images); n++) {
        for (ptrdiff_t oh = 0; oh < g.output_height; oh++) {
            const ptrdiff_t top = oh * g.stride_height - g.pad_top;
            const ptrdiff_t r0 = top > 0 ? top : 0, r1 = top + g.window_height < H ? top + g.window_height : H;
            for (ptrdiff_t ow = 0; ow < g.output_width; ow++) {
                const ptrdiff_t left = ow * g.stride_width - g.pad_left;
                const ptrdiff_t c0 = left > 0 ? left : 0, c1 = left + g.window_width < W ? left + g.window_width : W;
                const ptrdiff_t at = ((n * g.output_height + oh) * g.output_width + ow) * C;
                float *restrict best = output + at;
                const ptrdiff_t first = ((n * H + r0) * W + c0) * C;
                memcpy(best, input + first, (size_t)C * sizeof(float));
                if (winners) {
                    int32_t *restrict winner = winners + at;
                    for (ptrdiff_t c = 0; c < C; c++) winner[c] = (int32_t)(first + c);
                    for (ptrdiff_t r = r0; r < r1; r++)
                        for (ptrdiff_t col = c0; col < c1; col++) {
                            const ptrdiff_t offset = ((n * H + r) * W + col) * C;
                            if (offset == first) continue;
                            const float *restrict source = input + offset;
                            for (ptrdiff_t c = 0; c < C; c++) {
                                const float value = source[c];
                                const int better = value > best[c];
                                best[c] = better ? value : best[c];
                                winner[c] = better ? (int32_t)(offset + c) : winner[c];
                            }
                        }
                } else {
                    for (ptrdiff_t r = r0; r < r1; r++)
                        for (ptrdiff_t col = c0; col < c1; col++) {
                            const ptrdiff_t offset = ((n * H + r) * W + col) * C;
                            if (offset == first) continue;
                            const float *restrict source = input + offset;
                            for (ptrdiff_t c = 0; c < C; c++) best[c] = source[c] > best[c] ? source[c] : best[c];
                        }
                }
            }
        }
    }
}

TAPESTRY_CLONES
void tapestry_max_unpool_f32(const float *restrict gradient, const int32_t *restrict winners,
                             const tapestry_pooling_geometry *geometry, const ptrdiff_t *window_row,
                             const ptrdiff_t *window_column, size_t first_image, size_t images,
                             float *restrict input_gradient) {
    const tapestry_pooling_geometry g = *geometry;
    const ptrdiff_t H = g.height, W = g.width, C = g.channels;
    for (ptrdiff_t n = (ptrdiff_t)first_image; n < (ptrdiff_t)(first_image + images); n++)
        for (ptrdiff_t r = 0; r < H; r++)
            for (ptrdiff_t col = 0; col < W; col++) {
                const ptrdiff_t offset = ((n * H + r) * W + col) * C;
                float *restrict target = input_gradient + offset;
                const ptrdiff_t oh = window_row[r], ow = window_column[col];
                if (oh < 0 || ow < 0) {
                    memset(target, 0, (size_t)C * sizeof(float));
                    continue;
                }
                const ptrdiff_t at = ((n * g.output_height + oh) * g.output_width + ow) * C;
                const float *restrict source = gradient + at;
                const int32_t *restrict winner = winners + at;
                const int32_t base = (int32_t)offset;
                for (ptrdiff_t c = 0; c < C; c++) target[c] = winner[c] == base + (int32_t)c ? source[c] : 0.0f;
            }
}
