// The MLP's BLAS floor: OpenBLAS alone on the exact matrix products of the Fashion-MNIST MLP
// (784 → 64 → 64 → 10), with nothing around them. Tapestry's training step and prediction
// are judged as ratios to these, measured in the same minute (the host is noisy).
#ifndef BLAS_FLOOR_H
#define BLAS_FLOOR_H

#ifdef __cplusplus
extern "C" {
#endif

/// Allocates and fills the operands once; returns 0, or -1 when memory runs out.
int blas_floor_prepare(void);

/// The 8 products of one batch-32 training step on one thread: the forward x·W1, h1·W2,
/// h2·W3 and the backward dW3 = h2ᵀ·g3, dh2 = g3·W3ᵀ, dW2 = h1ᵀ·g2, dh1 = g2·W2ᵀ,
/// dW1 = xᵀ·g1 (the input's gradient is never needed).
void blas_floor_step(void);

/// The 3 forward products for the 10,000 test images, on every core.
void blas_floor_predict(void);

/// The number of threads `blas_floor_predict` uses.
int blas_floor_threads(void);

#ifdef __cplusplus
}
#endif

#endif
