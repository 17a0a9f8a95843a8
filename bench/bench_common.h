/* bench/bench_common.h - what the benchmarks share: this machine's limits, measured the same
   way everywhere, and small helpers.

     bc_fma_peak(pool)   fp32 FMA peak in GFLOP/s with the pool's threads (NULL = 1 thread):
                         every thread runs 12 independent chains of vector FMAs (AVX-512 when
                         the compiler targets it, else AVX2+FMA, else plain C) so that neither
                         latency nor memory limits them; GFLOP/s = 2 flops x lanes x chains x
                         iterations / time, best of 5. BC_ISA names the vector width used.
     bc_read_bw(pool)    memory read bandwidth in GB/s: the threads sum disjoint parts of a
                         256 MiB buffer (far larger than any cache); GB/s = bytes / time, best
                         of 5. Memory-bound kernels (AdamW, norms, decode matvec) cannot beat it.
     bc_best_of(fn, ctx, min_reps, min_secs)
                         runs fn(ctx) at least min_reps times and for at least min_secs seconds;
                         returns the fastest run in seconds (other processes may be running).
     bc_peak_rss_mb()    peak resident set size of this process in MB (getrusage).
     bc_warn_if_busy(one, two, what)
                         prints a note when a 2-thread figure is under 1.5x the 1-thread one:
                         another process is then using the second core, so 2-thread figures
                         (and the 2-thread peak they are compared against) are unreliable.
     bc_checksum         sum of the kernels' results, printable so nothing is optimised away.

   Include it after llm.h (it runs its loops on llm_threadpool_run). Needs POSIX
   (getrusage). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#if defined(__GNUC__) || defined(__clang__)
#define BC_FN static __attribute__((unused))
#else
#define BC_FN static
#endif

#if defined(__AVX512F__)
#include <immintrin.h>
#define BC_VEC __m512
#define BC_W 16
#define BC_SET1 _mm512_set1_ps
#define BC_FMA _mm512_fmadd_ps
#define BC_ADD _mm512_add_ps
#define BC_LOAD _mm512_loadu_ps
#define BC_STORE _mm512_storeu_ps
#define BC_ISA "AVX-512"
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define BC_VEC __m256
#define BC_W 8
#define BC_SET1 _mm256_set1_ps
#define BC_FMA _mm256_fmadd_ps
#define BC_ADD _mm256_add_ps
#define BC_LOAD _mm256_loadu_ps
#define BC_STORE _mm256_storeu_ps
#define BC_ISA "AVX2+FMA"
#else
#define BC_ISA "plain C (compiler-vectorised)"
#endif

static volatile double bc_checksum;

typedef struct bc_job {
    long iters;          /* FMA loop trips per thread */
    const float *buf;    /* bandwidth buffer */
    size_t n;            /* its length in floats */
    float sink[256];     /* per-thread results */
} bc_job;

static void bc_fma_task(void *ctx, int ith, int nth) {
    bc_job *j = (bc_job *)ctx;
    long it;
    (void)nth;
#ifdef BC_VEC
    {   /* distinct starting values, so the compiler cannot merge the chains */
        BC_VEC a0 = BC_SET1(1.0f), a1 = BC_SET1(1.1f), a2 = BC_SET1(1.2f), a3 = BC_SET1(1.3f);
        BC_VEC a4 = BC_SET1(1.4f), a5 = BC_SET1(1.5f), a6 = BC_SET1(1.6f), a7 = BC_SET1(1.7f);
        BC_VEC a8 = BC_SET1(1.8f), a9 = BC_SET1(1.9f), a10 = BC_SET1(2.0f), a11 = BC_SET1(2.1f);
        BC_VEC x = BC_SET1(0.999999f + 1e-7f * (float)ith), y = BC_SET1(1e-7f);
        float out[BC_W];
        for (it = 0; it < j->iters; it++) {
            a0 = BC_FMA(a0, x, y); a1 = BC_FMA(a1, x, y); a2 = BC_FMA(a2, x, y);
            a3 = BC_FMA(a3, x, y); a4 = BC_FMA(a4, x, y); a5 = BC_FMA(a5, x, y);
            a6 = BC_FMA(a6, x, y); a7 = BC_FMA(a7, x, y); a8 = BC_FMA(a8, x, y);
            a9 = BC_FMA(a9, x, y); a10 = BC_FMA(a10, x, y); a11 = BC_FMA(a11, x, y);
        }
        a0 = BC_ADD(BC_ADD(BC_ADD(a0, a1), BC_ADD(a2, a3)), BC_ADD(BC_ADD(a4, a5), BC_ADD(a6, a7)));
        a0 = BC_ADD(a0, BC_ADD(BC_ADD(a8, a9), BC_ADD(a10, a11)));
        BC_STORE(out, a0);
        j->sink[ith % 256] = out[0];
    }
#else
    {   /* 32 chains in plain C: the compiler turns them into whatever vectors it targets */
        float a[32], x = 0.999999f + 1e-7f * (float)ith;
        int c;
        for (c = 0; c < 32; c++) a[c] = 1.0f + 0.01f * (float)c;
        for (it = 0; it < j->iters / 4; it++)
            for (c = 0; c < 32; c++) a[c] = a[c] * x + 1e-7f;
        j->sink[ith % 256] = a[0] + a[31];
    }
#endif
}

