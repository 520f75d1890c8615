// Max pooling over NHWC images in C, vectorised over the channels (contiguous in NHWC) and
// multiversioned like CKernels.h (AVX-512 / AVX2 / baseline clones): Swift's SIMD types
// compile to the baseline's 128-bit registers, this to the machine's widest.
//
// Kernels only: no allocation, no threads; the Swift side (PoolingKernels.swift) owns
// shapes, checks and the split of a batch across cores.
#ifndef TAPESTRY_POOLING_H
#define TAPESTRY_POOLING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where max-pooling windows sit on an NHWC batch: the image's extent and channels, the
/// window's size and step, the padding before the first row and column (positions outside
/// the image are skipped), and the output grid.
typedef struct {
    ptrdiff_t height, width, channels;
    ptrdiff_t window_height, window_width, stride_height, stride_width;
    ptrdiff_t pad_top, pad_left;
    ptrdiff_t output_height, output_width;
} tapestry_pooling_geometry;

/// Writes the maximum of each window and channel of images `first_image ..< first_image +
/// images` of the NHWC batch at `input` into `output` (the batch's `[batch, outH, outW,
/// channels]`, at the same images), and when `winners` is not NULL, the flat input offset
/// (within the batch) of that maximum: the first one in row-major window order on ties, as
/// a strict `>` comparison finds it (a NaN never replaces a maximum).
void tapestry_max_pool_f32(const float *input, const tapestry_pooling_geometry *geometry, size_t first_image,
                           size_t images, float *output, int32_t *winners);

/// Writes max pooling's input cotangent for images `first_image ..< first_image + images`
/// of windows that do not overlap, every input position once: the cotangent `gradient`
/// (`[batch, outH, outW, channels]`) of the window a position lies in where `winners`
/// holds that position's flat offset, zero elsewhere and outside every window.
/// `window_row` and `window_column` give each input row's and column's window (or -1).
void tapestry_max_unpool_f32(const float *gradient, const int32_t *winners, const tapestry_pooling_geometry *geometry,
                             const ptrdiff_t *window_row, const ptrdiff_t *window_column, size_t first_image,
                             size_t images, float *input_gradient);

#ifdef __cplusplus
}
#endif

#endif
