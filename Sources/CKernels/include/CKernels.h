// Tapestry's hot element-wise loops in C, each compiled for several instruction sets with
// function multiversioning (`target_clones`): one portable binary runs the AVX-512 or AVX2
// version where the CPU has it and the baseline x86-64 (or the only) version elsewhere. The
// loader picks a clone once, at the first call (an ifunc resolver), so a call costs what a
// call through the PLT costs.
//
// Kernels only: no allocation, no autodiff; the Swift side owns shapes and checks.
#ifndef TAPESTRY_CKERNELS_H
#define TAPESTRY_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One Adam step over `count` parameters, in Keras's arithmetic:
/// m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2); θ ← θ − α·m / (√v + ε),
/// where `alpha` already holds the bias-corrected learning rate.
void tapestry_adam_f32(float *theta, const float *gradient, float *m, float *v, size_t count,
                       float alpha, float one_minus_beta1, float one_minus_beta2, float epsilon);

/// `tapestry_adam_f32` in double precision.
void tapestry_adam_f64(double *theta, const double *gradient, double *m, double *v, size_t count,
                       double alpha, double one_minus_beta1, double one_minus_beta2, double epsilon);

/// Gathers rows of bytes and writes them as floats divided by `divisor`: row `k` of the
/// output is row `rows[k]` of `source` (`width` bytes per row). The quotient is the
/// correctly rounded `(float)byte / divisor`, the same as Swift's `Float(byte) / divisor`.
void tapestry_gather_bytes_as_floats(const uint8_t *source, const ptrdiff_t *rows, size_t row_count,
                                     size_t width, float divisor, float *output);

#ifdef __cplusplus
}
#endif

#endif
