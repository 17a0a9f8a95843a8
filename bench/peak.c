/* bench/peak.c - what this machine can do at most: the fp32 FMA peak and the memory read
   bandwidth, with 1 and 2 threads of the llm.h thread pool.

   FMA peak: every thread runs 12 independent chains of vector FMAs (AVX-512 when the
   compiler targets it, else AVX2+FMA, else scalar C) so that neither latency nor memory
   limits them; GFLOP/s = 2 flops x lanes x chains x iterations / time. This is the figure
   bench/gemm.c and bench/train.c compare against.
   Read bandwidth: the threads sum disjoint halves of a 256 MiB buffer (far larger than any
   cache); GB/s = bytes read / time. Memory-bound kernels (AdamW, layernorm, decode matvec)
   cannot go faster than this; bench/decode.c compares against it.
   Both measurements live in bench/bench_common.h (best of 5 each).
   Build:  cc -O3 -march=native -o peak bench/peak.c -lm -lpthread
   It prints figures and never fails on time. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include "bench_common.h"
#include <stdio.h>

int main(void) {
    int t;
    double f1 = 0;
    printf("ISA: %s\n", BC_ISA);
    for (t = 1; t <= 2; t++) {
        llm_threadpool *pool = NULL;
        double f, b;
        if (t > 1 && llm_threadpool_create(t, NULL, &pool, NULL) != LLM_OK) { puts("no thread pool"); break; }
        f = bc_fma_peak(pool);
        b = bc_read_bw(pool);
        printf("%d thread%s: FMA peak %7.1f GFLOP/s   memory read %6.1f GB/s\n", t, t > 1 ? "s" : " ", f, b);
        if (t == 1) f1 = f; else bc_warn_if_busy(f1, f, "FMA peak");
        llm_threadpool_free(pool);
    }
    printf("(checksum %g)\n", (double)bc_checksum);
    return 0;
}
