/* tests/cuda_check.c - llm_cuda.h on a GPU, in layers: every op of the fast table against its
   simple twin (llm__cuda_ref_ops) and the CPU's; the flash kernels against the plain-C flash
   algorithm (same rounding points) and float64; then training steps and greedy generations
   (plain, beams, context shift) of both families against the CPU; determinism; errors as
   statuses. tests/gpu_check.sh builds and runs it (also under compute-sanitizer with --tiny).
     nvcc -O2 -arch=sm_90 -DLLM_CUDA -x cu tests/cuda_check.c -o cuda_check -lcublas
     cuda_check [--tiny] [FILTER[,FILTER...]]   (tests whose name holds one of the FILTERs)
   Prints one line per test and "N passed, N failed, N skipped"; without a usable GPU it
   prints SKIP with the reason and exits 0. */
#define LLM_IMPLEMENTATION
#ifndef LLM_CUDA
#define LLM_CUDA
#endif
#include "../llm.h"
#include "test.h"

static int g_tiny;   /* small shapes, for compute-sanitizer */

/* ---- helpers: contexts on a table, device copies, errors ---- */
static int g_ctx(llm__ctx *x, const llm__ops *ops, int bf16, size_t rows, size_t cols, int NH, int NKV, int hs) {
    llm__ctx_info info;
    memset(&info, 0, sizeof info);
    info.bf16 = bf16; info.max_rows = rows; info.max_cols = cols;
    info.n_head = NH; info.n_kv_head = NKV; info.head_dim = hs;
    return llm__ctx_init(x, ops, NULL, NULL, ops->host_memory ? LLM__MAX(llm__gemm_ws(1 << 20),
                         llm__attn_ws((int)LLM__MIN(rows, 4096), NH, NKV, hs)) : 0, &info) == LLM_OK;
}
static llm__ctx g_cpu(int T, int NH, int NKV, int hs) {
    llm__ctx x;
    g_ctx(&x, &llm__cpu_ops, 0, (size_t)T, 1, NH, NKV, hs);
    return x;
}
static void *g_up(const llm__ctx *x, const void *h, size_t bytes) {
    void *d = x->ops->alloc(x, bytes);
    if (d) x->ops->upload(x, d, h, bytes);
    return d;
}
static float *g_down(const llm__ctx *x, const void *d, size_t n) {
    float *h = (float *)malloc(n * sizeof(float) + 4);
    x->ops->download(x, h, d, n * sizeof(float));
    return h;
}
static float *g_rand(size_t n, llm_rng *r, float scale) {
    float *v = (float *)malloc(n * sizeof(float) + 4);
    size_t i;
    for (i = 0; i < n; i++) v[i] = scale * llm_rng_normal(r);
    return v;
}
static float *g_copy(const float *a, size_t n) { float *b = (float *)malloc(n * 4 + 4); memcpy(b, a, n * 4); return b; }
/* max |a - b| / max |b| */
static double g_err(const float *a, const float *b, size_t n) {
    double md = 0, mb = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        const double d = fabs((double)a[i] - b[i]);
        if (d > md || d != d) md = d != d ? 1e30 : d;
        if (fabs((double)b[i]) > mb) mb = fabs((double)b[i]);
    }
    return md / (mb > 1e-30 ? mb : 1e-30);
}
static int g_status(t_ctx *t, const llm__ctx *x) {
    char msg[200];
    if (!x->ops->check || x->ops->check(x, msg, sizeof msg) == LLM_OK) return 1;
    t_set(t, "", "%s: %s", x->name, msg);
    t->failed = 1;
    return 0;
}
#define G_OK(t, x) do { if (!g_status(t, x)) return; } while (0)
/* the fast table in fp32 and bf16, and the simple table */
typedef struct g_three { llm__ctx f32, b16, ref; } g_three;
static int g_three_init(g_three *g, size_t rows, size_t cols, int NH, int NKV, int hs) {
    return g_ctx(&g->f32, llm__cuda_ops(NULL), 0, rows, cols, NH, NKV, hs) &&
           g_ctx(&g->b16, llm__cuda_ops(NULL), 1, rows, cols, NH, NKV, hs) &&
           g_ctx(&g->ref, llm__cuda_ref_ops(), 0, rows, cols, NH, NKV, hs);
}
static void g_three_free(g_three *g) { llm__ctx_free(&g->f32); llm__ctx_free(&g->b16); llm__ctx_free(&g->ref); }

/* ---- ops, one by one: CPU vs fast (fp32) vs simple ---- */
static void test_embedding(t_ctx *t) {
    const int B = 3, T = g_tiny ? 5 : 37, C = 48, V = 50;
    const size_t N = (size_t)B * T;
    llm_rng r;
    llm__ctx cpu = g_cpu(T, 1, 1, 1);
    const llm__ctx *gx[2];
    g_three g;
    float *wte, *wpe, *dout, *out0, *dwte0, *dwpe0;
    int32_t *tok = (int32_t *)malloc(N * 4);
    double worst = 0;
    size_t i;
    int k;
    llm_rng_seed(&r, 1);
    for (i = 0; i < N; i++) tok[i] = (int32_t)(llm_rng_u32(&r) % (i < 8 ? 3 : V));   /* repeats */
    /* wpe: T + 2 rows (the forward starts at position 2; the backward writes rows 0..T-1) */
    wte = g_rand((size_t)V * C, &r, 1); wpe = g_rand((size_t)(T + 2) * C, &r, 1); dout = g_rand(N * C, &r, 1);
    out0 = (float *)malloc(N * C * 4); dwte0 = g_rand((size_t)V * C, &r, 1); dwpe0 = g_rand((size_t)T * C, &r, 1);
    if (!g_three_init(&g, N, V, 1, 1, 1)) T_FAIL(t, "context");
    gx[0] = &g.f32; gx[1] = &g.ref;
    {
        float *a = g_copy(dwte0, (size_t)V * C), *b = g_copy(dwpe0, (size_t)T * C);
        llm__embed_forward(&cpu, out0, tok, wte, wpe, N, T, 2, C);
        llm__embed_backward(&cpu, a, b, dout, tok, N, T, C);
        for (k = 0; k < 2; k++) {
            const llm__ctx *x = gx[k];
            int32_t *dt = (int32_t *)g_up(x, tok, N * 4);
            float *dw = (float *)g_up(x, wte, (size_t)V * C * 4), *dp = (float *)g_up(x, wpe, (size_t)(T + 2) * C * 4);
            float *dO = (float *)g_up(x, dout, N * C * 4), *o = (float *)x->ops->alloc(x, N * C * 4);
            float *gw = (float *)g_up(x, dwte0, (size_t)V * C * 4), *gp = (float *)g_up(x, dwpe0, (size_t)T * C * 4);
            float *h1, *h2, *h3;
            x->ops->embed_fwd(x, o, dt, dw, dp, N, T, 2, C);
            x->ops->embed_bwd(x, gw, gp, dO, dt, N, T, C);
            h1 = g_down(x, o, N * C); h2 = g_down(x, gw, (size_t)V * C); h3 = g_down(x, gp, (size_t)T * C);
            worst = LLM__MAX(worst, LLM__MAX(g_err(h1, out0, N * C), LLM__MAX(g_err(h2, a, (size_t)V * C),
                                                                           g_err(h3, b, (size_t)T * C))));
            free(h1); free(h2); free(h3);
            x->ops->free(x, dt); x->ops->free(x, dw); x->ops->free(x, dp); x->ops->free(x, dO); x->ops->free(x, o);
            x->ops->free(x, gw); x->ops->free(x, gp);
            G_OK(t, x);
        }
        free(a); free(b);
    }
    g_three_free(&g); llm__ctx_free(&cpu);
    free(tok); free(wte); free(wpe); free(dout); free(out0); free(dwte0); free(dwpe0);
    T_CHECK(t, worst < 1e-5, "embedding: rel err %.2e", worst);
    T_NOTE(t, "rel err %.1e (fast, simple vs CPU)", worst);
}

