/* bench/gemm.c - GEMM speed of llm_gemm, the one kernel behind every matmul.

   Shows, for the GPT-2 124M shapes at BT = 256 rows (C = 768, OC = 2304 / 768 / 3072 and
   the 50304-wide classifier), the three forms the model runs:
       fwd   out[BT,OC]  = inp[BT,C] . W[OC,C]^T
       dinp  dinp[BT,C] += dout[BT,OC] . W[OC,C]
       dwt   dW[OC,C]   += dout[BT,OC]^T . inp[BT,C]
   as GFLOP/s with 1 and 2 threads and as a percentage of the machine's FMA peak, which is
   measured by bench/bench_common.h (as in bench/peak.c); plus a naive triple loop for scale.
   Build:  cc -O3 -march=native -o gemm bench/gemm.c -lm -lpthread
   Usage:  ./gemm [seconds per measurement, default 0.3]
   It prints figures and never fails on time. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include "bench_common.h"
#include <stdio.h>
#include <stdlib.h>

static void fill(float *x, size_t n, unsigned seed) {
    size_t i;
    for (i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; x[i] = (float)(seed >> 8) / 16777216.0f - 0.5f; }
}

typedef struct gm_call {
    llm_threadpool *pool;
    void *ws;
    int form, BT, C, OC;
    float *inp, *w, *out;
} gm_call;
static void gm_run(void *ctx) {
    gm_call *g = (gm_call *)ctx;
    if (g->form == 0)      /* out[BT,OC] = inp[BT,C] . W[OC,C]^T; inp = inp, w = W, out = out */
        llm_gemm(g->pool, g->ws, g->BT, g->OC, g->C, g->inp, g->C, 1, g->w, 1, g->C, g->out, g->OC, 0);
    else if (g->form == 1) /* dinp[BT,C] += dout[BT,OC] . W; out = dout, w = W, inp = dinp */
        llm_gemm(g->pool, g->ws, g->BT, g->C, g->OC, g->out, g->OC, 1, g->w, g->C, 1, g->inp, g->C, 1);
    else                   /* dW[OC,C] += dout^T . inp; out = dout, inp = inp, w = dW */
        llm_gemm(g->pool, g->ws, g->OC, g->C, g->BT, g->out, 1, g->OC, g->inp, g->C, 1, g->w, g->C, 1);
}

/* Best GFLOP/s over repeated calls for `secs` seconds. form: 0 fwd, 1 dinp, 2 dwt. */
static double bench_form(llm_threadpool *pool, int form, int BT, int C, int OC,
                         float *inp, float *w, float *out, double secs) {
    gm_call g;
    double best;
    /* the workspace 64-byte aligned, as llm.h's own trainers and sessions have it */
    unsigned char *raw = (unsigned char *)malloc(llm_gemm_workspace_size(pool) + 64);
    g.ws = raw + (64 - (uintptr_t)raw % 64) % 64;
    g.pool = pool; g.form = form; g.BT = BT; g.C = C; g.OC = OC; g.inp = inp; g.w = w; g.out = out;
    best = 2.0 * BT * C * OC / bc_best_of(gm_run, &g, 3, secs) * 1e-9;
    free(raw);
    return best;
}

int main(int argc, char **argv) {
    static const int shapes[][2] = { {768, 2304}, {768, 768}, {768, 3072}, {3072, 768}, {768, 50304} };
    static const char *forms[3] = { "fwd ", "dinp", "dwt " };
    const int BT = 256;
    double secs = argc > 1 ? atof(argv[1]) : 0.3, peak1, peak2;
    llm_threadpool *pool2;
    size_t s;
    if (llm_threadpool_create(2, NULL, &pool2, NULL) != LLM_OK) { puts("cannot create thread pool"); return 1; }
    peak1 = bc_fma_peak(NULL);
    peak2 = bc_fma_peak(pool2);
    printf("FMA peak: %.1f GFLOP/s (1 thread), %.1f GFLOP/s (2 threads)\n", peak1, peak2);
    printf("build: %s\n", llm_build_info());
    printf("%-4s %5s %6s %6s   %8s %5s   %8s %5s\n", "form", "BT", "C", "OC", "1 thr", "%pk", "2 thr", "%pk");
    for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int C = shapes[s][0], OC = shapes[s][1], f;
        float *inp = (float *)malloc((size_t)BT * C * sizeof(float));
        float *w = (float *)malloc((size_t)OC * C * sizeof(float));
        float *out = (float *)malloc((size_t)BT * OC * sizeof(float));
        if (!inp || !w || !out) { puts("out of memory"); return 1; }
        fill(inp, (size_t)BT * C, 1); fill(w, (size_t)OC * C, 2); fill(out, (size_t)BT * OC, 3);
        for (f = 0; f < 3; f++) {
            double g1 = bench_form(NULL, f, BT, C, OC, inp, w, out, secs);
            double g2 = bench_form(pool2, f, BT, C, OC, inp, w, out, secs);
            printf("%-4s %5d %6d %6d   %8.1f %4.0f%%   %8.1f %4.0f%%\n", forms[f], BT, C, OC,
                   g1, 100 * g1 / peak1, g2, 100 * g2 / peak2);
            fflush(stdout);
            if (f == 2) fill(w, (size_t)OC * C, 2); /* dW accumulated into W; keep it bounded */
            fill(inp, (size_t)BT * C, 1);
        }
        free(inp); free(w); free(out);
    }
    { /* naive loop for scale: out = inp . W^T at BT=256, C=768, OC=768, 1 thread */
        int C = 768, OC = 768, i, j, k;
        float *inp = (float *)malloc((size_t)BT * C * sizeof(float));
        float *w = (float *)malloc((size_t)OC * C * sizeof(float));
        float *out = (float *)malloc((size_t)BT * OC * sizeof(float));
        double t0, dt;
        if (!inp || !w || !out) { puts("out of memory"); return 1; }
        fill(inp, (size_t)BT * C, 1); fill(w, (size_t)OC * C, 2);
        t0 = llm_time_seconds();
        for (i = 0; i < BT; i++)
            for (j = 0; j < OC; j++) {
                float acc = 0;
                for (k = 0; k < C; k++) acc += inp[i * C + k] * w[j * C + k];
                out[i * OC + j] = acc;
            }
        dt = llm_time_seconds() - t0;
        printf("naive loop fwd %d x %d x %d, 1 thread: %.1f GFLOP/s (%.0f%% of peak)  [%g]\n", BT, C, OC,
               2.0 * BT * C * OC / dt * 1e-9, 100 * 2.0 * BT * C * OC / dt * 1e-9 / peak1, out[0]);
        free(inp); free(w); free(out);
    }
    llm_threadpool_free(pool2);
    return 0;
}
