// Direct 2-D convolution for shallow windows (few taps times input channels), where im2col
// and a matrix product of depth `kh · kw · in` waste most of their time copying and packing:
// the forward pass (with bias and optional ReLU) and the kernel's and bias's gradients,
// over NHWC images and HWIO kernels, vectorised over the output channels (contiguous in
// both layouts). Multiversioned like CKernels.h (AVX-512 / AVX2 / baseline clones).
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

/// The kernel's gradient `dW[kh, kw, in, out] = Σ x[tap] · g[position, out]` over the
/// positions of `images` consecutive images (`input` NHWC, `gradient`
/// `[images, outH, outW, out]`), added to `kernel_gradient` (HWIO, initialised); with
/// `bias_gradient` (initialised, or NULL), `Σ g` over the positions is added there too.
void tapestry_direct_convolution_kernel_gradient_f32(const float *input, const float *gradient,
                                                     const tapestry_convolution_geometry *geometry, size_t images,
                                                     float *kernel_gradient, float *bias_gradient);

/// `tapestry_direct_convolution_kernel_gradient_f32` in double precision.
void tapestry_direct_convolution_kernel_gradient_f64(const double *input, const double *gradient,
                                                     const tapestry_convolution_geometry *geometry, size_t images,
                                                     double *kernel_gradient, double *bias_gradient);

#ifdef __cplusplus
}
#endif

#endif
