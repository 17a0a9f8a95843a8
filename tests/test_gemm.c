/* tests/test_gemm.c - llm_gemm (the one GEMM behind every matmul) against a plain triple
   loop in double: the three matmul forms of the model on many shapes (1, primes, edge
   tiles, 172, 50257-wide), accumulate on/off, odd strides and ldc, 1 vs 2 vs 3 threads
   bit-identical, repeated calls bit-identical, and the unpacked path without a workspace. */

typedef struct tg_shape { int M, N, K; } tg_shape;

static const tg_shape tg_shapes[] = {
    {1, 1, 1}, {1, 7, 3}, {3, 1, 5}, {2, 2, 1}, {1, 1, 300}, {7, 13, 17}, {8, 48, 16},
    {9, 49, 17}, {6, 16, 15}, {13, 97, 31}, {64, 64, 64}, {17, 8, 16}, {33, 16, 8},
    {256, 172, 64}, {31, 172, 257}, {16, 64, 513}, {37, 530, 300}, {1, 768, 768},
    {4, 50257, 16}, {97, 101, 103}, {250, 250, 520}, {521, 50, 40}, {600, 530, 70},
};

static void tg_fill(float *x, size_t n, uint64_t seed) {
    llm_rng r;
    size_t i;
    llm_rng_seed(&r, seed);
    for (i = 0; i < n; i++) x[i] = llm_rng_float(&r) * 2.0f - 1.0f;
}

/* Buffers for one problem in one of the model's forms; `form`:
   0 forward  C[M,N] = A[M,K] . W[N,K]^T
   1 dinp     C[M,N] += A[M,K] . W[K,N]
   2 dweight  C[M,N] += A[K,M]^T . B[K,N]
   3 strided  A and B read with stride 2 in both directions, ldc = N + 3 */
typedef struct tg_prob {
    int M, N, K;
    float *A, *B;
    ptrdiff_t a_rs, a_cs, b_rs, b_cs, ldc;
    size_t nc;
} tg_prob;

static int tg_make(tg_prob *p, int form, int M, int N, int K, uint64_t seed) {
    size_t na, nb;
    memset(p, 0, sizeof *p);
    p->M = M; p->N = N; p->K = K; p->ldc = N;
    switch (form) {
    case 0: p->a_rs = K; p->a_cs = 1; p->b_rs = 1; p->b_cs = K; break;
    case 1: p->a_rs = K; p->a_cs = 1; p->b_rs = N; p->b_cs = 1; break;
    case 2: p->a_rs = 1; p->a_cs = M; p->b_rs = N; p->b_cs = 1; break;
    default: p->a_rs = 2 * (ptrdiff_t)K; p->a_cs = 2; p->b_rs = 1; p->b_cs = 2 * (ptrdiff_t)K;
             p->b_rs = 2 * (ptrdiff_t)N; p->b_cs = 2; p->ldc = N + 3; break;
    }
    na = (size_t)M * K * (form == 3 ? 4 : 1);
    nb = (size_t)K * N * (form == 3 ? 4 : 1);
    p->nc = (size_t)M * (size_t)p->ldc;
    p->A = (float *)malloc(na * sizeof(float));
    p->B = (float *)malloc(nb * sizeof(float));
    if (!p->A || !p->B) return 0;
    tg_fill(p->A, na, seed);
    tg_fill(p->B, nb, seed + 1);
    return 1;
}
static void tg_free(tg_prob *p) { free(p->A); free(p->B); }

/* with_ws: a workspace of llm_gemm_workspace_size() (the packed path), else none */
static void tg_run(const tg_prob *p, llm_threadpool *pool, int with_ws, float *C, int acc) {
    void *ws = with_ws ? malloc(llm_gemm_workspace_size(pool)) : NULL;
    llm_gemm(pool, ws, p->M, p->N, p->K, p->A, p->a_rs, p->a_cs, p->B, p->b_rs, p->b_cs, C, p->ldc, acc);
    free(ws);
}
/* The reference: the plain triple loop with double accumulators. */
static void tg_ref(const tg_prob *p, float *C, int acc) {
    int i, j, k;
    for (i = 0; i < p->M; i++)
        for (j = 0; j < p->N; j++) {
            double s = acc ? (double)C[i * p->ldc + j] : 0.0;
            for (k = 0; k < p->K; k++) s += (double)p->A[i * p->a_rs + k * p->a_cs] * (double)p->B[k * p->b_rs + j * p->b_cs];
            C[i * p->ldc + j] = (float)s;
        }
}