static void test_norms(t_ctx *t) {
    const size_t N = g_tiny ? 9 : 300;
    const int C = g_tiny ? 40 : 776;
    llm_rng r;
    llm__ctx cpu = g_cpu(1, 1, 1, 1);
    g_three g;
    double worst = 0;
    int rms, k;
    llm_rng_seed(&r, 2);
    if (!g_three_init(&g, N, (size_t)C, 1, 1, 1)) T_FAIL(t, "context");
    for (rms = 0; rms < 2; rms++) {
        float *inp = g_rand(N * C, &r, 2), *w = g_rand((size_t)C, &r, 1), *b = g_rand((size_t)C, &r, 1);
        float *dout = g_rand(N * C, &r, 1), *dinp0 = g_rand(N * C, &r, 1), *dw0 = g_rand((size_t)C, &r, 1);
        float *db0 = g_rand((size_t)C, &r, 1), *add = g_rand(N * C, &r, 1);
        float *out = (float *)malloc(N * C * 4), *mean = (float *)malloc(N * 4), *rstd = (float *)malloc(N * 4);
        float *dinp = g_copy(dinp0, N * C), *dw = g_copy(dw0, (size_t)C), *db = g_copy(db0, (size_t)C);
        float *res = (float *)malloc(N * C * 4), *out2 = (float *)malloc(N * C * 4);
        const float *bb = rms ? NULL : b;
        llm__norm_forward(&cpu, out, mean, rstd, inp, w, bb, N, C, 1e-5f, rms);
        llm__norm_backward(&cpu, dinp, dw, rms ? NULL : db, dout, inp, w, mean, rstd, N, C, rms);
        llm__add_norm_forward(&cpu, res, out2, mean, rstd, inp, add, w, bb, N, C, 1e-5f, rms);
        for (k = 0; k < 2; k++) {
            const llm__ctx *x = k ? &g.ref : &g.f32;
            float *di = (float *)g_up(x, inp, N * C * 4), *dwt = (float *)g_up(x, w, (size_t)C * 4);
            float *dbt = rms ? NULL : (float *)g_up(x, b, (size_t)C * 4), *ddo = (float *)g_up(x, dout, N * C * 4);
            float *gi = (float *)g_up(x, dinp0, N * C * 4), *gw = (float *)g_up(x, dw0, (size_t)C * 4);
            float *gb = (float *)g_up(x, db0, (size_t)C * 4), *da = (float *)g_up(x, add, N * C * 4);
            float *o = (float *)x->ops->alloc(x, N * C * 4), *m = (float *)x->ops->alloc(x, N * 4);
            float *s = (float *)x->ops->alloc(x, N * 4), *rs = (float *)x->ops->alloc(x, N * C * 4);
            float *h[5];
            x->ops->norm_fwd(x, o, m, s, di, dwt, dbt, N, C, 1e-5f, rms);
            h[0] = g_down(x, o, N * C);
            x->ops->norm_bwd(x, gi, gw, rms ? NULL : gb, ddo, di, dwt, m, s, N, C, rms);
            h[1] = g_down(x, gi, N * C); h[2] = g_down(x, gw, (size_t)C); h[3] = g_down(x, gb, (size_t)C);
            if (k == 0) {   /* the fast add_norm in place, as a session runs it: res = a, out = b */
                x->ops->copy(x, rs, di, N * C * 4);
                x->ops->add_norm(x, rs, da, m, s, rs, da, dwt, dbt, N, C, 1e-5f, rms);
                h[4] = g_down(x, da, N * C);
                worst = LLM__MAX(worst, g_err(h[4], out2, N * C));
                free(h[4]); h[4] = g_down(x, rs, N * C);
            } else {
                x->ops->add_norm(x, rs, o, m, s, di, da, dwt, dbt, N, C, 1e-5f, rms);
                h[4] = g_down(x, o, N * C);
                worst = LLM__MAX(worst, g_err(h[4], out2, N * C));
                free(h[4]); h[4] = g_down(x, rs, N * C);
            }
            worst = LLM__MAX(worst, LLM__MAX(g_err(h[0], out, N * C), g_err(h[1], dinp, N * C)));
            worst = LLM__MAX(worst, LLM__MAX(g_err(h[2], dw, (size_t)C), rms ? 0.0 : g_err(h[3], db, (size_t)C)));
            worst = LLM__MAX(worst, g_err(h[4], res, N * C));
            free(h[0]); free(h[1]); free(h[2]); free(h[3]); free(h[4]);
            x->ops->free(x, di); x->ops->free(x, dwt); x->ops->free(x, dbt); x->ops->free(x, ddo);
            x->ops->free(x, gi); x->ops->free(x, gw); x->ops->free(x, gb); x->ops->free(x, da);
            x->ops->free(x, o); x->ops->free(x, m); x->ops->free(x, s); x->ops->free(x, rs);
            G_OK(t, x);
        }
        free(inp); free(w); free(b); free(dout); free(dinp0); free(dw0); free(db0); free(add);
        free(out); free(mean); free(rstd); free(dinp); free(dw); free(db); free(res); free(out2);
    }
    g_three_free(&g); llm__ctx_free(&cpu);
    T_CHECK(t, worst < 2e-5, "layernorm / rmsnorm / add_norm: rel err %.2e", worst);
    T_NOTE(t, "rel err %.1e (fast, simple vs CPU; add_norm in place)", worst);
}