static double bc_flops_per_iter(void) {
#ifdef BC_VEC
    return 12.0 * 2.0 * BC_W;
#else
    return 64.0 / 4.0;
#endif
}

static void bc_read_task(void *ctx, int ith, int nth) {
    bc_job *j = (bc_job *)ctx;
    size_t lo, hi, i;
    lo = j->n / 64 * (size_t)ith / (size_t)nth * 64; /* whole 256-byte blocks */
    hi = j->n / 64 * (size_t)(ith + 1) / (size_t)nth * 64;
#ifdef BC_VEC
    {
        BC_VEC s0 = BC_SET1(0.0f), s1 = s0, s2 = s0, s3 = s0;
        float out[BC_W];
        for (i = lo; i < hi; i += 4 * BC_W) {
            s0 = BC_ADD(s0, BC_LOAD(j->buf + i));
            s1 = BC_ADD(s1, BC_LOAD(j->buf + i + BC_W));
            s2 = BC_ADD(s2, BC_LOAD(j->buf + i + 2 * BC_W));
            s3 = BC_ADD(s3, BC_LOAD(j->buf + i + 3 * BC_W));
        }
        BC_STORE(out, BC_ADD(BC_ADD(s0, s1), BC_ADD(s2, s3)));
        j->sink[ith % 256] = out[0];
    }
#else
    {
        float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int c;
        for (i = lo; i < hi; i += 8)
            for (c = 0; c < 8; c++) s[c] += j->buf[i + c];
        j->sink[ith % 256] = s[0] + s[7];
    }
#endif
}

static void bc_collect(const bc_job *j) {
    int i;
    double s = 0;
    for (i = 0; i < 256; i++) s += j->sink[i];
    bc_checksum += s;
}

/* fp32 FMA peak in GFLOP/s with the pool's threads (NULL: the calling thread). */
BC_FN double bc_fma_peak(llm_threadpool *pool) {
    bc_job *j = (bc_job *)calloc(1, sizeof(bc_job));
    double best = 0;
    int rep, nth = llm_threadpool_size(pool);
    if (!j) return 0;
    j->iters = 20000000;
    for (rep = 0; rep < 5; rep++) {
        double t0 = llm_time_seconds(), dt, v;
        llm_threadpool_run(pool, bc_fma_task, j, 0);
        dt = llm_time_seconds() - t0;
        v = bc_flops_per_iter() * (double)j->iters * nth / dt * 1e-9;
        if (v > best) best = v;
    }
    bc_collect(j);
    free(j);
    return best;
}

/* Memory read bandwidth in GB/s with the pool's threads, over a 256 MiB buffer. */
BC_FN double bc_read_bw(llm_threadpool *pool) {
    const size_t bytes = (size_t)256 << 20;
    bc_job *j = (bc_job *)calloc(1, sizeof(bc_job));
    float *buf = (float *)malloc(bytes);
    double best = 0;
    int rep;
    if (!j || !buf) { free(j); free(buf); return 0; }
    /* Touch every page before timing, with non-zero data: on this machine (a VM) pages of
       zeros read twice as fast as real data (75 vs 39 GB/s on one core), which would make
       every memory-bound kernel look half as efficient as it is. */
    { size_t i; for (i = 0; i < bytes / sizeof(float); i++) buf[i] = (float)(i & 1023) * 0.001f + 1.0f; }
    j->buf = buf; j->n = bytes / sizeof(float);
    for (rep = 0; rep < 5; rep++) {
        double t0 = llm_time_seconds(), dt, v;
        llm_threadpool_run(pool, bc_read_task, j, 0);
        dt = llm_time_seconds() - t0;
        v = (double)bytes / dt * 1e-9;
        if (v > best) best = v;
    }
    bc_collect(j);
    free(buf); free(j);
    return best;
}

/* Fastest of at least min_reps runs of fn(ctx) lasting at least min_secs in all, in seconds. */
BC_FN double bc_best_of(void (*fn)(void *ctx), void *ctx, int min_reps, double min_secs) {
    double best = 1e300, t_end = llm_time_seconds() + min_secs;
    int n = 0;
    while (n < min_reps || llm_time_seconds() < t_end) {
        double t0 = llm_time_seconds(), dt;
        fn(ctx);
        dt = llm_time_seconds() - t0;
        if (dt < best) best = dt;
        n++;
    }
    return best;
}

/* Peak resident set size of this process in MB. */
BC_FN double bc_peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
#if defined(__APPLE__)
    return ru.ru_maxrss / (1024.0 * 1024.0); /* bytes */
#else
    return ru.ru_maxrss / 1024.0;            /* Linux: kilobytes */
#endif
}

/* Notes a busy machine: a 2-thread FMA peak should be about twice the 1-thread one. */
BC_FN void bc_warn_if_busy(double one, double two, const char *what) {
    if (two < 1.5 * one)
        printf("note: 2-thread %s (%.0f) is under 1.5x the 1-thread one (%.0f): another process is "
               "using a core; 2-thread figures are unreliable this run\n", what, two, one);
}

#endif /* BENCH_COMMON_H */
