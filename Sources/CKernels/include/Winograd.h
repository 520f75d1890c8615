// The transforms of Winograd's F(2×2, 3×3) convolution, multiversioned like CKernels.h: a
// 3×3 convolution computed a 2×2 output tile at a time from a 4×4 input tile with 16
// multiplies per (input channel, output channel) instead of 36 (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2015):
//
//     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
//     Bᵀ = | 1  0 -1  0 |     G = |  1    0    0  |     Aᵀ = | 1  1  1  0 |
//          | 0  1  1  0 |         | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
//          | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
//          | 0  1  0 -1 |         |  0    0    1  |
//
// The element-wise product summed over input channels is 16 matrix products (one per
// element of the 4×4 tile), which the caller runs through BLAS between the input and
// output transforms here. Every transform is vectorised over channels, which NHWC and HWIO
// keep contiguous.
//
// The pullback runs the transposes: the output cotangent's `dM = A dY Aᵀ` per tile, 32
// products by the caller (`dU = Σ Vᵀ dM` over tiles, `dV = dM Uᵀ`), then the kernel
// gradient `Gᵀ dU G` and the input gradient `B dV Bᵀ`, added onto the overlapping tiles.
//
// Layouts. A transformed kernel is 16 planes of `[in, out]` (plane `i` for tile element
// `i = 4·row + column`). A transformed block of tiles is 16 planes of `[tiles, channels]`.
// Tiles are numbered across a batch, image by image, then by tile row and tile column;
// tile (row, column) of an image covers output rows 2·row…2·row+1 and columns
// 2·column…2·column+1, and reads input rows 2·row − pad_top … 2·row − pad_top + 3 (the same
// for columns); input outside the image reads as zero, and output outside the output
// extent is not written.
//
// Kernels only: no allocation; the Swift side (WinogradKernels.swift) owns shapes and checks.
#ifndef TAPESTRY_WINOGRAD_H
#define TAPESTRY_WINOGRAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where the tiles of a Winograd F(2×2, 3×3) convolution sit on an NHWC batch.
typedef struct {
    /// The input image's extent and channel count.
    size_t height, width, input_channels;
    /// The output image's extent and channel count.
    size_t output_height, output_width, output_channels;
    /// Implicit zero rows above and columns left of the image.
    ptrdiff_t pad_top, pad_left;
    /// Tiles per image along the height and the width: ⌈output extent / 2⌉.
    size_t tile_rows, tile_columns;
} tapestry_winograd_geometry;

/// Writes `U = G g Gᵀ` for every (in, out) pair of an HWIO 3×3 kernel (`[3, 3, in, out]`)
/// into 16 planes of `[in, out]` at `transformed`.
void tapestry_winograd_kernel_f32(const float *kernel, size_t input_channels, size_t output_channels,
                                  float *transformed);

/// `tapestry_winograd_kernel_f32` in double precision.
void tapestry_winograd_kernel_f64(const double *kernel, size_t input_channels, size_t output_channels,
                                  double *transformed);

/// Writes `V = Bᵀ d B` of tiles `first_tile ..< first_tile + tile_count` of the NHWC batch at
/// `input` into 16 planes of `[tile_count, input_channels]` at `transformed`. `zeros` holds
/// `input_channels` zeros: the taps that fall in the padding read it.
void tapestry_winograd_input_f32(const float *input, const tapestry_winograd_geometry *geometry,
                                 size_t first_tile, size_t tile_count, const float *zeros, float *transformed);

/// `tapestry_winograd_input_f32` in double precision.
void tapestry_winograd_input_f64(const double *input, const tapestry_winograd_geometry *geometry,
                                 size_t first_tile, size_t tile_count, const double *zeros, double *transformed);

/// Writes `Y = Aᵀ m A` (plus `bias` when not null, then ReLU when `rectifying` is nonzero)
/// of tiles `first_tile ..< first_tile + tile_count`, whose products are 16 planes of
/// `[tile_count, output_channels]` at `products`, into the NHWC batch at `output`: only
/// the positions inside the output extent.
void tapestry_winograd_output_f32(const float *products, const tapestry_winograd_geometry *geometry,
                                  size_t first_tile, size_t tile_count, const float *bias, int rectifying,
                                  float *output);

/// `tapestry_winograd_output_f32` in double precision.
void tapestry_winograd_output_f64(const double *products, const tapestry_winograd_geometry *geometry,
                                  size_t first_tile, size_t tile_count, const double *bias, int rectifying,
                                  double *output);

/// Writes the pullback's `dM = A dY Aᵀ` of tiles `first_tile ..< first_tile + tile_count`
/// from the output cotangent `gradient` (NHWC, the output's shape) into 16 planes of
/// `[tile_count, output_channels]` at `transformed`. `zeros` holds `output_channels` zeros:
/// a tile's positions outside the output read it.
void tapestry_winograd_output_gradient_f32(const float *gradient, const tapestry_winograd_geometry *geometry,
                                           size_t first_tile, size_t tile_count, const float *zeros,
                                           float *transformed);

/// `tapestry_winograd_output_gradient_f32` in double precision.
void tapestry_winograd_output_gradient_f64(const double *gradient, const tapestry_winograd_geometry *geometry,
                                           size_t first_tile, size_t tile_count, const double *zeros,
                                           double *transformed);

/// Adds `dd = B dV Bᵀ` of tiles `first_tile ..< first_tile + tile_count`, whose input-side
/// products `dV` are 16 planes of `[tile_count, input_channels]` at `products`, onto the
/// input positions each tile reads in the NHWC batch gradient `input_gradient` (positions
/// in the padding are skipped; tiles overlap, so the caller zeroes it first).
void tapestry_winograd_input_gradient_f32(const float *products, const tapestry_winograd_geometry *geometry,
                                          size_t first_tile, size_t tile_count, float *input_gradient);

/// `tapestry_winograd_input_gradient_f32` in double precision.
void tapestry_winograd_input_gradient_f64(const double *products, const tapestry_winograd_geometry *geometry,
                                          size_t first_tile, size_t tile_count, double *input_gradient);

/// Writes `dg = Gᵀ dU G` for every (in, out) pair, from `dU` as 16 planes of `[in, out]`
/// at `transformed`, into an HWIO 3×3 kernel gradient (`[3, 3, in, out]`) at `kernel`.
void tapestry_winograd_kernel_gradient_f32(const float *transformed, size_t input_channels,
                                           size_t output_channels, float *kernel);

/// `tapestry_winograd_kernel_gradient_f32` in double precision.
void tapestry_winograd_kernel_gradient_f64(const double *transformed, size_t input_channels,
                                           size_t output_channels, double *kernel);

#ifdef __cplusplus
}
#endif

#endif