/* matmul: fp32 fast and simple within 1e-5 of the CPU; bf16 (weights from set_params) 2e-2 */
static void test_matmul(t_ctx *t) {
    static const int shapes[][3] = { {37, 64, 96}, {1, 128, 40}, {300, 72, 257}, {5, 768, 2304} };
    llm_rng r;
    llm__ctx cpu = g_cpu(1, 1, 1, 1);
    double worst = 0, worst16 = 0;
    size_t si;
    int k;
    llm_rng_seed(&r, 3);
    for (si = 0; si < (g_tiny ? 2u : sizeof shapes / sizeof shapes[0]); si++) {
        const size_t N = (size_t)shapes[si][0];
        const int C = shapes[si][1], OC = shapes[si][2];
        float *P = g_rand((size_t)OC * C + OC, &r, 0.2f), *inp = g_rand(N * C, &r, 1), *dout = g_rand(N * OC, &r, 1);
        float *w = P, *bias = P + (size_t)OC * C;
        float *dw0 = g_rand((size_t)OC * C, &r, 1), *dbias0 = g_rand((size_t)OC, &r, 1);
        float *out = (float *)malloc(N * OC * 4), *dinp = (float *)malloc(N * C * 4);
        float *dw = g_copy(dw0, (size_t)OC * C), *db = g_copy(dbias0, (size_t)OC);
        g_three g;
        llm__matmul_forward(&cpu, out, inp, w, bias, N, C, OC);
        llm__matmul_backward(&cpu, dinp, dw, db, dout, inp, w, N, C, OC);
        if (!g_three_init(&g, N, (size_t)LLM__MAX(C, OC), 1, 1, 1)) T_FAIL(t, "context");
        for (k = 0; k < 3; k++) {
            const llm__ctx *x = k == 0 ? &g.f32 : k == 1 ? &g.ref : &g.b16;
            float *dP = (float *)g_up(x, P, ((size_t)OC * C + OC) * 4), *di = (float *)g_up(x, inp, N * C * 4);
            float *ddo = (float *)g_up(x, dout, N * OC * 4), *gw = (float *)g_up(x, dw0, (size_t)OC * C * 4);
            float *gb = (float *)g_up(x, dbias0, (size_t)OC * 4), *o = (float *)x->ops->alloc(x, N * OC * 4);
            float *gi = (float *)x->ops->alloc(x, N * C * 4);
            float *h[4];
            double e;
            if (x->ops->set_params) x->ops->set_params(x, dP, (size_t)OC * C + OC);
            x->ops->matmul_fwd(x, o, di, dP, dP + (size_t)OC * C, N, C, OC);
            x->ops->matmul_bwd(x, gi, gw, gb, ddo, di, dP, N, C, OC);
            h[0] = g_down(x, o, N * OC); h[1] = g_down(x, gi, N * C); h[2] = g_down(x, gw, (size_t)OC * C);
            h[3] = g_down(x, gb, (size_t)OC);
            e = LLM__MAX(LLM__MAX(g_err(h[0], out, N * OC), g_err(h[1], dinp, N * C)),
                         LLM__MAX(g_err(h[2], dw, (size_t)OC * C), g_err(h[3], db, (size_t)OC)));
            if (k == 2) worst16 = LLM__MAX(worst16, e); else worst = LLM__MAX(worst, e);
            free(h[0]); free(h[1]); free(h[2]); free(h[3]);
            x->ops->free(x, dP); x->ops->free(x, di); x->ops->free(x, ddo); x->ops->free(x, gw); x->ops->free(x, gb);
            x->ops->free(x, o); x->ops->free(x, gi);
            G_OK(t, x);
        }
        g_three_free(&g);
        free(P); free(inp); free(dout); free(dw0); free(dbias0); free(out); free(dinp); free(dw); free(db);
    }
    llm__ctx_free(&cpu);
    T_CHECK(t, worst < 1e-5, "fp32 matmul: rel err %.2e", worst);
    T_CHECK(t, worst16 < 2e-2 && worst16 > 1e-6, "bf16 matmul: rel err %.2e", worst16);
    T_NOTE(t, "rel err fp32 %.1e, bf16 %.1e (cuBLAS and the simple kernels vs CPU)", worst, worst16);
}

static void test_elementwise(t_ctx *t) {
    const size_t N = g_tiny ? 7 : 333;
    const int H = 96, hs = 32, nh = 5, stride = nh * hs + 8, T = 11;
    llm_rng r;
    llm__ctx cpu = g_cpu(1, 1, 1, 1);
    g_three g;
    float *inp = NULL, *dout = NULL, *ref1 = NULL, *h = NULL, *cs = NULL, *sn = NULL;
    double worst = 0;
    int op;
    llm_rng_seed(&r, 4);
    if (!g_three_init(&g, N, (size_t)stride, 1, 1, 1)) T_FAIL(t, "context");
    for (op = 0; op < 6; op++) {   /* gelu fwd, gelu bwd, swiglu fwd, swiglu bwd, rope +1, rope -1 */
        const llm__ctx *x = &g.f32;
        const size_t nin = op < 2 ? N * H
            : op < 4              ? N * 2 * H
                                  : N * stride,
                     nout = op < 2 ? N * H
            : op < 4               ? (op == 2 ? N * H : N * 2 * H)
                                   : nin;
        float *di, *ddo, *o;
        inp = g_rand(nin, &r, 2); dout = g_rand(N * 2 * H + nin, &r, 1); ref1 = (float *)malloc(nout * 4 + 4);
        cs = (float *)malloc((size_t)T * hs / 2 * 4); sn = (float *)malloc((size_t)T * hs / 2 * 4);
        llm__rope_table(cs, sn, 3, T, hs, 10000.0f);
        di = (float *)g_up(x, inp, nin * 4); ddo = (float *)g_up(x, dout, (N * 2 * H + nin) * 4);
        o = (float *)x->ops->alloc(x, nout * 4 + 4);
        switch (op) {
        case 0: llm__gelu_forward(&cpu, ref1, inp, nin); x->ops->gelu_fwd(x, o, di, nin); break;
        case 1: llm__gelu_backward(&cpu, ref1, inp, dout, nin); x->ops->gelu_bwd(x, o, di, ddo, nin); break;
        case 2: llm__swiglu_forward(&cpu, ref1, inp, N, H); x->ops->swiglu_fwd(x, o, di, N, H); break;
        case 3: llm__swiglu_backward(&cpu, ref1, inp, dout, N, H); x->ops->swiglu_bwd(x, o, di, ddo, N, H); break;
        default: {
            float *dc = (float *)g_up(x, cs, (size_t)T * hs / 2 * 4),
                  *ds = (float *)g_up(x, sn, (size_t)T * hs / 2 * 4);
            memcpy(ref1, inp, nin * 4);
            llm__rope(&cpu, ref1, cs, sn, N, T, nh - 1, stride, hs, op == 4 ? 1 : -1);
            x->ops->rope(x, di, dc, ds, N, T, nh - 1, stride, hs, op == 4 ? 1 : -1);
            x->ops->copy(x, o, di, nin * 4);
            x->ops->free(x, dc); x->ops->free(x, ds);
        }
        }
        h = g_down(x, o, nout);
        worst = LLM__MAX(worst, g_err(h, ref1, nout));
        x->ops->free(x, di); x->ops->free(x, ddo); x->ops->free(x, o);
        free(inp); free(dout); free(ref1); free(h); free(cs); free(sn);
        G_OK(t, x);
    }
    {   /* add, and copy with overlapping ranges both ways (memmove) */
        const llm__ctx *x = &g.f32;
        float *a = g_rand(1000, &r, 1), *b = g_rand(1000, &r, 1), *want = (float *)malloc(1000 * 4);
        float *da = (float *)g_up(x, a, 4000), *db = (float *)g_up(x, b, 4000);
        int i;
        for (i = 0; i < 1000; i++) want[i] = a[i] + b[i];
        x->ops->add(x, da, da, db, 1000);
        h = g_down(x, da, 1000);
        worst = LLM__MAX(worst, g_err(h, want, 1000));
        free(h);
        memmove(want + 10, want, 900 * 4); x->ops->copy(x, da + 10, da, 900 * 4);
        memmove(want, want + 50, 900 * 4); x->ops->copy(x, da, da + 50, 900 * 4);
        h = g_down(x, da, 1000);
        worst = LLM__MAX(worst, g_err(h, want, 1000));
        free(h); free(a); free(b); free(want);
        x->ops->free(x, da); x->ops->free(x, db);
        G_OK(t, x);
    }
    g_three_free(&g); llm__ctx_free(&cpu);
    T_CHECK(t, worst < 1e-5, "gelu / swiglu / rope / add / copy: rel err %.2e", worst);
    T_NOTE(t, "rel err %.1e", worst);
}

