// See include/BLASFloor.h. The CBLAS prototypes are declared here rather than included, so
// that this target builds without a header search path (OpenBLAS's cblas.h lives in a
// pkg-config folder); they are the standard CBLAS signatures.
#include "BLASFloor.h"
#include <stdlib.h>

enum { CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 };
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int threads);
int openblas_get_num_procs(void);

enum { B = 32, IN = 784, H = 64, OUT = 10, TEST = 10000 };
static float *x, *w1, *w2, *w3, *h1, *h2, *logits, *g3, *g2, *g1, *dw1, *dw2, *dw3, *tx, *t1, *t2, *t3;

static float *filled(size_t count) {
    float *p = malloc(count * sizeof(float));
    if (p) for (size_t i = 0; i < count; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

int blas_floor_prepare(void) {
    if (x) return 0;
    x = filled(B * IN); w1 = filled(IN * H); w2 = filled(H * H); w3 = filled(H * OUT);
    h1 = filled(B * H); h2 = filled(B * H); logits = filled(B * OUT);
    g3 = filled(B * OUT); g2 = filled(B * H); g1 = filled(B * H);
    dw1 = filled(IN * H); dw2 = filled(H * H); dw3 = filled(H * OUT);
    tx = filled((size_t)TEST * IN); t1 = filled(TEST * H); t2 = filled(TEST * H); t3 = filled(TEST * OUT);
    return x && w1 && w2 && w3 && h1 && h2 && logits && g3 && g2 && g1 && dw1 && dw2 && dw3 && tx && t1 && t2 && t3 ? 0 : -1;
}

// C = op(A)·op(B), row-major, beta 0.
static void product(int ta, int tb, int m, int n, int k, const float *a, const float *b, float *c) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

void blas_floor_step(void) {
    openblas_set_num_threads(1);
    product(0, 0, B, H, IN, x, w1, h1);
    product(0, 0, B, H, H, h1, w2, h2);
    product(0, 0, B, OUT, H, h2, w3, logits);
    product(1, 0, H, OUT, B, h2, g3, dw3);
    product(0, 1, B, H, OUT, g3, w3, g2);
    product(1, 0, H, H, B, h1, g2, dw2);
    product(0, 1, B, H, H, g2, w2, g1);
    product(1, 0, IN, H, B, x, g1, dw1);
}

void blas_floor_predict(void) {
    openblas_set_num_threads(openblas_get_num_procs());
    product(0, 0, TEST, H, IN, tx, w1, t1);
    product(0, 0, TEST, H, H, t1, w2, t2);
    product(0, 0, TEST, OUT, H, t2, w3, t3);
}

int blas_floor_threads(void) { return openblas_get_num_procs(); }
