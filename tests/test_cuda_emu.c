/* tests/test_cuda_emu.c - the flash-attention algorithm of llm_cuda.h (>>flash_algorithm: the
   GPU kernels' tiles, loop order and bf16 rounding points, written in plain C) against float64
   attention, forward and backward, on the CPU: CI checks the algorithm without a GPU. The
   CPU's own attention ops are checked against the same float64 reference, so the GPU's
   layout conventions (qkv, out, lse) are tied to the CPU's. */

/* float64 causal attention with grouped-query heads: out (B,T,C), lse (B,NH,T), and the
   gradients dqkv (B,T,QKV) of sum(out * dout) */
static void t_att64(double *out, double *lse, double *dqkv, const float *qkv, const float *dout, int B, int T, int NH,
                    int NKV, int D) {
    const int C = NH * D, kvC = NKV * D, QKV = C + 2 * kvC, group = NH / NKV;
    const double scale = 1.0 / sqrt((double)D);
    double *p = (double *)malloc(sizeof(double) * (size_t)T), *dp = (double *)malloc(sizeof(double) * (size_t)T);
    int b, h, i, j, d;
    memset(dqkv, 0, sizeof(double) * (size_t)B * T * QKV);
    for (b = 0; b < B; b++)
        for (h = 0; h < NH; h++)
            for (i = 0; i < T; i++) {
                const float *q = qkv + ((size_t)b * T + i) * QKV + (size_t)h * D;
                const float *dO = dout + ((size_t)b * T + i) * C + (size_t)h * D;
                double mx = -1e300, sum = 0, Di = 0;
                double *o = out + ((size_t)b * T + i) * C + (size_t)h * D;
                for (j = 0; j <= i; j++) {
                    const float *k = qkv + ((size_t)b * T + j) * QKV + C + (size_t)(h / group) * D;
                    double s = 0;
                    for (d = 0; d < D; d++) s += (double)q[d] * k[d];
                    p[j] = s * scale;
                    if (p[j] > mx) mx = p[j];
                }
                for (j = 0; j <= i; j++) { p[j] = exp(p[j] - mx); sum += p[j]; }
                for (d = 0; d < D; d++) o[d] = 0;
                for (j = 0; j <= i; j++) {
                    const float *v = qkv + ((size_t)b * T + j) * QKV + C + kvC + (size_t)(h / group) * D;
                    double dpj = 0;
                    p[j] /= sum;
                    for (d = 0; d < D; d++) { o[d] += p[j] * v[d]; dpj += (double)dO[d] * v[d]; }
                    dp[j] = dpj;
                }
                lse[((size_t)b * NH + h) * T + i] = mx + log(sum);
                for (d = 0; d < D; d++) Di += (double)dO[d] * o[d];
                for (j = 0; j <= i; j++) {
                    const size_t kr = ((size_t)b * T + j) * QKV + C + (size_t)(h / group) * D;
                    const double ds = p[j] * (dp[j] - Di) * scale;
                    for (d = 0; d < D; d++) {
                        dqkv[((size_t)b * T + i) * QKV + (size_t)h * D + d] += ds * qkv[kr + d];
                        dqkv[kr + d] += ds * q[d];
                        dqkv[kr + kvC + d] += p[j] * dO[d];
                    }
                }
            }
    free(p); free(dp);
}

/* one shape: the algorithm without rounding within 2e-5 of float64, with bf16 rounding
   within 3e-2 (and measurably rounded), the CPU ops within 2e-5 */