/* cross-entropy, sum of squares, argmax, AdamW */
static void test_reductions(t_ctx *t) {
    const size_t N = g_tiny ? 5 : 64;
    const int V = g_tiny ? 100 : 50257, ld = V;
    llm_rng r;
    llm__ctx cpu = g_cpu(1, 1, 1, 1);
    g_three g;
    double worst = 0, nerr = 0;
    int k, mode;
    size_t i;
    llm_rng_seed(&r, 5);
    if (!g_three_init(&g, N, (size_t)V, 1, 1, 1)) T_FAIL(t, "context");
    {
        float *logits = g_rand(N * V, &r, 3), *lse = (float *)malloc(N * 4), *loss = (float *)malloc(N * 4);
        float *grad = g_copy(logits, N * V), *lse2 = (float *)malloc(N * 4), *loss2 = (float *)malloc(N * 4);
        int32_t *tg = (int32_t *)malloc(N * 4);
        for (i = 0; i < N; i++) tg[i] = (int32_t)(llm_rng_u32(&r) % V);
        llm__crossentropy_forward(&cpu, loss, lse, logits, tg, N, V, ld);
        llm__crossentropy_fused(&cpu, loss2, lse2, grad, tg, N, V, ld, 0.25f);
        for (k = 0; k < 2; k++)
            for (mode = 0; mode < 2; mode++) {   /* forward then backward; fused */
                const llm__ctx *x = k ? &g.ref : &g.f32;
                float *dl = (float *)g_up(x, logits, N * V * 4), *dlse = (float *)x->ops->alloc(x, N * 4);
                float *dloss = (float *)x->ops->alloc(x, N * 4);
                int32_t *dt = (int32_t *)g_up(x, tg, N * 4);
                float *h1, *h2, *h3;
                if (mode == 0) {
                    x->ops->ce_fwd(x, dloss, dlse, dl, dt, N, V, ld);
                    x->ops->ce_bwd(x, dl, dlse, dt, N, V, ld, 0.25f);
                } else {
                    x->ops->ce_fused(x, dloss, dlse, dl, dt, N, V, ld, 0.25f);
                }
                h1 = g_down(x, dloss, N); h2 = g_down(x, dlse, N); h3 = g_down(x, dl, N * V);
                worst = LLM__MAX(worst, LLM__MAX(g_err(h1, loss, N), g_err(h2, lse, N)));
                worst = LLM__MAX(worst, g_err(h3, grad, N * V));
                free(h1); free(h2); free(h3);
                x->ops->free(x, dl); x->ops->free(x, dlse); x->ops->free(x, dloss); x->ops->free(x, dt);
                G_OK(t, x);
            }
        /* argmax with ties: the first of equal maxima, as the CPU */
        logits[7] = 100.0f; logits[V - 3] = 100.0f;
        for (k = 0; k < 2; k++) {
            const llm__ctx *x = k ? &g.ref : &g.f32;
            float *dl = (float *)g_up(x, logits, (size_t)V * 4);
            const int32_t a = x->ops->argmax(x, dl, V);
            x->ops->free(x, dl);
            G_OK(t, x);
            T_CHECK(t, a == llm__argmax(&cpu, logits, V) && a == 7, "argmax %d, CPU %d", (int)a,
                    (int)llm__argmax(&cpu, logits, V));
        }
        {   /* the sum of squares: the CPU's chunks, double sums */
            const size_t n = g_tiny ? 40000 : 3000001;
            float *v = g_rand(n, &r, 1);
            double *parts = (double *)malloc((n / LLM__NORM_CHUNK + 2) * sizeof(double));
            const double want = llm__sumsq(&cpu, v, n, parts);
            for (k = 0; k < 2; k++) {
                const llm__ctx *x = k ? &g.ref : &g.f32;
                float *dv = (float *)g_up(x, v, n * 4);
                const double got = x->ops->sumsq(x, dv, n, NULL);
                nerr = LLM__MAX(nerr, fabs(got - want) / want);
                x->ops->free(x, dv);
                G_OK(t, x);
            }
            free(v); free(parts);
        }
        free(logits); free(lse); free(loss); free(grad); free(lse2); free(loss2); free(tg);
    }
    {   /* AdamW: the CPU's update; in bf16 mode the weights' bf16 copy follows within one ulp */
        llm_tensor_info ti[2];
        const size_t n = 10000;
        float *p = g_rand(n, &r, 1), *gr = g_rand(n, &r, 1), *m = g_rand(n, &r, 0.1f), *v = g_rand(n, &r, 0.1f);
        float *p2 = g_copy(p, n), *g2 = g_copy(gr, n), *m2 = g_copy(m, n), *v2;
        llm__adamw_args a;
        for (i = 0; i < n; i++) v[i] = fabsf(v[i]);
        v2 = g_copy(v, n);
        memset(ti, 0, sizeof ti);
        ti[0].offset = 0; ti[0].size = 6000; ti[0].decay = 1; ti[1].offset = 6000; ti[1].size = 4000;
        memset(&a, 0, sizeof a);
        a.params = p2; a.grads = g2; a.m = m2; a.v = v2; a.n = n; a.tensors = ti; a.n_tensors = 2;
        a.lr = 1e-2f; a.beta1 = 0.9f; a.beta2 = 0.95f; a.eps = 1e-8f; a.weight_decay = 0.1f; a.grad_scale = 0.5f;
        a.bc1 = 0.1f; a.bc2 = 0.05f;
        llm__adamw_update(&cpu, &a);
        for (k = 0; k < 2; k++) {
            const llm__ctx *x = k ? &g.b16 : &g.f32;
            float *dp = (float *)g_up(x, p, n * 4), *dg = (float *)g_up(x, gr, n * 4), *dm = (float *)g_up(x, m, n * 4);
            float *dv = (float *)g_up(x, v, n * 4), *h[4];
            llm__adamw_args b = a;
            x->ops->set_params(x, dp, n);
            b.params = dp; b.grads = dg; b.m = dm; b.v = dv;
            x->ops->adamw(x, &b);
            h[0] = g_down(x, dp, n); h[1] = g_down(x, dg, n); h[2] = g_down(x, dm, n); h[3] = g_down(x, dv, n);
            worst = LLM__MAX(worst, LLM__MAX(g_err(h[0], p2, n), g_err(h[2], m2, n)));
            worst = LLM__MAX(worst, g_err(h[3], v2, n));
            for (i = 0; i < n; i++) T_CHECK(t, h[1][i] == 0.0f, "AdamW leaves the gradient zeroed");
            if (k == 1) {   /* the bf16 copy: within one bf16 ulp of the fp32 weight */
                llm__cu *cd = llm__cud(x);
                uint16_t *b16 = (uint16_t *)malloc(n * 2);
                cudaMemcpy(b16, cd->pbf, n * 2, cudaMemcpyDeviceToHost);
                for (i = 0; i < n; i++) {
                    uint32_t u = (uint32_t)b16[i] << 16;
                    float f;
                    memcpy(&f, &u, 4);
                    T_CHECK(t, fabsf(f - h[0][i]) <= fabsf(h[0][i]) * (1.0f / 128), "bf16 copy %g vs %g", (double)f,
                            (double)h[0][i]);
                }
                free(b16);
            }
            free(h[0]); free(h[1]); free(h[2]); free(h[3]);
            x->ops->free(x, dp); x->ops->free(x, dg); x->ops->free(x, dm); x->ops->free(x, dv);
            G_OK(t, x);
        }
        free(p); free(gr); free(m); free(v); free(p2); free(g2); free(m2); free(v2);
    }
    g_three_free(&g); llm__ctx_free(&cpu);
    T_CHECK(t, worst < 1e-5 && nerr < 1e-12, "cross-entropy / AdamW rel err %.2e, sum of squares %.2e", worst, nerr);
    T_NOTE(t, "rel err %.1e, sum of squares %.1e", worst, nerr);
}

