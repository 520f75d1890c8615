// Direct 2-D convolution for shallow windows (few taps times input channels), where im2col
// and a matrix product of depth `kh · kw · in` waste most of their time copying and packing:
// the forward pass (with bias and optional ReLU) and the kernel's and bias's gradients
// (through the ReLU), over NHWC images and HWIO kernels, vectorised over the output
// channels (contiguous in both layouts). Multiversioned like CKernels.h (AVX-512 / AVX2 /
// baseline clones).
//
// Kernels only: no allocation, no threads, no autodiff; the Swift side owns shapes, checks
// and the split of a batch across cores.
#ifndef TAPESTRY_DIRECT_CONVOLUTION_H
#define TAPESTRY_DIRECT_CONVOLUTION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where a convolution's windows sit on one NHWC image: the image's extent, an HWIO
/// kernel's, the step and spacing of the taps, the implicit zero padding before the first
/// row and column, and the output grid. Taps outside the image read zero.
typedef struct {
    ptrdiff_t height, width, input_channels;
    ptrdiff_t kernel_height, kernel_width, output_channels;
    ptrdiff_t stride_height, stride_width;
    ptrdiff_t dilation_height, dilation_width;
    ptrdiff_t pad_top, pad_left;
    ptrdiff_t output_height, output_width;
} tapestry_convolution_geometry;

/// Convolves `images` consecutive NHWC images starting at `input` with the HWIO `kernel`,
/// adds `bias` (`[out]`, or NULL for none), applies ReLU (`x < 0 ? 0 : x`) when `rectify`
/// is non-zero, and writes `[images, outH, outW, out]` to `output` (uninitialised).
void tapestry_direct_convolution_f32(const float *input, const float *kernel, const float *bias,
                                     const tapestry_convolution_geometry *geometry, size_t images, int rectify,
                                     float *output);

/// `tapestry_direct_convolution_f32` in double precision.
void tapestry_direct_convolution_f64(const double *input, const double *kernel, const double *bias,
                                     const tapestry_convolution_geometry *geometry, size_t images, int rectify,
                                     double *output);

/// The kernel's and bias's gradients over the positions of `images` consecutive images
/// (`input` NHWC, `gradient` the cotangent `[images, outH, outW, out]`):
/// `dW[kh, kw, in, out] += Σ x[tap] · g[position, out]` into `kernel_gradient` (HWIO,
/// initialised) and `db[out] += Σ g[position, out]` into `bias_gradient` (initialised), each
/// skipped when NULL. With `rectified_output` (the forward's output after ReLU, laid out as
/// `gradient`), the cotangent counts only where that output is positive; `row_scratch`
/// then holds `outW · out` scalars for one masked row (otherwise it may be NULL).
void tapestry_direct_convolution_gradients_f32(const float *input, const float *gradient, const float *rectified_output,
                                               const tapestry_convolution_geometry *geometry, size_t images,
                                               float *row_scratch, float *kernel_gradient, float *bias_gradient);

/// `tapestry_direct_convolution_gradients_f32` in double precision.
void tapestry_direct_convolution_gradients_f64(const double *input, const double *gradient,
                                               const double *rectified_output,
                                               const tapestry_convolution_geometry *geometry, size_t images,
                                               double *row_scratch, double *kernel_gradient, double *bias_gradient);

#ifdef __cplusplus
}
#endif

#endif
