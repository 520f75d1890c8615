// The MLP's BLAS floor as a command (BLASFloor/ holds the products; `make bench` and
// Benchmarks/compare/run.sh build and run this, and print Tapestry's figures beside it):
//
//   cc -O2 -IBLASFloor/include -o blas_floor blas_floor.c BLASFloor/BLASFloor.c -lopenblas
//   ./blas_floor [--json]
//
// Each figure is the median of many timed repetitions after a warm-up; the epoch floor is
// the step floor × 1,875 (60,000 images in batches of 32).
#include "BLASFloor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count) {
    qsort(values, count, sizeof(double), compare_doubles);
    return values[count / 2];
}

int main(int argc, char **argv) {
    int json = argc > 1 && strcmp(argv[1], "--json") == 0;
    if (blas_floor_prepare() != 0) { fprintf(stderr, "blas_floor: out of memory\n"); return 1; }
    enum { STEP_RUNS = 41, STEPS_PER_RUN = 500, PREDICT_RUNS = 31, STEPS_PER_EPOCH = 1875 };
    double steps[STEP_RUNS], predicts[PREDICT_RUNS];
    for (int r = -3; r < STEP_RUNS; r++) {
        double start = now();
        for (int s = 0; s < STEPS_PER_RUN; s++) blas_floor_step();
        if (r >= 0) steps[r] = (now() - start) / STEPS_PER_RUN;
    }
    for (int r = -3; r < PREDICT_RUNS; r++) {
        double start = now();
        blas_floor_predict();
        if (r >= 0) predicts[r] = now() - start;
    }
    double step = median(steps, STEP_RUNS), predict = median(predicts, PREDICT_RUNS);
    if (json) {
        printf("{\"stepSeconds\": %.9f, \"epochSeconds\": %.6f, \"predictSeconds\": %.9f, \"threads\": %d}\n",
               step, step * STEPS_PER_EPOCH, predict, blas_floor_threads());
    } else {
        printf("BLAS floor (OpenBLAS alone on the MLP's own products, medians):\n");
        printf("  training step, batch 32, 8 products, 1 thread:  %8.1f µs\n", step * 1e6);
        printf("  epoch = step × %d:                            %8.3f s\n", STEPS_PER_EPOCH, step * STEPS_PER_EPOCH);
        printf("  predict 10,000 images, 3 products, %d threads:   %8.2f ms\n", blas_floor_threads(), predict * 1e3);
    }
    return 0;
}