/* attention: fp32 (simple kernels) vs CPU; flash (bf16) vs the plain-C algorithm with the
   same rounding, and vs the CPU's fp32 attention */
static void test_attention(t_ctx *t) {
    static const int shapes[][5] = { {1, 1, 2, 2, 64}, {2, 65, 4, 2, 64}, {1, 64, 2, 1, 128}, {1, 200, 4, 4, 64},
                                     {2, 130, 4, 1, 128}, {1, 1000, 2, 2, 64}, {1, 257, 2, 2, 32} };
    double e32 = 0, e_emu = 0, e_cpu16 = 0;
    size_t si;
    llm_rng r;
    llm_rng_seed(&r, 6);
    for (si = 0; si < (g_tiny ? 2u : sizeof shapes / sizeof shapes[0]); si++) {
        const int B = shapes[si][0], T = shapes[si][1], NH = shapes[si][2], NKV = shapes[si][3], D = shapes[si][4];
        const int C = NH * D, QKV = C + 2 * NKV * D;
        const size_t nq = (size_t)B * T * QKV, no = (size_t)B * T * C, nl = (size_t)B * NH * T;
        float *qkv = g_rand(nq, &r, 1.5f), *dout = g_rand(no, &r, 1);
        float *out = (float *)malloc(no * 4), *lse = (float *)malloc(nl * 4), *dqkv = (float *)malloc(nq * 4);
        float *eo = (float *)malloc(no * 4), *el = (float *)malloc(nl * 4), *ed = (float *)malloc(nq * 4);
        llm__ctx cpu = g_cpu(T, NH, NKV, D);
        g_three g;
        int k;
        llm__attention_forward(&cpu, out, lse, qkv, B, T, NH, NKV, D, 1.0f / sqrtf((float)D), 0);
        llm__attention_backward(&cpu, dqkv, dout, qkv, out, lse, B, T, NH, NKV, D, 1.0f / sqrtf((float)D), 0);
        llm__fa_emu_forward(eo, el, qkv, B, T, NH, NKV, D, 1);
        llm__fa_emu_backward(ed, dout, qkv, eo, el, B, T, NH, NKV, D, 1);
        if (!g_three_init(&g, (size_t)B * T, (size_t)QKV, NH, NKV, D)) T_FAIL(t, "context");
        for (k = 0; k < 3; k++) {
            const llm__ctx *x = k == 0 ? &g.f32 : k == 1 ? &g.ref : &g.b16;
            float *dq = (float *)g_up(x, qkv, nq * 4), *ddo = (float *)g_up(x, dout, no * 4);
            float *o = (float *)x->ops->alloc(x, no * 4), *l = (float *)x->ops->alloc(x, nl * 4);
            float *dd = (float *)x->ops->alloc(x, nq * 4), *h[3];
            x->ops->attn_fwd(x, o, l, dq, B, T, NH, NKV, D, 1.0f / sqrtf((float)D), 0);
            x->ops->attn_bwd(x, dd, ddo, dq, o, l, B, T, NH, NKV, D, 1.0f / sqrtf((float)D), 0);
            h[0] = g_down(x, o, no); h[1] = g_down(x, l, nl); h[2] = g_down(x, dd, nq);
            if (k < 2 || (D != 64 && D != 128)) {   /* other head dims run the simple kernels in bf16 too */
                e32 = LLM__MAX(e32,
                               LLM__MAX(g_err(h[0], out, no), LLM__MAX(g_err(h[1], lse, nl), g_err(h[2], dqkv, nq))));
            } else {
                e_emu =
                    LLM__MAX(e_emu, LLM__MAX(g_err(h[0], eo, no), LLM__MAX(g_err(h[1], el, nl), g_err(h[2], ed, nq))));
                e_cpu16 = LLM__MAX(e_cpu16, LLM__MAX(g_err(h[0], out, no), g_err(h[2], dqkv, nq)));
            }
            free(h[0]); free(h[1]); free(h[2]);
            x->ops->free(x, dq); x->ops->free(x, ddo); x->ops->free(x, o); x->ops->free(x, l); x->ops->free(x, dd);
            G_OK(t, x);
        }
        g_three_free(&g); llm__ctx_free(&cpu);
        free(qkv); free(dout); free(out); free(lse); free(dqkv); free(eo); free(el); free(ed);
    }
    T_CHECK(t, e32 < 1e-5, "fp32 attention vs CPU: %.2e", e32);
    T_CHECK(t, e_emu < 5e-3, "flash kernels vs their algorithm in C (bf16): %.2e", e_emu);
    T_CHECK(t, e_cpu16 < 3e-2, "flash kernels (bf16) vs fp32 attention: %.2e", e_cpu16);
    T_NOTE(t, "fp32 %.1e; flash vs C algorithm %.1e, vs fp32 %.1e", e32, e_emu, e_cpu16);
}