/* Normwise relative error of C (valid M x N part) against the reference. */
static double tg_err(const tg_prob *p, const float *C, const float *R) {
    double md = 0, mb = 0;
    int i, j;
    for (i = 0; i < p->M; i++)
        for (j = 0; j < p->N; j++) {
            double r = R[i * p->ldc + j], d = (double)C[i * p->ldc + j] - r;
            if (d != d) return 1e30;
            if (d < 0) d = -d;
            if (r < 0) r = -r;
            if (d > md) md = d;
            if (r > mb) mb = r;
        }
    return md / (mb > 1e-30 ? mb : 1e-30);
}

/* Checks every shape in every form, accumulate 0 and 1, with `pool`, with or without a workspace. */
static void tg_check_all(t_ctx *t, llm_threadpool *pool, int with_ws, int shape_stride) {
    size_t s;
    int form, acc;
    double worst = 0;
    for (s = 0; s < sizeof tg_shapes / sizeof tg_shapes[0]; s += (size_t)shape_stride)
        for (form = 0; form < 4; form++) {
            tg_prob p;
            float *C, *R;
            size_t i;
            if (!tg_make(&p, form, tg_shapes[s].M, tg_shapes[s].N, tg_shapes[s].K, 100 + s)) {
                tg_free(&p); T_FAIL(t, "out of memory");
            }
            C = (float *)malloc(p.nc * sizeof(float));
            R = (float *)malloc(p.nc * sizeof(float));
            if (!C || !R) { free(C); free(R); tg_free(&p); T_FAIL(t, "out of memory"); }
            for (acc = 0; acc < 2; acc++) {
                double e;
                int bad = 0;
                tg_fill(C, p.nc, 7 + s); /* garbage when acc = 0, the addend when acc = 1 */
                memcpy(R, C, p.nc * sizeof(float));
                tg_run(&p, pool, with_ws, C, acc);
                tg_ref(&p, R, acc);
                e = tg_err(&p, C, R);
                for (i = 0; i < p.nc; i++) /* the ldc padding must be untouched */
                    if ((int)(i % (size_t)p.ldc) >= p.N && C[i] != R[i]) bad = 1;
                if (e > worst) worst = e;
                if (e >= 1e-5 || bad) {
                    free(C); free(R); tg_free(&p);
                    T_FAIL(t, "form %d M=%d N=%d K=%d acc=%d: rel err %.3g%s", form, tg_shapes[s].M,
                           tg_shapes[s].N, tg_shapes[s].K, acc, e, bad ? ", wrote outside N" : "");
                }
            }
            free(C); free(R); tg_free(&p);
        }
    T_NOTE(t, "max rel err %.2g", worst);
}

static void test_gemm_forms(t_ctx *t) {
    llm_threadpool *pool;
    if (llm_threadpool_create(2, NULL, &pool, NULL) != LLM_OK) T_FAIL(t, "pool");
    tg_check_all(t, pool, 1, 1);
    llm_threadpool_free(pool);
}

static void test_gemm_single_thread(t_ctx *t) { tg_check_all(t, NULL, 1, 1); }

/* No workspace: the unpacked path must stay correct. */
static void test_gemm_no_workspace(t_ctx *t) {
    llm_threadpool *pool;
    if (llm_threadpool_create(2, NULL, &pool, NULL) != LLM_OK) T_FAIL(t, "pool");
    tg_check_all(t, pool, 0, 2);
    llm_threadpool_free(pool);
}

