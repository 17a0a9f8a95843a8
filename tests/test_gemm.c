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

/* Every kernel variant this CPU can run (portable, AVX2, AVX-512, NEON), whatever the build's
   -march: the GEMM against double on the model's forms, and the variants against each other,
   bit for bit, for the GEMM, the matvec (dot4) and AdamW: the run-time choice changes speed
   only. */
static void test_kernel_variants(t_ctx *t) {
    static const tg_shape sh[] = { {1, 1, 1}, {7, 13, 17}, {9, 49, 300}, {37, 530, 300}, {64, 172, 64} };
    static const int dot_n[] = { 1, 5, 16, 17, 31, 32, 33, 47, 63, 64, 288, 768, 1000 };
    const unsigned have = llm__cpu_variants();
    float *ref_gemm[5][4], *ref_mv = NULL, *ref_adam = NULL;
    char names[64] = "";
    double worst = 0;
    int v, first = -1, s, form;
    size_t i;
    memset(ref_gemm, 0, sizeof ref_gemm);
    for (v = 0; v < 4; v++) {
        llm__kernels k;
        float *ws, *mv, *adam;
        if (!(have & (1u << v))) continue;
        llm__kernels_set(&k, v);
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? " " : "", k.gemm_name);
        ws = (float *)malloc(llm__gemm_ws(INT32_MAX) * sizeof(float));
        for (s = 0; s < 5; s++)
            for (form = 0; form < 4; form++) {
                tg_prob p;
                float *C, *R;
                double e;
                if (!tg_make(&p, form, sh[s].M, sh[s].N, sh[s].K, 40 + s)) T_FAIL(t, "out of memory");
                C = (float *)malloc(p.nc * sizeof(float)); R = (float *)malloc(p.nc * sizeof(float));
                tg_fill(C, p.nc, 3);
                memcpy(R, C, p.nc * sizeof(float));
                tg_ref(&p, R, 1);
                llm__gemm(&k, NULL, ws, llm__gemm_ws(INT32_MAX), p.M, p.N, p.K, p.A, p.a_rs, p.a_cs, p.B, p.b_rs,
                          p.b_cs, C, p.ldc, 1);
                e = tg_err(&p, C, R);
                if (e > worst) worst = e;
                if (v != LLM__K_PORTABLE && first >= 0 && memcmp(C, ref_gemm[s][form], p.nc * sizeof(float))) {
                    free(C); free(R); tg_free(&p); free(ws);
                    T_FAIL(t, "gemm %s differs from the first SIMD variant (form %d, %dx%dx%d)", k.gemm_name, form,
                           sh[s].M, sh[s].N, sh[s].K);
                }
                if (v != LLM__K_PORTABLE && first < 0) ref_gemm[s][form] = C; else free(C);
                free(R); tg_free(&p);
                T_CHECK(t, e < 1e-5, "gemm %s form %d %dx%dx%d: rel err %.2e", k.gemm_name, form, sh[s].M, sh[s].N,
                        sh[s].K, e);
            }
        free(ws);
        /* matvec: rows of every length, 7 output columns (4 + a remainder of 3) */
        mv = (float *)malloc(sizeof(float) * 13 * 7);
        for (s = 0; s < 13; s++) {
            const int n = dot_n[s];
            float *x = (float *)malloc(sizeof(float) * (size_t)n), *w = (float *)malloc(sizeof(float) * (size_t)n * 7);
            tg_fill(x, (size_t)n, 50 + s); tg_fill(w, (size_t)n * 7, 60 + s);
            llm__matvec(&k, NULL, mv + s * 7, x, w, NULL, 1, n, 7);
            for (i = 0; i < 7; i++) {
                double d = 0, e;
                int j;
                for (j = 0; j < n; j++) d += (double)x[j] * w[i * n + j];
                e = fabs(d - mv[s * 7 + i]) / (fabs(d) + 1e-3);
                if (e > worst) worst = e;
                T_CHECK(t, e < 1e-5, "matvec %s n=%d: %g vs %g", k.dot_name, n, (double)mv[s * 7 + i], d);
            }
            free(x); free(w);
        }
        /* AdamW over 1000 values (16-wide blocks, then the scalar rest) */
        {
            llm_tensor_info ti;
            llm__adamw_args o;
            float *buf = (float *)malloc(sizeof(float) * 4000);
            size_t j;
            tg_fill(buf, 4000, 70);
            for (j = 3000; j < 4000; j++) buf[j] = fabsf(buf[j]);
            memset(&ti, 0, sizeof ti); ti.size = 1000; ti.decay = 1;
            memset(&o, 0, sizeof o);
            o.params = buf; o.grads = buf + 1000; o.m = buf + 2000; o.v = buf + 3000; o.n = 1000;
            o.tensors = &ti; o.n_tensors = 1; o.lr = 1e-2f; o.beta1 = 0.9f; o.beta2 = 0.95f; o.eps = 1e-8f;
            o.weight_decay = 0.1f; o.grad_scale = 0.5f; o.bc1 = 0.1f; o.bc2 = 0.05f; o.kern = &k;
            llm__adamw_range(&o, 0, 1000);
            adam = buf;
        }
        if (v != LLM__K_PORTABLE && first >= 0) {
            int bad_mv = memcmp(mv, ref_mv, sizeof(float) * 13 * 7) != 0;
            int bad_ad = memcmp(adam, ref_adam, sizeof(float) * 4000) != 0;
            free(mv); free(adam);
            T_CHECK(t, !bad_mv, "matvec %s differs from the first SIMD variant", k.dot_name);
            T_CHECK(t, !bad_ad, "adamw %s differs from the first SIMD variant", k.gemm_name);
        } else if (v != LLM__K_PORTABLE) {
            first = v; ref_mv = mv; ref_adam = adam;
        } else {
            free(mv); free(adam);
        }
    }
    for (s = 0; s < 5; s++) for (form = 0; form < 4; form++) free(ref_gemm[s][form]);
    free(ref_mv); free(ref_adam);
    T_NOTE(t, "variants on this CPU: %s; max rel err %.1e; SIMD variants bit-identical", names, worst);
}

static const t_case gemm_tests[] = {
    {"kernel_variants_agree", test_kernel_variants},
    {"gemm_forms_vs_ref", test_gemm_forms},
    {"gemm_single_thread_vs_ref", test_gemm_single_thread},
    {"gemm_no_workspace_fallback", test_gemm_no_workspace},
    {"gemm_deterministic_threads", test_gemm_deterministic},
    {"gemm_degenerate_sizes", test_gemm_degenerate},
};