/* attention over a KV cache: rows of a prefill, a decode step, and beams with suffixes */
static void g_decode_shape(t_ctx *t, int NH, int NKV, int hs, double *worst_out) {
    const int n_ctx = g_tiny ? 80 : 3000, C = NH * hs, QKV = C + 2 * NKV * hs;
    static const int cases[][3] = {{0, 5, 0},    {40, 1, 0}, {70, 3, 0},  {2900, 1, 0},
                                   {1500, 7, 0}, {60, 4, 1}, {2000, 3, 5}};
    llm_rng r;
    llm__ctx cpu = g_cpu(1, NH, NKV, hs);
    double worst = 0;
    size_t ci;
    int k;
    llm_rng_seed(&r, (uint64_t)(7 + NH + hs));
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const int pos0 = cases[ci][0], n = cases[ci][1], beams = cases[ci][2], bcap = 8, bpos = cases[ci][2] ? 2 : 0;
        const size_t kvn = (size_t)NKV * n_ctx * hs, bn = (size_t)n * NKV * bcap * hs;
        float *K, *V, *bk, *bv, *qkv, *out;
        llm__kv kv;
        g_three g;
        if (pos0 + n > n_ctx) continue;
        K = g_rand(kvn, &r, 1); V = g_rand(kvn, &r, 1); bk = g_rand(bn, &r, 1); bv = g_rand(bn, &r, 1);
        qkv = g_rand((size_t)n * QKV, &r, 1); out = (float *)malloc((size_t)n * C * 4);
        memset(&kv, 0, sizeof kv);
        kv.k = K; kv.v = V; kv.n_ctx = n_ctx; kv.pos0 = pos0;
        if (beams) { kv.bk = bk; kv.bv = bv; kv.bcap = bcap; kv.bpos = bpos; }
        {
            float *K2 = g_copy(K, kvn), *V2 = g_copy(V, kvn), *bk2 = g_copy(bk, bn), *bv2 = g_copy(bv, bn);
            llm__kv kc = kv;
            kc.k = K2; kc.v = V2; if (beams) { kc.bk = bk2; kc.bv = bv2; }
            llm__attention_kv(&cpu, out, qkv, &kc, n, NH, NKV, hs, 1.0f / sqrtf((float)hs), 0);
            if (!g_three_init(&g, (size_t)n, (size_t)QKV, NH, NKV, hs)) T_FAIL(t, "context");
            for (k = 0; k < 2; k++) {
                const llm__ctx *x = k ? &g.ref : &g.f32;
                llm__kv kd = kv;
                float *dq = (float *)g_up(x, qkv, (size_t)n * QKV * 4),
                      *o = (float *)x->ops->alloc(x, (size_t)n * C * 4);
                float *h1, *h2;
                kd.k = (float *)g_up(x, K, kvn * 4); kd.v = (float *)g_up(x, V, kvn * 4);
                if (beams) { kd.bk = (float *)g_up(x, bk, bn * 4); kd.bv = (float *)g_up(x, bv, bn * 4); }
                x->ops->attn_kv(x, o, dq, &kd, n, NH, NKV, hs, 1.0f / sqrtf((float)hs), 0);
                h1 = g_down(x, o, (size_t)n * C);
                h2 = beams ? g_down(x, kd.bk, bn) : g_down(x, kd.k, kvn);
                worst =
                    LLM__MAX(worst,
                             LLM__MAX(g_err(h1, out, (size_t)n * C), g_err(h2, beams ? bk2 : K2, beams ? bn : kvn)));
                free(h1); free(h2);
                x->ops->free(x, dq); x->ops->free(x, o); x->ops->free(x, kd.k); x->ops->free(x, kd.v);
                if (beams) { x->ops->free(x, kd.bk); x->ops->free(x, kd.bv); }
                G_OK(t, x);
            }
            g_three_free(&g);
            free(K2); free(V2); free(bk2); free(bv2);
        }
        free(K); free(V); free(bk); free(bv); free(qkv); free(out);
    }
    llm__ctx_free(&cpu);
    *worst_out = LLM__MAX(*worst_out, worst);
    T_CHECK(t, worst < 1e-5, "decode attention NH %d NKV %d hs %d vs CPU: %.2e", NH, NKV, hs, worst);
}
/* query groups of 4, 8 and 1 heads; head dims 64, 128, 32 */
static void test_decode_attention(t_ctx *t) {
    double worst = 0;
    g_decode_shape(t, 8, 2, 64, &worst); if (t->failed) return;
    g_decode_shape(t, 16, 2, 128, &worst); if (t->failed) return;
    g_decode_shape(t, 4, 4, 32, &worst); if (t->failed) return;
    T_NOTE(t, "rel err %.1e (split-KV and simple vs CPU; prefill rows, decode, beams; groups 4, 8, 1)", worst);
}

/* ---- whole models: training steps and generations against the CPU ---- */
static llm_model *g_model(llm_arch arch, uint64_t seed) {
    llm_model_desc md;
    llm_model *m = NULL;
    memset(&md, 0, sizeof md);
    md.config.arch = arch;
    md.config.n_layer = 2; md.config.dim = 128; md.config.n_head = 2;
    md.config.n_kv_head = arch == LLM_ARCH_LLAMA ? 1 : 2;
    md.config.vocab_size = 300; md.config.max_seq_len = 128;
    md.seed = seed;
    llm_model_create(&md, &m, NULL);
    return m;
}
/* steps of training on the CPU and on the GPU from the same weights: per-step losses and
   gradient norms, and the weights after */
