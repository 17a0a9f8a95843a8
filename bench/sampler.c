/* bench/sampler.c - time per token of llm_sampler_sample.

   Shows microseconds per sampled token for vocabularies of 32000 (Llama) and 50257 (GPT-2)
   with the usual settings: greedy; temperature 0.8 + top-k 40; temperature 0.8 + top-p 0.9;
   top-p 0.95 alone; min-p 0.05; penalties (repeat 1.1, presence 0.2, frequency 0.1 over 64
   tokens) with temperature 0.8 + top-k 40. Two kinds of logits:
     peaked   LLM-like: a few tokens carry most of the mass (a Gumbel-like tail: a handful
              of logits 8-14 above a normal(0, 2) background); the nucleus is small
     flat     normal(0, 1) logits: at p 0.9 the nucleus holds most of the vocabulary, the
              worst case for top-p (see >>sampler)
   and, for scale, the naive way: qsort all V weights and walk them (what the sampler
   avoids). Also the floor: one pass copying the logits with the NaN check and the max.
   Build:  cc -O3 -march=native -o bench_sampler bench/sampler.c -lm -lpthread
   Usage:  ./bench_sampler [seconds per figure, default 0.2]
   It prints figures and never fails on time. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 8 /* distinct logit rows, cycled (a model writes a fresh row per token) */

typedef struct bs_setting {
    const char *name;
    float temperature, top_p, min_p, rep, pres, freq;
    int top_k;
} bs_setting;

static const bs_setting settings[] = {
    { "greedy", 0, 0, 0, 0, 0, 0, 0 },
    { "temp 0.8 + top-k 40", 0.8f, 0, 0, 0, 0, 0, 40 },
    { "temp 0.8 + top-p 0.9", 0.8f, 0.9f, 0, 0, 0, 0, 0 },
    { "top-p 0.95 (temp 1)", 1.0f, 0.95f, 0, 0, 0, 0, 0 },
    { "min-p 0.05 (temp 1)", 1.0f, 0, 0.05f, 0, 0, 0, 0 },
    { "temp 0.8 (no filter)", 0.8f, 0, 0, 0, 0, 0, 0 },
    { "penalties + temp 0.8 + top-k 40", 0.8f, 0, 0, 1.1f, 0.2f, 0.1f, 40 },
};

static void make_logits(float *l, int V, int peaked, llm_rng *rng) {
    int i;
    for (i = 0; i < V; i++) l[i] = (peaked ? 2.0f : 1.0f) * llm_rng_normal(rng);
    if (peaked)
        for (i = 0; i < 6; i++) l[llm_rng_u32(rng) % (uint32_t)V] += 8.0f + 6.0f * llm_rng_float(rng);
}

static double time_setting(const bs_setting *st, const float *rows, int V, double secs, double *avg_set) {
    llm_sampler_desc d;
    llm_sampler *s;
    llm_error err;
    double t0, t;
    long n = 0, total_set = 0;
    int32_t tok;
    memset(&d, 0, sizeof d);
    d.vocab_size = V; d.temperature = st->temperature; d.top_k = st->top_k; d.top_p = st->top_p;
    d.min_p = st->min_p; d.repeat_penalty = st->rep; d.presence_penalty = st->pres;
    d.frequency_penalty = st->freq; d.seed = 1;
    *avg_set = 0;
    if (llm_sampler_create(NULL, &d, &s, &err) != LLM_OK) { printf("create: %s\n", err.message); return 0; }
    for (n = 0; n < 64; n++) llm_sampler_accept(s, (int32_t)(n * 7919 % V)); /* a full window */
    n = 0;
    t0 = llm_time_seconds();
    do {
        int k;
        for (k = 0; k < 16; k++, n++) llm_sampler_sample(s, rows + (size_t)(n % ROWS) * V, &tok);
        t = llm_time_seconds() - t0;
    } while (t < secs);
    /* the average size of the kept set, measured outside the timing */
    {
        int32_t *ids = (int32_t *)malloc((size_t)V * sizeof(int32_t));
        float *pr = (float *)malloc((size_t)V * sizeof(float));
        int r;
        for (r = 0; r < ROWS; r++) { int nc = 0; llm_sampler_candidates(s, rows + (size_t)r * V, ids, pr, &nc); total_set += nc; }
        free(ids); free(pr);
    }
    *avg_set = (double)total_set / ROWS;
    llm_sampler_free(s);
    return t / (double)n * 1e6;
}