static void t_flash_shape(t_ctx *t, int B, int T, int NH, int NKV, int D, double *worst) {
    const int C = NH * D, QKV = C + 2 * NKV * D;
    const size_t nq = (size_t)B * T * QKV, no = (size_t)B * T * C, nl = (size_t)B * NH * T;
    float *qkv = (float *)malloc(nq * 4), *dout = (float *)malloc(no * 4), *out = (float *)malloc(no * 4);
    float *lse = (float *)malloc(nl * 4), *dqkv = (float *)malloc(nq * 4);
    double *o64 = (double *)malloc(no * 8), *l64 = (double *)malloc(nl * 8), *d64 = (double *)malloc(nq * 8);
    double e[3][3];   /* [rounding off, on, CPU op][out, lse, dqkv] */
    llm_rng r;
    int mode, k;
    llm_rng_seed(&r, (uint64_t)(T * 131 + D * 7 + NKV));
    t_fill(qkv, nq, &r, 1.5f);
    t_fill(dout, no, &r, 1.0f);
    t_att64(o64, l64, d64, qkv, dout, B, T, NH, NKV, D);
    for (mode = 0; mode < 3; mode++) {
        if (mode < 2) {
            llm__fa_emu_forward(out, lse, qkv, B, T, NH, NKV, D, mode);
            llm__fa_emu_backward(dqkv, dout, qkv, out, lse, B, T, NH, NKV, D, mode);
        } else {
            llm__ctx x = t_cpu(NULL, T, NH, NKV, D);
            llm__attention_forward(&x, out, lse, qkv, B, T, NH, NKV, D, 1.0f / sqrtf((float)D), 0);
            llm__attention_backward(&x, dqkv, dout, qkv, out, lse, B, T, NH, NKV, D, 1.0f / sqrtf((float)D), 0);
            llm__ctx_free(&x);
        }
        e[mode][0] = t_rel_err(out, o64, no);
        e[mode][1] = t_rel_err(lse, l64, nl);
        e[mode][2] = t_rel_err(dqkv, d64, nq);
    }
    for (k = 0; k < 3; k++) {
        if (e[0][k] > worst[0]) worst[0] = e[0][k];
        if (e[1][k] > worst[1]) worst[1] = e[1][k];
        if (e[2][k] > worst[2]) worst[2] = e[2][k];
    }
    free(qkv); free(dout); free(out); free(lse); free(dqkv); free(o64); free(l64); free(d64);
    T_CHECK(t, e[0][0] < 2e-5 && e[0][1] < 2e-5 && e[0][2] < 2e-5, "B%d T%d NH%d NKV%d D%d fp32 algorithm: %.2e %.2e %.2e",
            B, T, NH, NKV, D, e[0][0], e[0][1], e[0][2]);
    T_CHECK(t, e[1][0] < 3e-2 && e[1][1] < 3e-2 && e[1][2] < 3e-2, "B%d T%d D%d bf16 algorithm: %.2e %.2e %.2e", B, T, D,
            e[1][0], e[1][1], e[1][2]);
    T_CHECK(t, e[1][0] > 1e-4 && e[1][2] > 1e-4, "bf16 rounding had no effect (%.2e)", e[1][0]);
    T_CHECK(t, e[2][0] < 2e-5 && e[2][1] < 2e-5 && e[2][2] < 2e-5, "B%d T%d D%d CPU ops: %.2e %.2e %.2e", B, T, D,
            e[2][0], e[2][1], e[2][2]);
}
static void test_flash_algorithm(t_ctx *t) {
    /* head dims 64 and 128; T within one tile, on a tile edge, across tiles and query
       chunks of the backward; multi-head, grouped (GQA) and multi-query */
    static const int shapes[][5] = { {1, 1, 2, 2, 64}, {2, 64, 2, 1, 64}, {1, 97, 4, 2, 64}, {1, 130, 2, 2, 128},
                                     {1, 150, 4, 1, 64}, {2, 33, 2, 1, 128} };
    double worst[3] = {0, 0, 0};
    size_t i;
    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        t_flash_shape(t, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4], worst);
        if (t->failed) return;
    }
    T_NOTE(t, "worst rel err: fp32 tiles %.1e, bf16 tiles %.1e, CPU ops %.1e", worst[0], worst[1], worst[2]);
}
/* the bf16 rounding the algorithm models is round-to-nearest-even, as __float2bfloat16_rn */
static void test_bf16_round(t_ctx *t) {
    /* 1 + 2^-8 is a tie (to even: 1), 1 + 3 * 2^-8 a tie up, 1e-40 a subnormal (bits 0x00010000) */
    static const float in[] = { 1.0f, 1.00390625f, 1.01171875f, 1.0078125f, -3.1415926f, 65504.0f, 1e-40f };
    static const float want[] = { 1.0f, 1.0f, 1.015625f, 1.0078125f, -3.140625f, 65536.0f, 9.18354962e-41f };
    size_t i;
    for (i = 0; i < sizeof in / sizeof in[0]; i++)
        T_CHECK(t, llm__bf16_round(in[i]) == want[i], "bf16(%g) = %.9g, want %.9g", (double)in[i],
                (double)llm__bf16_round(in[i]), (double)want[i]);
    T_CHECK(t, isinf(llm__bf16_round(INFINITY)) && isnan(llm__bf16_round(NAN)), "inf/nan");
}

static const t_case cuda_emu_tests[] = {
    {"flash_algorithm_vs_float64", test_flash_algorithm},
    {"flash_bf16_rounding", test_bf16_round},
};