/* Same result, bit for bit, for 1, 2 and 3 threads and for repeated calls. */
static void test_gemm_deterministic(t_ctx *t) {
    static const tg_shape sh[] = { {256, 172, 300}, {67, 530, 520}, {256, 768, 64}, {1000, 40, 33} };
    llm_threadpool *pools[3] = {NULL, NULL, NULL};
    size_t s;
    int form, np;
    if (llm_threadpool_create(2, NULL, &pools[1], NULL) != LLM_OK) T_FAIL(t, "pool");
    if (llm_threadpool_create(3, NULL, &pools[2], NULL) != LLM_OK) { llm_threadpool_free(pools[1]); T_FAIL(t, "pool"); }
    for (s = 0; s < sizeof sh / sizeof sh[0]; s++)
        for (form = 0; form < 3; form++) {
            tg_prob p;
            float *C0, *C1;
            int ok = 1;
            if (!tg_make(&p, form, sh[s].M, sh[s].N, sh[s].K, 5 + s)) { tg_free(&p); ok = 0; break; }
            C0 = (float *)malloc(p.nc * sizeof(float));
            C1 = (float *)malloc(p.nc * sizeof(float));
            if (!C0 || !C1) ok = 0;
            for (np = 0; ok && np < 4; np++) {
                float *C = np == 0 ? C0 : C1;
                tg_fill(C, p.nc, 9);
                tg_run(&p, pools[np % 3], 1, C, 1);
                tg_run(&p, pools[np % 3], 1, C, 1); /* twice: accumulate onto its own result */
                if (np && memcmp(C0, C1, p.nc * sizeof(float)) != 0) ok = -1;
            }
            free(C0); free(C1); tg_free(&p);
            if (ok != 1) {
                llm_threadpool_free(pools[1]); llm_threadpool_free(pools[2]);
                if (ok == 0) T_FAIL(t, "out of memory");
                T_FAIL(t, "form %d M=%d N=%d K=%d: results differ between thread counts",
                       form, sh[s].M, sh[s].N, sh[s].K);
            }
        }
    llm_threadpool_free(pools[1]); llm_threadpool_free(pools[2]);
}

/* Degenerate sizes: K = 0 zeroes C (or leaves it when accumulating); M or N = 0 is a no-op. */
static void test_gemm_degenerate(t_ctx *t) {
    float A[4] = {1, 2, 3, 4}, B[4] = {1, 2, 3, 4}, C[4] = {5, 6, 7, 8};
    llm_gemm(NULL, NULL, 2, 2, 0, A, 2, 1, B, 2, 1, C, 2, 1);
    T_CHECK(t, C[0] == 5 && C[3] == 8, "K=0 accumulate changed C");
    llm_gemm(NULL, NULL, 0, 2, 2, A, 2, 1, B, 2, 1, C, 2, 0);
    llm_gemm(NULL, NULL, 2, 0, 2, A, 2, 1, B, 2, 1, C, 2, 0);
    T_CHECK(t, C[0] == 5 && C[3] == 8, "M=0 or N=0 changed C");
    llm_gemm(NULL, NULL, 2, 2, 0, A, 2, 1, B, 2, 1, C, 2, 0);
    T_CHECK(t, C[0] == 0 && C[1] == 0 && C[2] == 0 && C[3] == 0, "K=0 did not zero C");
    llm_gemm(NULL, NULL, 2, 2, 2, A, 2, 1, B, 2, 1, C, 2, 0); /* [1 2;3 4]^2 = [7 10;15 22] */
    T_CHECK(t, C[0] == 7 && C[1] == 10 && C[2] == 15 && C[3] == 22, "2x2 product wrong: %g %g %g %g",
            C[0], C[1], C[2], C[3]);
}

static const t_case gemm_tests[] = {
    {"gemm_forms_vs_ref", test_gemm_forms},
    {"gemm_single_thread_vs_ref", test_gemm_single_thread},
    {"gemm_no_workspace_fallback", test_gemm_no_workspace},
    {"gemm_deterministic_threads", test_gemm_deterministic},
    {"gemm_degenerate_sizes", test_gemm_degenerate},
};