static void g_train_pair(t_ctx *t, llm_arch arch, llm_precision prec, double tol, double *worst) {
    const int B = 4, T = g_tiny ? 16 : 64, steps = g_tiny ? 2 : 6;
    llm_model *mc = g_model(arch, 11), *mg = g_model(arch, 11);
    llm_trainer *tc = NULL, *tg = NULL;
    llm_trainer_desc td;
    llm_error err;
    int32_t *in = (int32_t *)malloc((size_t)B * T * 4), *tgt = (int32_t *)malloc((size_t)B * T * 4);
    llm_rng r;
    int s, i;
    double e = 0;
    llm_rng_seed(&r, 12);
    memset(&td, 0, sizeof td);
    td.batch = B; td.seq_len = T; td.lr = 1e-3f; td.weight_decay = 0.1f; td.grad_clip = 1.0f;
    td.backend = LLM_BACKEND_CPU;
    if (!mc || !mg || llm_trainer_create(mc, &td, &tc, &err) != LLM_OK) T_FAIL(t, "CPU trainer");
    td.backend = LLM_BACKEND_CUDA; td.precision = prec;
    if (llm_trainer_create(mg, &td, &tg, &err) != LLM_OK) T_FAIL(t, "GPU trainer: %s", err.message);
    for (s = 0; s < steps; s++) {
        llm_step_result rc, rg;
        for (i = 0; i < B * T; i++) { in[i] = (int32_t)(llm_rng_u32(&r) % 300); tgt[i] = (in[i] * 7 + 3) % 300; }
        T_CHECK(t, llm_trainer_step(tc, in, tgt, &rc) == LLM_OK, "CPU step");
        T_CHECK(t, llm_trainer_step(tg, in, tgt, &rg) == LLM_OK, "GPU step: %s", llm_trainer_last_error(tg));
        e = LLM__MAX(e, fabs(rc.loss - rg.loss) / fabs(rc.loss));
        e = LLM__MAX(e, fabs(rc.grad_norm - rg.grad_norm) / fabs(rc.grad_norm));
    }
    T_CHECK(t, llm_trainer_sync(tg) == LLM_OK, "sync");
    if (prec == LLM_PRECISION_FP32) {   /* the weights after (bf16 training follows its own rounding) */
        const double ew = g_err(llm_model_params(mg), llm_model_params(mc), llm_model_num_params(mc));
        T_CHECK(t, ew < 5 * tol, "weights after %d steps: rel err %.2e", steps, ew);
    }
    *worst = LLM__MAX(*worst, e);
    T_CHECK(t, e < tol, "%s %s training: rel err %.2e (tolerance %.0e)", arch == LLM_ARCH_GPT2 ? "GPT-2" : "Llama",
            prec == LLM_PRECISION_FP32 ? "fp32" : "bf16", e, tol);
    llm_trainer_free(tc); llm_trainer_free(tg); llm_model_free(mc); llm_model_free(mg); free(in); free(tgt);
}
static void test_training(t_ctx *t) {
    double w32 = 0, w16 = 0;
    g_train_pair(t, LLM_ARCH_GPT2, LLM_PRECISION_FP32, 1e-4, &w32); if (t->failed) return;
    g_train_pair(t, LLM_ARCH_LLAMA, LLM_PRECISION_FP32, 1e-4, &w32); if (t->failed) return;
    g_train_pair(t, LLM_ARCH_GPT2, LLM_PRECISION_BF16, 2e-2, &w16); if (t->failed) return;
    g_train_pair(t, LLM_ARCH_LLAMA, LLM_PRECISION_BF16, 2e-2, &w16); if (t->failed) return;
    T_NOTE(t, "losses, norms, weights vs CPU: fp32 %.1e, bf16 %.1e", w32, w16);
}
/* two bf16 runs give the same bits (no atomics anywhere) */
static void test_deterministic(t_ctx *t) {
    const int B = 2, T = 64;
    float loss[2][3];
    int run, s, i;
    for (run = 0; run < 2; run++) {
        llm_model *m = g_model(LLM_ARCH_GPT2, 5);
        llm_trainer *tr = NULL;
        llm_trainer_desc td;
        int32_t in[128], tg[128];
        memset(&td, 0, sizeof td);
        td.batch = B; td.seq_len = T; td.backend = LLM_BACKEND_CUDA;
        if (!m || llm_trainer_create(m, &td, &tr, NULL) != LLM_OK) T_FAIL(t, "trainer");
        for (s = 0; s < 3; s++) {
            llm_step_result res;
            for (i = 0; i < B * T; i++) { in[i] = (i * 37 + s) % 300; tg[i] = (i * 11 + 1) % 300; }
            T_CHECK(t, llm_trainer_step(tr, in, tg, &res) == LLM_OK, "step");
            loss[run][s] = res.loss;
        }
        llm_trainer_free(tr); llm_model_free(m);
    }
    T_CHECK(t, memcmp(loss[0], loss[1], sizeof loss[0]) == 0, "runs differ: %.9g vs %.9g", (double)loss[0][2],
            (double)loss[1][2]);
}
/* greedy generation (the GPU returns one id per step), beams, and a context shift: the same
   tokens as the CPU in fp32; in bf16 the first logits within 2e-2 */
