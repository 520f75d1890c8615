// Direct convolution for shallow windows; see include/DirectConvolution.h.
//
// Forward: per output row, blocks of `POSITIONS` neighbouring positions times two blocks of
// `CB` output channels (one for a last odd block) accumulate in registers (the loops over
// all three have constant trip counts, so they unroll into vector FMAs: one broadcast input
// scalar times the two kernel rows); the
// positions whose window crosses the border, and the channels past the last whole block,
// go one position at a time with the border checked per tap.
//
// Gradients: per output row, the cotangent is masked by the ReLU (into a row of scratch,
// which stays in L1) and summed for the bias; then per tap, the positions whose tap lies
// inside the image are summed `POSITIONS` at a time into independent register accumulators
// (so the FMAs do not wait on each other) and added to the kernel gradient's row for that tap.
// A window of at most SHALLOW taps (a 3×3 first layer over one channel) with whole channel
// blocks instead keeps its whole gradient in registers, two blocks of channels at a time,
// and reads each position's cotangent once, masking it on the way.
#include "DirectConvolution.h"

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define TAPESTRY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TAPESTRY_CLONES
#endif

/// The deepest window (`kh · kw · in` taps) whose kernel gradient, two blocks of channels
/// wide, is summed in registers.
#define SHALLOW 9

/// Neighbouring output positions one register block covers.
#ifndef POSITIONS
#define POSITIONS 8
#endif

/// 16 floats or 8 doubles: one AVX-512 register (two AVX2 ones, four SSE ones), loaded
/// and stored unaligned.
typedef float tapestry_f32_block __attribute__((vector_size(64), aligned(4)));
typedef double tapestry_f64_block __attribute__((vector_size(64), aligned(8)));
typedef int tapestry_f32_mask __attribute__((vector_size(64)));
typedef long long tapestry_f64_mask __attribute__((vector_size(64)));

/// `⌈a / b⌉` for `a ≥ 0`, `b > 0`.
static inline ptrdiff_t ceiling_quotient(ptrdiff_t a, ptrdiff_t b) { return (a + b - 1) / b; }

/// The taps `lo..<hi` of a window starting at `start` (step `dilation`, `count` taps) that
/// fall inside `0..<extent`.
static inline __attribute__((always_inline)) void inside_taps(ptrdiff_t start, ptrdiff_t dilation, ptrdiff_t count, ptrdiff_t extent,
                               ptrdiff_t *lo, ptrdiff_t *hi) {
    ptrdiff_t first = start >= 0 ? 0 : ceiling_quotient(-start, dilation);
    ptrdiff_t last = start >= extent ? 0 : (extent - 1 - start) / dilation + 1;
    if (last > count) last = count;
    if (first > last) first = last;
    *lo = first;
    *hi = last;
}

/// The positions `lo..<hi` of `0..<count` (step `stride`, first window at `-pad`) whose
/// window of `taps` taps (step `dilation`) lies inside `0..<extent`.
static inline __attribute__((always_inline)) void inside_positions(ptrdiff_t stride, ptrdiff_t pad, ptrdiff_t taps, ptrdiff_t dilation,
                                    ptrdiff_t extent, ptrdiff_t count, ptrdiff_t *lo, ptrdiff_t *hi) {
    ptrdiff_t first = ceiling_quotient(pad, stride);
    ptrdiff_t room = extent - 1 - (taps - 1) * dilation + pad;
    ptrdiff_t last = room < 0 ? 0 : room / stride + 1;
    if (last > count) last = count;
    if (first > count) first = count;
    if (last < first) last = first;
    *lo = first;
    *hi = last;
}

