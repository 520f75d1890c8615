// Multiversioned transforms of Winograd's F(2×2, 3×3) convolution; see include/Winograd.h.
#include "Winograd.h"

#include <string.h>

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define TAPESTRY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TAPESTRY_CLONES
#endif

// Output channels one output-transform step handles: its edge tiles go through a stack
// buffer of this many channels per output position.
#define TAPESTRY_WINOGRAD_BLOCK 64

// U = G g Gᵀ, element-wise over the `in · out` scalars of each of the nine taps.
#define TAPESTRY_WINOGRAD_KERNEL(name, T)                                                                   \
    TAPESTRY_CLONES                                                                                         \
    void name(const T *restrict kernel, size_t input_channels, size_t output_channels, T *restrict u) {    \
        const size_t plane = input_channels * output_channels;                                             \
        const T *restrict g0 = kernel, *restrict g1 = kernel + plane, *restrict g2 = kernel + 2 * plane;    \
        const T *restrict g3 = kernel + 3 * plane, *restrict g4 = kernel + 4 * plane;                       \
        const T *restrict g5 = kernel + 5 * plane, *restrict g6 = kernel + 6 * plane;                       \
        const T *restrict g7 = kernel + 7 * plane, *restrict g8 = kernel + 8 * plane;                       \
        const T half = (T)0.5;                                                                              \
        for (size_t j = 0; j < plane; j++) {                                                               \
            /* t = G g: four rows of three, one per row of G. */                                            \
            T t00 = g0[j], t01 = g1[j], t02 = g2[j];                                                        \
            T t10 = half * (g0[j] + g3[j] + g6[j]), t11 = half * (g1[j] + g4[j] + g7[j]);                   \
            T t12 = half * (g2[j] + g5[j] + g8[j]);                                                         \
            T t20 = half * (g0[j] - g3[j] + g6[j]), t21 = half * (g1[j] - g4[j] + g7[j]);                   \
            T t22 = half * (g2[j] - g5[j] + g8[j]);                                                         \
            T t30 = g6[j], t31 = g7[j], t32 = g8[j];                                                        \
            /* U = t Gᵀ: each row of t times Gᵀ. */                                                         \
            u[0 * plane + j] = t00;                                                                         \
            u[1 * plane + j] = half * (t00 + t01 + t02);                                                    \
            u[2 * plane + j] = half * (t00 - t01 + t02);                                                    \
            u[3 * plane + j] = t02;                                                                         \
            u[4 * plane + j] = t10;                                                                         \
            u[5 * plane + j] = half * (t10 + t11 + t12);                                                    \
            u[6 * plane + j] = half * (t10 - t11 + t12);                                                    \
            u[7 * plane + j] = t12;                                                                         \
            u[8 * plane + j] = t20;                                                                         \
            u[9 * plane + j] = half * (t20 + t21 + t22);                                                    \
            u[10 * plane + j] = half * (t20 - t21 + t22);                                                   \
            u[11 * plane + j] = t22;                                                                        \
            u[12 * plane + j] = t30;                                                                        \
            u[13 * plane + j] = half * (t30 + t31 + t32);                                                   \
            u[14 * plane + j] = half * (t30 - t31 + t32);                                                   \
            u[15 * plane + j] = t32;                                                                        \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_KERNEL(tapestry_winograd_kernel_f32, float)
TAPESTRY_WINOGRAD_KERNEL(tapestry_winograd_kernel_f64, double)

// V = Bᵀ d B for one tile, vectorised over channels: `d` holds the 16 rows of the 4×4
// input tile (row-major), each `channels` scalars (a real input position or the zeros).
#define TAPESTRY_WINOGRAD_INPUT_TILE(name, T)                                                               \
    static inline __attribute__((always_inline)) void name(const T *const d[16], size_t channels,          \
                                                           size_t plane, T *restrict v) {                   \
        for (size_t c = 0; c < channels; c++) {                                                            \
            T x[16];                                                                                        \
            for (int i = 0; i < 16; i++) x[i] = d[i][c];                                                   \
            /* Bᵀ d: rows 0 − 2, 1 + 2, 2 − 1, 1 − 3 of d. */                                              \
            T r[16];                                                                                        \
            for (int s = 0; s < 4; s++) {                                                                   \
                r[0 + s] = x[0 + s] - x[8 + s];                                                             \
                r[4 + s] = x[4 + s] + x[8 + s];                                                             \
                r[8 + s] = x[8 + s] - x[4 + s];                                                             \
                r[12 + s] = x[4 + s] - x[12 + s];                                                           \
            }                                                                                               \
            /* (Bᵀ d) B: the same combination of columns. */                                                \
            for (int q = 0; q < 4; q++) {                                                                   \
                v[(4 * q + 0) * plane + c] = r[4 * q + 0] - r[4 * q + 2];                                   \
                v[(4 * q + 1) * plane + c] = r[4 * q + 1] + r[4 * q + 2];                                   \
                v[(4 * q + 2) * plane + c] = r[4 * q + 2] - r[4 * q + 1];                                   \
                v[(4 * q + 3) * plane + c] = r[4 * q + 1] - r[4 * q + 3];                                   \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_INPUT_TILE(winograd_input_tile_f32, float)
TAPESTRY_WINOGRAD_INPUT_TILE(winograd_input_tile_f64, double)

#define TAPESTRY_WINOGRAD_INPUT(name, tile, T)                                                              \
    TAPESTRY_CLONES                                                                                         \
    void name(const T *restrict input, const tapestry_winograd_geometry *geometry, size_t first_tile,      \
              size_t tile_count, const T *restrict zeros, T *restrict transformed) {                       \
        const tapestry_winograd_geometry g = *geometry;                                                     \
        const size_t channels = g.input_channels, plane = tile_count * channels;                           \
        const size_t per_image = g.tile_rows * g.tile_columns;                                              \
        size_t image = first_tile / per_image, row = first_tile % per_image / g.tile_columns;              \
        size_t column = first_tile % g.tile_columns;                                                        \
        for (size_t t = 0; t < tile_count; t++) {                                                          \
            const T *base = input + image * g.height * g.width * channels;                                 \
            const ptrdiff_t top = 2 * (ptrdiff_t)row - g.pad_top, left = 2 * (ptrdiff_t)column - g.pad_left; \
            const T *d[16];                                                                                 \
            for (int i = 0; i < 4; i++) {                                                                   \
                const ptrdiff_t y = top + i;                                                                \
                const int row_inside = y >= 0 && y < (ptrdiff_t)g.height;                                  \
                for (int j = 0; j < 4; j++) {                                                               \
                    const ptrdiff_t x = left + j;                                                           \
                    d[4 * i + j] = row_inside && x >= 0 && x < (ptrdiff_t)g.width                          \
                                       ? base + ((size_t)y * g.width + (size_t)x) * channels               \
                                       : zeros;                                                             \
                }                                                                                           \
            }                                                                                               \
            tile(d, channels, plane, transformed + t * channels);                                          \
            if (++column == g.tile_columns) {                                                               \
                column = 0;                                                                                 \
                if (++row == g.tile_rows) { row = 0; image++; }                                             \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_INPUT(tapestry_winograd_input_f32, winograd_input_tile_f32, float)
TAPESTRY_WINOGRAD_INPUT(tapestry_winograd_input_f64, winograd_input_tile_f64, double)

// Y = Aᵀ m A (+ bias, then ReLU) for channels [0, count) of one tile into the four output
// rows y00 (top left), y01, y10, y11; `m` holds the tile's 16 product rows.
#define TAPESTRY_WINOGRAD_OUTPUT_TILE(name, T)                                                              \
    static inline __attribute__((always_inline)) void name(                                                \
        const T *restrict m, size_t plane, size_t count, const T *restrict bias, int rectifying,           \
        T *restrict y00, T *restrict y01, T *restrict y10, T *restrict y11) {                               \
        for (size_t c = 0; c < count; c++) {                                                               \
            T x[16];                                                                                        \
            for (int i = 0; i < 16; i++) x[i] = m[i * plane + c];                                          \
            /* Aᵀ m: rows 0 + 1 + 2 and 1 − 2 − 3 of m. */                                                 \
            T r0[4], r1[4];                                                                                 \
            for (int s = 0; s < 4; s++) {                                                                   \
                r0[s] = x[s] + x[4 + s] + x[8 + s];                                                         \
                r1[s] = x[4 + s] - x[8 + s] - x[12 + s];                                                    \
            }                                                                                               \
            T a = r0[0] + r0[1] + r0[2], b = r0[1] - r0[2] - r0[3];                                         \
            T e = r1[0] + r1[1] + r1[2], f = r1[1] - r1[2] - r1[3];                                         \
            if (bias) { a += bias[c]; b += bias[c]; e += bias[c]; f += bias[c]; }                           \
            if (rectifying) {                                                                               \
                a = a < 0 ? 0 : a; b = b < 0 ? 0 : b; e = e < 0 ? 0 : e; f = f < 0 ? 0 : f;                \
            }                                                                                               \
            y00[c] = a; y01[c] = b; y10[c] = e; y11[c] = f;                                                 \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_OUTPUT_TILE(winograd_output_tile_f32, float)
TAPESTRY_WINOGRAD_OUTPUT_TILE(winograd_output_tile_f64, double)

#define TAPESTRY_WINOGRAD_OUTPUT(name, tile, T)                                                             \
    TAPESTRY_CLONES                                                                                         \
    void name(const T *restrict products, const tapestry_winograd_geometry *geometry, size_t first_tile,   \
              size_t tile_count, const T *restrict bias, int rectifying, T *restrict output) {              \
        const tapestry_winograd_geometry g = *geometry;                                                     \
        const size_t channels = g.output_channels, plane = tile_count * channels;                          \
        const size_t per_image = g.tile_rows * g.tile_columns;                                              \
        size_t image = first_tile / per_image, row = first_tile % per_image / g.tile_columns;              \
        size_t column = first_tile % g.tile_columns;                                                        \
        T edge[4][TAPESTRY_WINOGRAD_BLOCK];                                                                 \
        for (size_t t = 0; t < tile_count; t++) {                                                          \
            const size_t y = 2 * row, x = 2 * column;                                                       \
            const int lower = y + 1 < g.output_height, right = x + 1 < g.output_width;                     \
            T *out = output + ((image * g.output_height + y) * g.output_width + x) * channels;             \
            const T *m = products + t * channels;                                                           \
            if (lower && right) {                                                                           \
                T *below = out + g.output_width * channels;                                                 \
                tile(m, plane, channels, bias, rectifying, out, out + channels, below, below + channels);   \
            } else {                                                                                        \
                for (size_t c0 = 0; c0 < channels; c0 += TAPESTRY_WINOGRAD_BLOCK) {                        \
                    const size_t n = channels - c0 < TAPESTRY_WINOGRAD_BLOCK ? channels - c0                \
                                                                             : TAPESTRY_WINOGRAD_BLOCK;     \
                    tile(m + c0, plane, n, bias ? bias + c0 : NULL, rectifying, edge[0], edge[1], edge[2],  \
                         edge[3]);                                                                          \
                    memcpy(out + c0, edge[0], n * sizeof(T));                                               \
                    if (right) memcpy(out + channels + c0, edge[1], n * sizeof(T));                         \
                    if (lower) {                                                                            \
                        T *below = out + g.output_width * channels;                                         \
                        memcpy(below + c0, edge[2], n * sizeof(T));                                         \
                        if (right) memcpy(below + channels + c0, edge[3], n * sizeof(T));                   \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
            if (++column == g.tile_columns) {                                                               \
                column = 0;                                                                                 \
                if (++row == g.tile_rows) { row = 0; image++; }                                             \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_OUTPUT(tapestry_winograd_output_f32, winograd_output_tile_f32, float)
TAPESTRY_WINOGRAD_OUTPUT(tapestry_winograd_output_f64, winograd_output_tile_f64, double)

// MARK: Gradients
//
// The pullback of Y = Aᵀ [U ⊙ V] A, term by term: the output's cotangent becomes
// dM = A dY Aᵀ per tile; then dU = Σ over tiles dM ⊙ V and dV = Σ over out-channels dM ⊙ U
// (the caller's 32 matrix products), and dg = Gᵀ dU G, dd = B dV Bᵀ, the transposes of the
// kernel and input transforms. Each 4×4 dd is added onto the input positions its tile reads.

// dM = A dY Aᵀ for channels [0, channels) of one tile from its four cotangent rows
// y00 (top left), y01, y10, y11 (a row outside the output reads zeros).
#define TAPESTRY_WINOGRAD_OUTPUT_GRADIENT_TILE(name, T)                                                     \
    static inline __attribute__((always_inline)) void name(                                                \
        const T *restrict y00, const T *restrict y01, const T *restrict y10, const T *restrict y11,         \
        size_t channels, size_t plane, T *restrict m) {                                                     \
        for (size_t c = 0; c < channels; c++) {                                                            \
            const T a = y00[c], b = y01[c], e = y10[c], f = y11[c];                                         \
            /* A dY: rows dY₀, dY₀ + dY₁, dY₀ − dY₁, −dY₁; then each row [p, q] times Aᵀ. */               \
            const T p[4] = {a, a + e, a - e, -e}, q[4] = {b, b + f, b - f, -f};                             \
            for (int r = 0; r < 4; r++) {                                                                   \
                m[(4 * r + 0) * plane + c] = p[r];                                                          \
                m[(4 * r + 1) * plane + c] = p[r] + q[r];                                                   \
                m[(4 * r + 2) * plane + c] = p[r] - q[r];                                                   \
                m[(4 * r + 3) * plane + c] = -q[r];                                                         \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_OUTPUT_GRADIENT_TILE(winograd_output_gradient_tile_f32, float)
TAPESTRY_WINOGRAD_OUTPUT_GRADIENT_TILE(winograd_output_gradient_tile_f64, double)

#define TAPESTRY_WINOGRAD_OUTPUT_GRADIENT(name, tile, T)                                                    \
    TAPESTRY_CLONES                                                                                         \
    void name(const T *restrict gradient, const tapestry_winograd_geometry *geometry, size_t first_tile,   \
              size_t tile_count, const T *restrict zeros, T *restrict transformed) {                       \
        const tapestry_winograd_geometry g = *geometry;                                                     \
        const size_t channels = g.output_channels, plane = tile_count * channels;                          \
        const size_t per_image = g.tile_rows * g.tile_columns;                                              \
        size_t image = first_tile / per_image, row = first_tile % per_image / g.tile_columns;              \
        size_t column = first_tile % g.tile_columns;                                                        \
        for (size_t t = 0; t < tile_count; t++) {                                                          \
            const size_t y = 2 * row, x = 2 * column;                                                       \
            const int lower = y + 1 < g.output_height, right = x + 1 < g.output_width;                     \
            const T *top = gradient + ((image * g.output_height + y) * g.output_width + x) * channels;     \
            const T *below = top + g.output_width * channels;                                               \
            tile(top, right ? top + channels : zeros, lower ? below : zeros,                                \
                 lower && right ? below + channels : zeros, channels, plane, transformed + t * channels);   \
            if (++column == g.tile_columns) {                                                               \
                column = 0;                                                                                 \
                if (++row == g.tile_rows) { row = 0; image++; }                                             \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_OUTPUT_GRADIENT(tapestry_winograd_output_gradient_f32, winograd_output_gradient_tile_f32, float)
TAPESTRY_WINOGRAD_OUTPUT_GRADIENT(tapestry_winograd_output_gradient_f64, winograd_output_gradient_tile_f64, double)

// dd = B dV Bᵀ for channels [0, count) of one tile, whose 16 product rows are at `v`, into
// the 16 rows of `d` (row-major over the 4×4 tile, BLOCK scalars each).
#define TAPESTRY_WINOGRAD_INPUT_GRADIENT_TILE(name, T)                                                      \
    static inline __attribute__((always_inline)) void name(const T *restrict v, size_t plane, size_t count, \
                                                           T d[16][TAPESTRY_WINOGRAD_BLOCK]) {             \
        for (size_t c = 0; c < count; c++) {                                                               \
            T x[16];                                                                                        \
            for (int i = 0; i < 16; i++) x[i] = v[i * plane + c];                                          \
            /* B dV: rows dV₀, dV₁ − dV₂ + dV₃, dV₁ + dV₂ − dV₀, −dV₃. */                                   \
            T r[16];                                                                                        \
            for (int s = 0; s < 4; s++) {                                                                   \
                r[0 + s] = x[0 + s];                                                                        \
                r[4 + s] = x[4 + s] - x[8 + s] + x[12 + s];                                                 \
                r[8 + s] = x[4 + s] + x[8 + s] - x[0 + s];                                                  \
                r[12 + s] = -x[12 + s];                                                                     \
            }                                                                                               \
            /* (B dV) Bᵀ: the same combination of columns. */                                               \
            for (int q = 0; q < 4; q++) {                                                                   \
                d[4 * q + 0][c] = r[4 * q + 0];                                                             \
                d[4 * q + 1][c] = r[4 * q + 1] - r[4 * q + 2] + r[4 * q + 3];                               \
                d[4 * q + 2][c] = r[4 * q + 1] + r[4 * q + 2] - r[4 * q + 0];                               \
                d[4 * q + 3][c] = -r[4 * q + 3];                                                            \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_INPUT_GRADIENT_TILE(winograd_input_gradient_tile_f32, float)
TAPESTRY_WINOGRAD_INPUT_GRADIENT_TILE(winograd_input_gradient_tile_f64, double)

#define TAPESTRY_WINOGRAD_INPUT_GRADIENT(name, tile, T)                                                     \
    TAPESTRY_CLONES                                                                                         \
    void name(const T *restrict products, const tapestry_winograd_geometry *geometry, size_t first_tile,   \
              size_t tile_count, T *restrict input_gradient) {                                              \
        const tapestry_winograd_geometry g = *geometry;                                                     \
        const size_t channels = g.input_channels, plane = tile_count * channels;                           \
        const size_t per_image = g.tile_rows * g.tile_columns;                                              \
        size_t image = first_tile / per_image, row = first_tile % per_image / g.tile_columns;              \
        size_t column = first_tile % g.tile_columns;                                                        \
        T d[16][TAPESTRY_WINOGRAD_BLOCK];                                                                   \
        for (size_t t = 0; t < tile_count; t++) {                                                          \
            T *base = input_gradient + image * g.height * g.width * channels;                              \
            const ptrdiff_t top = 2 * (ptrdiff_t)row - g.pad_top, left = 2 * (ptrdiff_t)column - g.pad_left; \
            for (size_t c0 = 0; c0 < channels; c0 += TAPESTRY_WINOGRAD_BLOCK) {                            \
                const size_t n = channels - c0 < TAPESTRY_WINOGRAD_BLOCK ? channels - c0                    \
                                                                         : TAPESTRY_WINOGRAD_BLOCK;         \
                tile(products + t * channels + c0, plane, n, d);                                            \
                for (int i = 0; i < 4; i++) {                                                               \
                    const ptrdiff_t y = top + i;                                                            \
                    if (y < 0 || y >= (ptrdiff_t)g.height) continue;                                        \
                    for (int j = 0; j < 4; j++) {                                                           \
                        const ptrdiff_t x = left + j;                                                       \
                        if (x < 0 || x >= (ptrdiff_t)g.width) continue;                                     \
                        T *restrict target = base + ((size_t)y * g.width + (size_t)x) * channels + c0;     \
                        const T *restrict source = d[4 * i + j];                                            \
                        for (size_t c = 0; c < n; c++) target[c] += source[c];                             \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
            if (++column == g.tile_columns) {                                                               \
                column = 0;                                                                                 \
                if (++row == g.tile_rows) { row = 0; image++; }                                             \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_INPUT_GRADIENT(tapestry_winograd_input_gradient_f32, winograd_input_gradient_tile_f32, float)
TAPESTRY_WINOGRAD_INPUT_GRADIENT(tapestry_winograd_input_gradient_f64, winograd_input_gradient_tile_f64, double)

// dg = Gᵀ dU G, element-wise over the `in · out` scalars of each of the 16 planes.
#define TAPESTRY_WINOGRAD_KERNEL_GRADIENT(name, T)                                                          \
    TAPESTRY_CLONES                                                                                         \
    void name(const T *restrict u, size_t input_channels, size_t output_channels, T *restrict kernel) {    \
        const size_t plane = input_channels * output_channels;                                             \
        const T half = (T)0.5;                                                                              \
        for (size_t j = 0; j < plane; j++) {                                                               \
            T x[16];                                                                                        \
            for (int i = 0; i < 16; i++) x[i] = u[i * plane + j];                                          \
            /* Gᵀ dU: rows dU₀ + ½(dU₁ + dU₂), ½(dU₁ − dU₂), ½(dU₁ + dU₂) + dU₃. */                         \
            T r[12];                                                                                        \
            for (int s = 0; s < 4; s++) {                                                                   \
                r[0 + s] = x[0 + s] + half * (x[4 + s] + x[8 + s]);                                         \
                r[4 + s] = half * (x[4 + s] - x[8 + s]);                                                    \
                r[8 + s] = half * (x[4 + s] + x[8 + s]) + x[12 + s];                                        \
            }                                                                                               \
            /* (Gᵀ dU) G: the same combination of columns, into taps (row, column). */                      \
            for (int q = 0; q < 3; q++) {                                                                   \
                kernel[(3 * q + 0) * plane + j] = r[4 * q + 0] + half * (r[4 * q + 1] + r[4 * q + 2]);      \
                kernel[(3 * q + 1) * plane + j] = half * (r[4 * q + 1] - r[4 * q + 2]);                     \
                kernel[(3 * q + 2) * plane + j] = half * (r[4 * q + 1] + r[4 * q + 2]) + r[4 * q + 3];      \
            }                                                                                               \
        }                                                                                                   \
    }

TAPESTRY_WINOGRAD_KERNEL_GRADIENT(tapestry_winograd_kernel_gradient_f32, float)
TAPESTRY_WINOGRAD_KERNEL_GRADIENT(tapestry_winograd_kernel_gradient_f64, double)
