// Multiversioned element-wise kernels; see include/CKernels.h.
#include "CKernels.h"

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define TAPESTRY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TAPESTRY_CLONES
#endif

// `__builtin_elementwise_sqrt` is the square root without errno (C's sqrtf may set errno
// for negative inputs, which keeps loops from vectorising unless -fno-math-errno).
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define TAPESTRY_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#include <math.h>
#define TAPESTRY_SQRT(x) sqrt(x)
#endif

// One Adam loop per scalar type, written once.
#define TAPESTRY_ADAM(name, T)                                                                              \
    TAPESTRY_CLONES                                                                                         \
    void name(T *restrict theta, const T *restrict gradient, T *restrict m, T *restrict v, size_t count,    \
              T alpha, T one_minus_beta1, T one_minus_beta2, T epsilon) {                                   \
        for (size_t i = 0; i < count; i++) {                                                                \
            T g = gradient[i];                                                                              \
            T mi = m[i] + (g - m[i]) * one_minus_beta1;                                                     \
            T vi = v[i] + (g * g - v[i]) * one_minus_beta2;                                                 \
            m[i] = mi;                                                                                      \
            v[i] = vi;                                                                                      \
            theta[i] -= alpha * mi / (TAPESTRY_SQRT(vi) + epsilon);                                         \
        }                                                                                                   \
    }

TAPESTRY_ADAM(tapestry_adam_f32, float)
TAPESTRY_ADAM(tapestry_adam_f64, double)

// Rows ahead whose cache lines are requested while a row is converted: a shuffled batch
// reads rows scattered over the whole dataset (47 MB for Fashion's training images), so
// each row's first line misses to DRAM; requested a few rows early, the misses overlap.
enum { TAPESTRY_GATHER_PREFETCH_ROWS = 8 };

static inline void tapestry_prefetch_row(const uint8_t *row, size_t width) {
    for (size_t offset = 0; offset < width; offset += 64) __builtin_prefetch(row + offset, 0, 3);
}

TAPESTRY_CLONES
void tapestry_gather_bytes_as_floats(const uint8_t *restrict source, const ptrdiff_t *restrict rows, size_t row_count,
                                     size_t width, float divisor, float *restrict output) {
    for (size_t k = 0; k < row_count && k < TAPESTRY_GATHER_PREFETCH_ROWS; k++) {
        tapestry_prefetch_row(source + (size_t)rows[k] * width, width);
    }
    for (size_t k = 0; k < row_count; k++) {
        if (k + TAPESTRY_GATHER_PREFETCH_ROWS < row_count) {
            tapestry_prefetch_row(source + (size_t)rows[k + TAPESTRY_GATHER_PREFETCH_ROWS] * width, width);
        }
        const uint8_t *restrict row = source + (size_t)rows[k] * width;
        float *restrict out = output + k * width;
        for (size_t i = 0; i < width; i++) out[i] = (float)row[i] / divisor;
    }
}