/* naive top-p: all V weights sorted with qsort, then walked */
typedef struct bs_pair { float w; int id; } bs_pair;
static int bs_desc(const void *a, const void *b) {
    float x = ((const bs_pair *)a)->w, y = ((const bs_pair *)b)->w;
    return (x < y) - (x > y);
}
static double time_naive(const float *rows, int V, float top_p, double secs) {
    bs_pair *p = (bs_pair *)malloc((size_t)V * sizeof *p);
    llm_rng rng;
    double t0, t, sink = 0;
    long n = 0;
    llm_rng_seed(&rng, 1);
    t0 = llm_time_seconds();
    do {
        const float *l = rows + (size_t)(n % ROWS) * V;
        float m = l[0];
        double z = 0, acc = 0, u;
        int i;
        for (i = 1; i < V; i++) m = l[i] > m ? l[i] : m;
        for (i = 0; i < V; i++) { p[i].w = expf(l[i] - m); p[i].id = i; z += p[i].w; }
        qsort(p, (size_t)V, sizeof *p, bs_desc);
        for (i = 0; i < V; i++) { acc += p[i].w; if (acc >= top_p * z) break; }
        u = llm_rng_float(&rng) * acc;
        for (acc = 0, i = 0; i < V - 1; i++) { acc += p[i].w; if (acc > u) break; }
        sink += p[i].id;
        n++;
        t = llm_time_seconds() - t0;
    } while (t < secs);
    free(p);
    return sink < 0 ? 0 : t / (double)n * 1e6;
}

/* the floor: one pass over the logits, as every sampler call makes */
static double time_floor(const float *rows, int V, double secs) {
    float *w = (float *)malloc((size_t)V * sizeof(float));
    double t0, t;
    long n = 0;
    volatile float sink = 0;
    t0 = llm_time_seconds();
    do {
        const float *l = rows + (size_t)(n % ROWS) * V;
        float m = -INFINITY;
        int i, bad = 0;
        for (i = 0; i < V; i++) { float v = l[i]; bad |= !(v <= FLT_MAX); w[i] = v; m = v > m ? v : m; }
        sink = bad ? 0 : m;
        n++;
        t = llm_time_seconds() - t0;
    } while (t < secs);
    (void)sink;
    free(w);
    return t / (double)n * 1e6;
}

int main(int argc, char **argv) {
    static const int Vs[2] = { 32000, 50257 };
    double secs = argc > 1 ? atof(argv[1]) : 0.2;
    float *rows[2][2];
    llm_rng rng;
    size_t si;
    int vi, k;
    if (!(secs > 0)) secs = 0.2;
    llm_rng_seed(&rng, 2024);
    for (vi = 0; vi < 2; vi++)
        for (k = 0; k < 2; k++) {
            int r;
            rows[vi][k] = (float *)malloc((size_t)ROWS * Vs[vi] * sizeof(float));
            for (r = 0; r < ROWS; r++) make_logits(rows[vi][k] + (size_t)r * Vs[vi], Vs[vi], k == 0, &rng);
        }
    printf("llm_sampler_sample, microseconds per token (kept set: average tokens drawn from)\n");
    printf("%-34s %21s %21s %21s\n", "setting", "V=32000 peaked", "V=50257 peaked", "V=50257 flat");
    for (si = 0; si < sizeof settings / sizeof settings[0]; si++) {
        printf("%-34s", settings[si].name);
        for (k = 0; k < 3; k++) {
            int v = k == 0 ? 0 : 1, flat = k == 2;
            double set = 0, us = time_setting(&settings[si], rows[v][flat], Vs[v], secs, &set);
            printf(" %9.1f us (%7.0f)", us, set);
        }
        printf("\n");
        fflush(stdout);
    }
    printf("%-34s", "naive top-p 0.9: qsort all V");
    for (k = 0; k < 3; k++) {
        int v = k == 0 ? 0 : 1, flat = k == 2;
        printf(" %9.1f us %9s", time_naive(rows[v][flat], Vs[v], 0.9f, secs), "");
    }
    printf("\n%-34s", "floor: copy + check + max");
    for (k = 0; k < 3; k++) {
        int v = k == 0 ? 0 : 1, flat = k == 2;
        printf(" %9.1f us %9s", time_floor(rows[v][flat], Vs[v], secs), "");
    }
    printf("\n");
    for (vi = 0; vi < 2; vi++) for (k = 0; k < 2; k++) free(rows[vi][k]);
    return 0;
}