// The forward pass and the kernel gradient for one scalar type `T`, `CB` channels a
// block `V` (`M` its lanes' comparison masks).
#define TAPESTRY_DIRECT_CONVOLUTION(suffix, T, V, M, CB)                                                            \
    /* One output position, channels `c0..<c0 + width` (width ≤ CB), taps checked against the border. */           \
    static inline __attribute__((always_inline)) void position_##suffix(const T *restrict image, const T *restrict kernel,                       \
                                         const T *restrict bias, const tapestry_convolution_geometry *g,           \
                                         ptrdiff_t top, ptrdiff_t kh_lo, ptrdiff_t kh_hi, ptrdiff_t left,         \
                                         ptrdiff_t c0, ptrdiff_t width, int rectify, T *restrict out) {           \
        const ptrdiff_t W = g->width, C = g->input_channels, O = g->output_channels;                              \
        ptrdiff_t kw_lo, kw_hi;                                                                                   \
        inside_taps(left, g->dilation_width, g->kernel_width, W, &kw_lo, &kw_hi);                                 \
        if (width == CB) {                                                                                        \
            /* A whole block: one vector accumulator. */                                                          \
            V sum = bias ? *(const V *)(bias + c0) : (V){0};                                                      \
            for (ptrdiff_t kh = kh_lo; kh < kh_hi; kh++) {                                                        \
                const ptrdiff_t row = top + kh * g->dilation_height;                                              \
                for (ptrdiff_t kw = kw_lo; kw < kw_hi; kw++) {                                                    \
                    const T *restrict x = image + (row * W + left + kw * g->dilation_width) * C;                  \
                    const T *restrict w = kernel + (kh * g->kernel_width + kw) * C * O + c0;                      \
                    for (ptrdiff_t ci = 0; ci < C; ci++) sum += x[ci] * *(const V *)(w + ci * O);                 \
                }                                                                                                 \
            }                                                                                                     \
            if (rectify) sum = (V)((M)sum & ~(sum < 0));                                                          \
            *(V *)out = sum;                                                                                      \
            return;                                                                                               \
        }                                                                                                         \
        T acc[CB];                                                                                                \
        for (ptrdiff_t j = 0; j < width; j++) acc[j] = bias ? bias[c0 + j] : (T)0;                                \
        for (ptrdiff_t kh = kh_lo; kh < kh_hi; kh++) {                                                            \
            const ptrdiff_t row = top + kh * g->dilation_height;                                                  \
            for (ptrdiff_t kw = kw_lo; kw < kw_hi; kw++) {                                                        \
                const T *restrict x = image + (row * W + left + kw * g->dilation_width) * C;                      \
                const T *restrict w = kernel + (kh * g->kernel_width + kw) * C * O + c0;                          \
                for (ptrdiff_t ci = 0; ci < C; ci++) {                                                            \
                    const T xv = x[ci];                                                                           \
                    for (ptrdiff_t j = 0; j < width; j++) acc[j] += xv * w[ci * O + j];                           \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
        for (ptrdiff_t j = 0; j < width; j++) out[j] = rectify && acc[j] < 0 ? (T)0 : acc[j];                     \
    }                                                                                                             \
                                                                                                                  \
    /* POSITIONS neighbouring positions, channels `c0..<c0 + nb · CB` (nb is 1 or 2, a constant after inlining: \
       with 2, each broadcast input scalar feeds two FMAs), every tap inside the image's width (rows             \
       `kh_lo..<kh_hi` inside its height). */                                                                    \
    static inline __attribute__((always_inline)) void block_##suffix(const T *restrict image, const T *restrict kernel, const T *restrict bias,  \
                                      const tapestry_convolution_geometry *g, ptrdiff_t top, ptrdiff_t kh_lo,     \
                                      ptrdiff_t kh_hi, ptrdiff_t left, ptrdiff_t c0, int nb, int rectify,         \
                                      T *restrict out) {                                                          \
        const ptrdiff_t W = g->width, C = g->input_channels, O = g->output_channels;                              \
        const ptrdiff_t step = g->stride_width * C;                                                               \
        V acc[POSITIONS][2];                                                                                      \
        for (int b = 0; b < nb; b++) {                                                                            \
            const V start = bias ? *(const V *)(bias + c0 + b * CB) : (V){0};                                     \
            for (int p = 0; p < POSITIONS; p++) acc[p][b] = start;                                                \
        }                                                                                                         \
        /* Without dilation along the width, a window row's taps are one run of kw · in scalars. */               \
        const ptrdiff_t runs = g->dilation_width == 1 ? 1 : g->kernel_width;                                      \
        const ptrdiff_t run = g->dilation_width == 1 ? g->kernel_width * C : C;                                   \
        for (ptrdiff_t kh = kh_lo; kh < kh_hi; kh++) {                                                            \
            const ptrdiff_t row = top + kh * g->dilation_height;                                                  \
            for (ptrdiff_t kw = 0; kw < runs; kw++) {                                                             \
                const T *restrict x = image + (row * W + left + kw * g->dilation_width) * C;                      \
                const T *restrict w = kernel + (kh * g->kernel_width + kw) * C * O + c0;                          \
                for (ptrdiff_t t = 0; t < run; t++) {                                                             \
                    V wv[2];                                                                                      \
                    for (int b = 0; b < nb; b++) wv[b] = *(const V *)(w + t * O + b * CB);                        \
                    for (int p = 0; p < POSITIONS; p++) {                                                         \
                        const T xv = x[p * step + t];                                                             \
                        for (int b = 0; b < nb; b++) acc[p][b] += xv * wv[b];                                     \
                    }                                                                                             \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
        for (int p = 0; p < POSITIONS; p++)                                                                       \
            for (int b = 0; b < nb; b++) {                                                                        \
                V y = acc[p][b];                                                                                  \
                /* ReLU as a bit mask: zero where negative, NaN passes through. */                                \
                if (rectify) y = (V)((M)y & ~(y < 0));                                                            \
                *(V *)(out + p * O + b * CB) = y;                                                                 \
            }                                                                                                     \
    }                                                                                                             \
                                                                                                                  \
    TAPESTRY_CLONES                                                                                               \
    void tapestry_direct_convolution_##suffix(const T *input, const T *kernel, const T *bias,                     \
                                              const tapestry_convolution_geometry *g, size_t images, int rectify, \
                                              T *output) {                                                        \
        const ptrdiff_t H = g->height, W = g->width, C = g->input_channels, O = g->output_channels;               \
        const ptrdiff_t OH = g->output_height, OW = g->output_width;                                              \
        const ptrdiff_t whole = O - O % CB;                                                                       \
        ptrdiff_t inner_lo, inner_hi;                                                                             \
        inside_positions(g->stride_width, g->pad_left, g->kernel_width, g->dilation_width, W, OW, &inner_lo,      \
                         &inner_hi);                                                                              \
        for (size_t n = 0; n < images; n++) {                                                                     \
            const T *image = input + (ptrdiff_t)n * H * W * C;                                                    \
            for (ptrdiff_t oh = 0; oh < OH; oh++) {                                                               \
                const ptrdiff_t top = oh * g->stride_height - g->pad_top;                                         \
                ptrdiff_t kh_lo, kh_hi;                                                                           \
                inside_taps(top, g->dilation_height, g->kernel_height, H, &kh_lo, &kh_hi);                        \
                T *row_out = output + (((ptrdiff_t)n * OH + oh) * OW) * O;                                        \
                for (ptrdiff_t c0 = 0; c0 < whole;) {                                                             \
                    /* Two channel blocks at once while two remain. */                                            \
                    const int nb = c0 + 2 * CB <= whole ? 2 : 1;                                                  \
                    ptrdiff_t ow = 0;                                                                             \
                    for (; ow < inner_lo; ow++)                                                                   \
                        for (int b = 0; b < nb; b++)                                                              \
                            position_##suffix(image, kernel, bias, g, top, kh_lo, kh_hi,                          \
                                              ow * g->stride_width - g->pad_left, c0 + b * CB, CB, rectify,       \
                                              row_out + ow * O + c0 + b * CB);                                    \
                    if (nb == 2)                                                                                  \
                        for (; ow + POSITIONS <= inner_hi; ow += POSITIONS)                                       \
                            block_##suffix(image, kernel, bias, g, top, kh_lo, kh_hi,                             \
                                           ow * g->stride_width - g->pad_left, c0, 2, rectify,                    \
                                           row_out + ow * O + c0);                                                \
                    else                                                                                          \
                        for (; ow + POSITIONS <= inner_hi; ow += POSITIONS)                                       \
                            block_##suffix(image, kernel, bias, g, top, kh_lo, kh_hi,                             \
                                           ow * g->stride_width - g->pad_left, c0, 1, rectify,                    \
                                           row_out + ow * O + c0);                                                \
                    for (; ow < OW; ow++)                                                                         \
                        for (int b = 0; b < nb; b++)                                                              \
                            position_##suffix(image, kernel, bias, g, top, kh_lo, kh_hi,                          \
                                              ow * g->stride_width - g->pad_left, c0 + b * CB, CB, rectify,       \
                                              row_out + ow * O + c0 + b * CB);                                    \
                    c0 += nb * CB;                                                                                \
                }                                                                                                 \
                if (whole < O)                                                                                    \
                    for (ptrdiff_t ow = 0; ow < OW; ow++)                                                         \
                        position_##suffix(image, kernel, bias, g, top, kh_lo, kh_hi,                              \
                                          ow * g->stride_width - g->pad_left, whole, O - whole, rectify,          \
                                          row_out + ow * O + whole);                                              \
            }                                                                                                     \
        }                                                                                                         \
    }                                                                                                             \
                                                                                                                  \
    /* Adds Σ over positions `0..<count` of x[i · x_step] · g[i, c0..<c0 + CB] to `target`. */                    \
    static inline __attribute__((always_inline)) void tap_gradient_##suffix(const T *restrict x, ptrdiff_t x_step, const T *restrict gradient,   \
                                             ptrdiff_t O, ptrdiff_t count, T *restrict target) {                 \
        V acc[POSITIONS];                                                                                         \
        for (int p = 0; p < POSITIONS; p++) acc[p] = (V){0};                                                      \
        ptrdiff_t i = 0;                                                                                          \
        for (; i + POSITIONS <= count; i += POSITIONS)                                                            \
            for (int p = 0; p < POSITIONS; p++) acc[p] += x[(i + p) * x_step] * *(const V *)(gradient + (i + p) * O); \
        for (; i < count; i++) acc[0] += x[i * x_step] * *(const V *)(gradient + i * O);                          \
        for (int p = 1; p < POSITIONS; p++) acc[0] += acc[p];                                                     \
        *(V *)target += acc[0];                                                                                   \
    }                                                                                                             \
                                                                                                                  \
    /* `tap_gradient` for the channels `c0..<c0 + width` past the last whole block. */                            \
    static inline __attribute__((always_inline)) void tap_gradient_tail_##suffix(const T *restrict x, ptrdiff_t x_step,                          \
                                                  const T *restrict gradient, ptrdiff_t O, ptrdiff_t count,       \
                                                  ptrdiff_t width, T *restrict target) {                         \
        for (ptrdiff_t j = 0; j < width; j++) {                                                                   \
            T sum = 0;                                                                                            \
            for (ptrdiff_t i = 0; i < count; i++) sum += x[i * x_step] * gradient[i * O + j];                     \
            target[j] += sum;                                                                                     \
        }                                                                                                         \
    }                                                                                                             \
                                                                                                                  \
    /* The whole kernel gradient for channels `c0..<c0 + nb · CB` of a window at most SHALLOW taps deep, in      \
       registers over every position of `images` (nb is 1 or 2, a constant after inlining): per position, the     \
       masked cotangent's nb vectors are loaded once and each tap's input scalar, broadcast, feeds nb FMAs.       \
       Taps outside the image read zero. Adds into `kernel_gradient` and `bias_gradient` (when not NULL). */       \
    static inline __attribute__((always_inline)) void shallow_pass_##suffix(                                      \
        const T *restrict input, const T *restrict gradient, const T *restrict rectified_output,                  \
        const tapestry_convolution_geometry *g, size_t images, ptrdiff_t c0, int nb, T *restrict kernel_gradient, \
        T *restrict bias_gradient) {                                                                              \
        const ptrdiff_t H = g->height, W = g->width, C = g->input_channels, O = g->output_channels;               \
        const ptrdiff_t OH = g->output_height, OW = g->output_width, KH = g->kernel_height, KW = g->kernel_width; \
        const ptrdiff_t depth = KH * KW * C;                                                                      \
        /* Tap d = (kh · KW + kw) · C + ci: its row and column in the window, and its offset from the window's     \
           first scalar. */                                                                                       \
        ptrdiff_t tap_row[SHALLOW], tap_column[SHALLOW], tap_offset[SHALLOW];                                     \
        for (int d = 0; d < SHALLOW; d++) {                                                                       \
            const ptrdiff_t tap = d < depth ? d : 0, ci = tap % C, kw = tap / C % KW, kh = tap / C / KW;          \
            tap_row[d] = kh * g->dilation_height;                                                                 \
            tap_column[d] = kw * g->dilation_width;                                                               \
            tap_offset[d] = (tap_row[d] * W + tap_column[d]) * C + ci;                                            \
        }                                                                                                         \
        const ptrdiff_t reach_h = (KH - 1) * g->dilation_height, reach_w = (KW - 1) * g->dilation_width;          \
        V acc[SHALLOW][2], bias_acc[2];                                                                           \
        for (int b = 0; b < 2; b++) {                                                                             \
            bias_acc[b] = (V){0};                                                                                 \
            for (int d = 0; d < SHALLOW; d++) acc[d][b] = (V){0};                                                 \
        }                                                                                                         \
        for (size_t n = 0; n < images; n++) {                                                                     \
            const T *image = input + (ptrdiff_t)n * H * W * C;                                                    \
            for (ptrdiff_t oh = 0; oh < OH; oh++) {                                                               \
                const ptrdiff_t top = oh * g->stride_height - g->pad_top;                                         \
                const int rows_inside = top >= 0 && top + reach_h < H;                                            \
                const ptrdiff_t row_offset = (((ptrdiff_t)n * OH + oh) * OW) * O + c0;                            \
                for (ptrdiff_t ow = 0; ow < OW; ow++) {                                                           \
                    const ptrdiff_t left = ow * g->stride_width - g->pad_left;                                    \
                    V gv[2];                                                                                      \
                    for (int b = 0; b < nb; b++) {                                                                \
                        gv[b] = *(const V *)(gradient + row_offset + ow * O + b * CB);                            \
                        /* The cotangent where the output was positive, zero elsewhere (NaN counts as not). */    \
                        if (rectified_output)                                                                     \
                            gv[b] = (V)((M)gv[b] & (*(const V *)(rectified_output + row_offset + ow * O + b * CB) > 0)); \
                        bias_acc[b] += gv[b];                                                                     \
                    }                                                                                             \
                    const T *window = image + (top * W + left) * C;                                               \
                    /* Every tap, even past `depth` (their sums are dropped): no branch keeps acc out of registers, \
                       and each FMA broadcasts its input scalar straight from memory (scalars held in registers  \
                       would push the 18 accumulators out). */                                                   \
                    if (rows_inside && left >= 0 && left + reach_w < W) {                                         \
                        for (int d = 0; d < SHALLOW; d++)                                                         \
                            for (int b = 0; b < nb; b++) acc[d][b] += window[tap_offset[d]] * gv[b];              \
                    } else {                                                                                      \
                        T xs[SHALLOW];                                                                            \
                        for (int d = 0; d < SHALLOW; d++) {                                                       \
                            const ptrdiff_t y = top + tap_row[d], x = left + tap_column[d];                       \
                            xs[d] = y >= 0 && y < H && x >= 0 && x < W ? window[tap_offset[d]] : (T)0;            \
                        }                                                                                         \
                        for (int d = 0; d < SHALLOW; d++)                                                         \
                            for (int b = 0; b < nb; b++) acc[d][b] += xs[d] * gv[b];                              \
                    }                                                                                             \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
        for (int b = 0; b < nb; b++) {                                                                            \
            for (ptrdiff_t d = 0; d < depth; d++) *(V *)(kernel_gradient + d * O + c0 + b * CB) += acc[d][b];     \
            if (bias_gradient) *(V *)(bias_gradient + c0 + b * CB) += bias_acc[b];                                \
        }                                                                                                         \
    }                                                                                                             \
                                                                                                                  \
    TAPESTRY_CLONES                                                                                               \
    void tapestry_direct_convolution_gradients_##suffix(const T *input, const T *gradient,                        \
                                                        const T *rectified_output,                                \
                                                        const tapestry_convolution_geometry *g, size_t images,    \
                                                        T *row_scratch, T *kernel_gradient, T *bias_gradient) {   \
        const ptrdiff_t H = g->height, W = g->width, C = g->input_channels, O = g->output_channels;               \
        const ptrdiff_t OH = g->output_height, OW = g->output_width;                                              \
        const ptrdiff_t x_step = g->stride_width * C, whole = O - O % CB;                                         \
        if (kernel_gradient && g->kernel_height * g->kernel_width * C <= SHALLOW && whole == O) {                 \
            /* A window this shallow keeps its whole gradient in registers: one pass over the cotangent. */       \
            ptrdiff_t c0 = 0;                                                                                     \
            for (; c0 + 2 * CB <= O; c0 += 2 * CB)                                                                \
                shallow_pass_##suffix(input, gradient, rectified_output, g, images, c0, 2, kernel_gradient,       \
                                      bias_gradient);                                                             \
            if (c0 < O)                                                                                           \
                shallow_pass_##suffix(input, gradient, rectified_output, g, images, c0, 1, kernel_gradient,       \
                                      bias_gradient);                                                             \
            return;                                                                                               \
        }                                                                                                         \
        for (size_t n = 0; n < images; n++) {                                                                     \
            const T *image = input + (ptrdiff_t)n * H * W * C;                                                    \
            for (ptrdiff_t oh = 0; oh < OH; oh++) {                                                               \
                const ptrdiff_t row_offset = (((ptrdiff_t)n * OH + oh) * OW) * O;                                 \
                const T *row_gradient = gradient + row_offset;                                                    \
                if (rectified_output) {                                                                           \
                    /* The cotangent where the output was positive, zero elsewhere (NaN counts as not). */        \
                    const T *y = rectified_output + row_offset;                                                   \
                    for (ptrdiff_t i = 0; i < OW * O; i++) row_scratch[i] = y[i] > 0 ? row_gradient[i] : (T)0;    \
                    row_gradient = row_scratch;                                                                   \
                }                                                                                                 \
                if (bias_gradient)                                                                                \
                    for (ptrdiff_t ow = 0; ow < OW; ow++)                                                         \
                        for (ptrdiff_t c = 0; c < O; c++) bias_gradient[c] += row_gradient[ow * O + c];           \
                if (!kernel_gradient) continue;                                                                   \
                const ptrdiff_t top = oh * g->stride_height - g->pad_top;                                         \
                ptrdiff_t kh_lo, kh_hi;                                                                           \
                inside_taps(top, g->dilation_height, g->kernel_height, H, &kh_lo, &kh_hi);                        \
                for (ptrdiff_t kh = kh_lo; kh < kh_hi; kh++) {                                                    \
                    const ptrdiff_t row = top + kh * g->dilation_height;                                          \
                    for (ptrdiff_t kw = 0; kw < g->kernel_width; kw++) {                                          \
                        /* The positions lo..<hi whose tap `kw` lies inside the image's width. */                 \
                        const ptrdiff_t offset = kw * g->dilation_width - g->pad_left;                            \
                        ptrdiff_t lo = offset >= 0 ? 0 : ceiling_quotient(-offset, g->stride_width);              \
                        ptrdiff_t hi = W - 1 - offset < 0 ? 0 : (W - 1 - offset) / g->stride_width + 1;           \
                        if (hi > OW) hi = OW;                                                                     \
                        if (lo >= hi) continue;                                                                   \
                        const T *positions = row_gradient + lo * O;                                               \
                        for (ptrdiff_t ci = 0; ci < C; ci++) {                                                    \
                            /* The tap of position lo + i is x[i · x_step]. */                                    \
                            const T *x = image + (row * W + lo * g->stride_width + offset) * C + ci;              \
                            T *target = kernel_gradient + ((kh * g->kernel_width + kw) * C + ci) * O;             \
                            for (ptrdiff_t c0 = 0; c0 < whole; c0 += CB)                                          \
                                tap_gradient_##suffix(x, x_step, positions + c0, O, hi - lo, target + c0);        \
                            if (whole < O)                                                                        \
                                tap_gradient_tail_##suffix(x, x_step, positions + whole, O, hi - lo, O - whole,   \
                                                           target + whole);                                       \
                        }                                                                                         \
                    }                                                                                             \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
    }

TAPESTRY_DIRECT_CONVOLUTION(f32, float, tapestry_f32_block, tapestry_f32_mask, 16)
TAPESTRY_DIRECT_CONVOLUTION(f64, double, tapestry_f64_block, tapestry_f64_mask, 8)