static void g_gen_pair(t_ctx *t, llm_arch arch, llm_precision prec, int *agree, int *total, double *lerr) {
    llm_model *m = g_model(arch, 21);
    llm_session *sc = NULL, *sg = NULL;
    llm_session_desc sd;
    llm_sampler *smp = NULL;
    llm_sampler_desc spd;
    llm_generate_desc gd;
    int32_t prompt[20], outc[64], outg[64];
    int i, nc = 0, ng = 0, which;
    const int n_new = g_tiny ? 8 : 60;   /* 20 + 60 > 64: the context shifts */
    for (i = 0; i < 20; i++) prompt[i] = (i * 13 + 5) % 300;
    memset(&sd, 0, sizeof sd);
    sd.n_ctx = 64; sd.backend = LLM_BACKEND_CPU;
    if (!m || llm_session_create(m, &sd, &sc, NULL) != LLM_OK) T_FAIL(t, "CPU session");
    sd.backend = LLM_BACKEND_CUDA; sd.precision = prec;
    if (llm_session_create(m, &sd, &sg, NULL) != LLM_OK) T_FAIL(t, "GPU session");
    memset(&spd, 0, sizeof spd);
    spd.temperature = 0;
    if (llm_sampler_create(m, &spd, &smp, NULL) != LLM_OK) T_FAIL(t, "sampler");
    T_CHECK(t, llm_session_eval(sc, prompt, 20, NULL) == LLM_OK && llm_session_eval(sg, prompt, 20, NULL) == LLM_OK,
            "eval");
    *lerr = LLM__MAX(*lerr, g_err(llm_session_logits(sg), llm_session_logits(sc), 300));
    for (which = 0; which < 2; which++) {
        llm_session *s = which ? sg : sc;
        int32_t *o = which ? outg : outc;
        int *no = which ? &ng : &nc;
        llm_generate_stats st;
        llm_session_reset(s);
        llm_sampler_reset(smp);
        memset(&gd, 0, sizeof gd);
        gd.max_tokens = n_new; gd.ignore_eos = 1; gd.context_shift = 1; gd.n_keep = 4;
        T_CHECK(t, llm_session_eval(s, prompt, 20, NULL) == LLM_OK, "eval");
        T_CHECK(t, llm_generate(s, smp, &gd, &st) == LLM_OK, "generate: %s", llm_session_last_error(s));
        *no = LLM__MIN(64, llm_session_pos(s));
        memcpy(o, llm_session_tokens(s), (size_t)*no * 4);
    }
    for (i = 0; i < LLM__MIN(nc, ng); i++) { *total += 1; if (outc[i] == outg[i]) *agree += 1; }
    if (prec == LLM_PRECISION_FP32) {
        llm_beam_desc bd;
        int32_t bc[16], bg[16];
        int nbc = 0, nbg = 0;
        float scc = 0, scg = 0;
        T_CHECK(t, nc == ng && memcmp(outc, outg, (size_t)nc * 4) == 0, "greedy tokens differ from the CPU's");
        memset(&bd, 0, sizeof bd);
        bd.beam_size = 3; bd.max_tokens = 8; bd.ignore_eos = 1;
        llm_session_reset(sc); llm_session_reset(sg);
        T_CHECK(t, llm_beam_search(sc, prompt, 10, &bd, bc, 16, &nbc, &scc) == LLM_OK, "CPU beams");
        T_CHECK(t, llm_beam_search(sg, prompt, 10, &bd, bg, 16, &nbg, &scg) == LLM_OK, "GPU beams: %s",
                llm_session_last_error(sg));
        T_CHECK(t, nbc == nbg && memcmp(bc, bg, (size_t)nbc * 4) == 0 && fabsf(scc - scg) < 1e-4f * fabsf(scc) + 1e-5f,
                "beam search differs: score %g vs %g", (double)scc, (double)scg);
    }
    llm_sampler_free(smp); llm_session_free(sc); llm_session_free(sg); llm_model_free(m);
}
static void test_generation(t_ctx *t) {
    int a32 = 0, n32 = 0, a16 = 0, n16 = 0;
    double l32 = 0, l16 = 0;
    g_gen_pair(t, LLM_ARCH_GPT2, LLM_PRECISION_FP32, &a32, &n32, &l32); if (t->failed) return;
    g_gen_pair(t, LLM_ARCH_LLAMA, LLM_PRECISION_FP32, &a32, &n32, &l32); if (t->failed) return;
    g_gen_pair(t, LLM_ARCH_GPT2, LLM_PRECISION_BF16, &a16, &n16, &l16); if (t->failed) return;
    g_gen_pair(t, LLM_ARCH_LLAMA, LLM_PRECISION_BF16, &a16, &n16, &l16); if (t->failed) return;
    T_CHECK(t, l32 < 1e-4 && l16 < 2e-2, "logits vs CPU: fp32 %.2e, bf16 %.2e", l32, l16);
    T_NOTE(t, "fp32: %d/%d tokens as the CPU (beams too), logits %.1e; bf16: %d/%d, logits %.1e", a32, n32, l32, a16,
           n16, l16);
}
/* stories260K (llama2.c's checkpoint) greedily on the GPU: llama2.c's ids */
static void test_stories260k(t_ctx *t) {
    char path[1024], ids[1024];
    llm_model *m = NULL;
    llm_session *s = NULL;
    llm_session_desc sd;
    llm_sampler *smp = NULL;
    llm_sampler_desc spd;
    llm_generate_desc gd;
    int32_t want[80];
    int n = 0, i, p;
    FILE *f;
    if (!t_data_path("stories260K/stories260K.bin")) T_SKIP(t, "no stories260K in the test data");
    snprintf(path, sizeof path, "%s", t_data_path("stories260K/stories260K.bin"));
    if (!t_data_path("stories260K/greedy_first64.txt")) T_SKIP(t, "no greedy ids");
    snprintf(ids, sizeof ids, "%s", t_data_path("stories260K/greedy_first64.txt"));
    f = fopen(ids, "r");   /* BOS, then llama2.c's 64 greedy ids */
    if (!f) T_SKIP(t, "ids");
    while (n < 80 && fscanf(f, "%d", &want[n]) == 1) n++;
    fclose(f);
    T_CHECK(t, llm_model_load(path, NULL, &m, NULL) == LLM_OK, "load");
    for (p = 0; p < 2; p++) {
        memset(&sd, 0, sizeof sd);
        sd.backend = LLM_BACKEND_CUDA; sd.precision = p ? LLM_PRECISION_BF16 : LLM_PRECISION_FP32;
        T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK, "session");
        memset(&spd, 0, sizeof spd);
        T_CHECK(t, llm_sampler_create(m, &spd, &smp, NULL) == LLM_OK, "sampler");
        memset(&gd, 0, sizeof gd);
        gd.ignore_eos = 1;
        gd.max_tokens = n - 1;
        T_CHECK(t, llm_session_eval(s, want, 1, NULL) == LLM_OK && llm_generate(s, smp, &gd, NULL) == LLM_OK,
                "generate");
        for (i = 1; i < n && i < llm_session_pos(s); i++)
            if (llm_session_tokens(s)[i] != want[i]) break;
        if (p == 0) T_CHECK(t, i >= n, "fp32: first difference at id %d of %d", i, n - 1);
        else T_NOTE(t, "fp32: all %d ids as llama2.c; bf16: the first %d", n - 1, i - 1);
        llm_sampler_free(smp); llm_session_free(s);
    }
    llm_model_free(m);
}
/* errors are statuses with CUDA's message, and the context stays failed */
static void test_errors(t_ctx *t) {
    llm__ctx x;
    char msg[200];
    llm_status st;
    float *a;
    if (!g_ctx(&x, llm__cuda_ops(NULL), 0, 16, 16, 1, 1, 1)) T_FAIL(t, "context");
    a = (float *)x.ops->alloc(&x, 1024);
    llm__cu_gemm(llm__cud(&x), CUBLAS_OP_N, CUBLAS_OP_N, 8, 8, 8, a, 1 /* lda < m */, a, 8, a, 8, 0.0f, 0);
    st = x.ops->check(&x, msg, sizeof msg);
    T_CHECK(t, st == LLM_ERR_CUDA && strstr(msg, "cublasGemmEx"), "status %d: %s", (int)st, msg);
    T_CHECK(t, x.ops->alloc(&x, 64) == NULL, "a failed context makes nothing");
    x.ops->free(&x, a);
    llm__ctx_free(&x);
    {   /* no room: out of GPU memory is LLM_ERR_OUT_OF_MEMORY, not a crash */
        llm_model_desc md;
        llm_model *m = NULL;
        llm_session *s = NULL;
        llm_session_desc sd;
        llm_error err;
        memset(&md, 0, sizeof md);
        md.config.arch = LLM_ARCH_LLAMA; md.config.n_layer = 256; md.config.dim = 256; md.config.n_head = 2;
        md.config.vocab_size = 32; md.config.max_seq_len = 1 << 20; md.config.ffn_dim = 32;
        T_CHECK(t, llm_model_create(&md, &m, NULL) == LLM_OK, "model");
        memset(&sd, 0, sizeof sd);
        sd.backend = LLM_BACKEND_CUDA; sd.n_batch = 1;
        st = llm_session_create(m, &sd, &s, &err);   /* a 512 GB KV cache */
        T_CHECK(t, st == LLM_ERR_OUT_OF_MEMORY && !s, "status %d: %s", (int)st, err.message);
        llm_model_free(m);
        T_NOTE(t, "%s", err.message);
    }
}

static const t_case g_tests[] = {
    {"cuda_embedding", test_embedding},
    {"cuda_norms", test_norms},
    {"cuda_matmul", test_matmul},
    {"cuda_elementwise", test_elementwise},
    {"cuda_reductions", test_reductions},
    {"cuda_attention", test_attention},
    {"cuda_decode_attention", test_decode_attention},
    {"cuda_training_vs_cpu", test_training},
    {"cuda_deterministic", test_deterministic},
    {"cuda_generation_vs_cpu", test_generation},
    {"cuda_stories260k_greedy", test_stories260k},
    {"cuda_errors", test_errors},
};

static int g_selected(const char *name, const char *filters) {
    char buf[256], *p, *save = NULL;
    if (!filters) return 1;
    snprintf(buf, sizeof buf, "%s", filters);
    for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        if (strstr(name, p)) return 1;
    return 0;
}

int main(int argc, char **argv) {
    const char *filter = NULL, *why = NULL;
    int passed = 0, failed = 0, skipped = 0, i;
    size_t k;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tiny")) g_tiny = 1;
        else filter = argv[i];
    }
    if (!llm__cuda_ops(&why)) {
        printf("SKIP %-40s %s\n", "cuda_check", why ? why : "no GPU");
        printf("0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    printf("device: %s (%s)\n", llm_backend_name(), llm_build_info());
    for (k = 0; k < sizeof g_tests / sizeof g_tests[0]; k++) {
        t_ctx t;
        double t0;
        if (!g_selected(g_tests[k].name, filter)) continue;
        memset(&t, 0, sizeof t);
        t0 = llm_time_seconds();
        g_tests[k].fn(&t);
        if (t.failed) failed++; else if (t.skipped) skipped++; else passed++;
        printf("%s %-40s %6.2fs %s\n", t.failed ? "FAIL" : t.skipped ? "SKIP" : "PASS", g_tests[k].name,
               llm_time_seconds() - t0, t.msg);
        fflush(stdout);
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
