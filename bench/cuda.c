/* bench/cuda.c - what llm_cuda.h does on a GPU, in figures (never pass/fail):
     1. flash attention, causal, bf16 inputs: TFLOP/s forward and backward for head dims 64
        and 128, T = 1024..4096 at 16K tokens per call (FlashAttention-2's benchmark shapes:
        2048 model dims), beside the simple fp32 kernels;
     2. decode attention over a KV cache: GB/s of K and V read (Llama-2-7B heads: 32 query,
        8 kv, dim 128) at 1K..16K positions;
     3. GPT-2 124M training, bf16: tokens/s at T = 1024, B = 16, 32, 64 (where memory allows);
     4. GPT-2 124M greedy decoding: tokens/s (one id comes back per step).
   Build: nvcc -O3 -arch=sm_90 -DLLM_CUDA -x cu bench/cuda.c -o bench_cuda -lcublas
   Run:   bench_cuda [--quick]      (--quick: fewer shapes and steps) */
#define LLM_IMPLEMENTATION
#ifndef LLM_CUDA
#define LLM_CUDA
#endif
#include "../llm.h"
#include <stdio.h>

static int quick;

/* seconds per call of fn, by CUDA events on the context's stream (median of reps) */
typedef void (*bench_fn)(const llm__ctx *x, void *arg);
static double time_on_stream(const llm__ctx *x, bench_fn fn, void *arg, int reps) {
    llm__cu *d = llm__cud(x);
    cudaEvent_t a, b;
    float ms[32];
    int i, j;
    if (reps > 32) reps = 32;
    cudaEventCreate(&a); cudaEventCreate(&b);
    fn(x, arg);   /* warm up */
    for (i = 0; i < reps; i++) {
        cudaEventRecord(a, d->stream);
        fn(x, arg);
        cudaEventRecord(b, d->stream);
        cudaEventSynchronize(b);
        cudaEventElapsedTime(&ms[i], a, b);
    }
    for (i = 1; i < reps; i++)
        for (j = i; j > 0 && ms[j] < ms[j - 1]; j--) {
            float t = ms[j];
            ms[j] = ms[j - 1];
            ms[j - 1] = t;
        }
    cudaEventDestroy(a); cudaEventDestroy(b);
    return ms[reps / 2] * 1e-3;
}

typedef struct att_arg { float *qkv, *out, *lse, *dout, *dqkv; int B, T, NH, D; } att_arg;
static void att_fwd(const llm__ctx *x, void *p) {
    att_arg *a = (att_arg *)p;
    x->ops->attn_fwd(x, a->out, a->lse, a->qkv, a->B, a->T, a->NH, a->NH, a->D, 1.0f / sqrtf((float)a->D), 0);
}
static void att_bwd(const llm__ctx *x, void *p) {
    att_arg *a = (att_arg *)p;
    x->ops->attn_bwd(x, a->dqkv, a->dout, a->qkv, a->out, a->lse, a->B, a->T, a->NH, a->NH, a->D, 1.0f / sqrtf((float)a->D), 0);
}
static void bench_attention(void) {
    static const int Ts[] = {1024, 2048, 4096};
    int di, ti, simple;
    printf("\n== flash attention, causal, bf16 inputs, 16K tokens per call (TFLOP/s; FA2 counts: fwd 4BHT^2D/2, bwd "
           "2.5x)\n");
    printf("%-5s %-6s %-4s %-4s %10s %10s %12s %12s\n", "D", "T", "B", "NH", "fwd ms", "bwd ms", "fwd TFLOP/s",
           "bwd TFLOP/s");
    for (di = 0; di < 2; di++)
        for (ti = 0; ti < (quick ? 2 : 3); ti++)
            for (simple = 0; simple < 2; simple++) {
                const int D = di ? 128 : 64, T = Ts[ti], NH = 2048 / D, B = 16384 / T;
                const size_t nq = (size_t)B * T * 3 * NH * D, no = (size_t)B * T * NH * D;
                llm__ctx x;
                llm__ctx_info info;
                att_arg a;
                double tf, tb, fl;
                if (simple && T > 1024) continue;   /* the fp32 kernels are slow: one shape for scale */
                memset(&info, 0, sizeof info);
                info.bf16 = !simple; info.max_rows = (size_t)B * T; info.max_cols = 3 * 2048;
                info.n_head = NH; info.n_kv_head = NH; info.head_dim = D;
                if (llm__ctx_init(&x, llm__cuda_ops(NULL), NULL, NULL, 0, &info) != LLM_OK) {
                    printf("context failed\n");
                    return;
                }
                a.B = B; a.T = T; a.NH = NH; a.D = D;
                a.qkv = (float *)x.ops->alloc(&x, nq * 4); a.dqkv = (float *)x.ops->alloc(&x, nq * 4);
                a.out = (float *)x.ops->alloc(&x, no * 4); a.dout = (float *)x.ops->alloc(&x, no * 4);
                a.lse = (float *)x.ops->alloc(&x, (size_t)B * NH * T * 4);
                if (!a.qkv || !a.dqkv || !a.out || !a.dout || !a.lse) {
                    printf("out of memory\n");
                    llm__ctx_free(&x);
                    return;
                }
                {   /* random inputs: bf16-representable, varied scores */
                    float *h = (float *)malloc(nq * 4);
                    llm_rng r;
                    size_t i;
                    llm_rng_seed(&r, 1);
                    for (i = 0; i < nq; i++) h[i] = llm_rng_normal(&r);
                    x.ops->upload(&x, a.qkv, h, nq * 4);
                    x.ops->upload(&x, a.dout, h, no * 4);
                    free(h);
                }
                tf = time_on_stream(&x, att_fwd, &a, quick ? 5 : 11);
                tb = time_on_stream(&x, att_bwd, &a, quick ? 5 : 11);
                fl = 4.0 * B * NH * (double)T * T * D / 2;
                printf("%-5d %-6d %-4d %-4d %10.3f %10.3f %12.1f %12.1f%s\n", D, T, B, NH, tf * 1e3, tb * 1e3,
                       fl / tf * 1e-12, 2.5 * fl / tb * 1e-12, simple ? "  (simple fp32 kernels)" : "");
                x.ops->free(&x, a.qkv); x.ops->free(&x, a.dqkv); x.ops->free(&x, a.out); x.ops->free(&x, a.dout);
                x.ops->free(&x, a.lse);
                llm__ctx_free(&x);
            }
}

typedef struct dec_arg { float *qkv, *out; llm__kv kv; } dec_arg;
static void dec_step(const llm__ctx *x, void *p) {
    dec_arg *a = (dec_arg *)p;
    x->ops->attn_kv(x, a->out, a->qkv, &a->kv, 1, 32, 8, 128, 1.0f / sqrtf(128.0f), 0);
}
static void bench_decode_attention(void) {
    static const int Ls[] = {1024, 4096, 16384};
    const int NH = 32, NKV = 8, hs = 128, n_ctx = 16384 + 1;
    llm__ctx x;
    llm__ctx_info info;
    dec_arg a;
    int li;
    printf("\n== decode attention (one new token; 32 query heads, 8 kv heads, dim 128, fp32 cache)\n");
    printf("%-8s %10s %10s\n", "keys", "us", "GB/s");
    memset(&info, 0, sizeof info);
    info.bf16 = 1; info.max_rows = 1; info.max_cols = 6144; info.n_head = NH; info.n_kv_head = NKV; info.head_dim = hs;
    if (llm__ctx_init(&x, llm__cuda_ops(NULL), NULL, NULL, 0, &info) != LLM_OK) return;
    memset(&a, 0, sizeof a);
    a.kv.k = (float *)x.ops->alloc(&x, (size_t)NKV * n_ctx * hs * 4);
    a.kv.v = (float *)x.ops->alloc(&x, (size_t)NKV * n_ctx * hs * 4);
    a.qkv = (float *)x.ops->alloc(&x, (size_t)(NH + 2 * NKV) * hs * 4);
    a.out = (float *)x.ops->alloc(&x, (size_t)NH * hs * 4);
    a.kv.n_ctx = n_ctx;
    for (li = 0; li < 3; li++) {
        double t;
        a.kv.pos0 = Ls[li] - 1;
        t = time_on_stream(&x, dec_step, &a, 21);
        printf("%-8d %10.1f %10.0f\n", Ls[li], t * 1e6, 2.0 * NKV * Ls[li] * hs * 4 / t * 1e-9);
    }
    x.ops->free(&x, a.kv.k); x.ops->free(&x, a.kv.v); x.ops->free(&x, a.qkv); x.ops->free(&x, a.out);
    llm__ctx_free(&x);
}

static llm_model *gpt2_124m(void) {
    llm_model_desc md;
    llm_model *m = NULL;
    memset(&md, 0, sizeof md);
    md.config.arch = LLM_ARCH_GPT2;
    md.config.n_layer = 12; md.config.n_head = 12; md.config.dim = 768;
    md.config.vocab_size = 50257; md.config.padded_vocab_size = 50304; md.config.max_seq_len = 1024;
    md.seed = 1;
    if (llm_model_create(&md, &m, NULL) != LLM_OK) return NULL;
    return m;
}
static void bench_training(llm_model *m) {
    static const int Bs[] = {16, 32, 64};
    const int T = 1024;
    int bi;
    printf("\n== GPT-2 124M training, bf16, T = 1024 (tokens/s; llm.c reaches about 460K per H100)\n");
    printf("%-4s %10s %12s %s\n", "B", "ms/step", "tokens/s", "");
    for (bi = 0; bi < (quick ? 1 : 3); bi++) {
        const int B = Bs[bi], steps = quick ? 3 : 8;
        llm_trainer *tr = NULL;
        llm_trainer_desc td;
        llm_error err;
        int32_t *in = (int32_t *)malloc((size_t)B * T * 4), *tg = (int32_t *)malloc((size_t)B * T * 4);
        llm_step_result res;
        double t0, dt;
        int s, i;
        memset(&td, 0, sizeof td);
        td.batch = B; td.seq_len = T; td.lr = 6e-4f; td.weight_decay = 0.1f; td.grad_clip = 1.0f;
        td.backend = LLM_BACKEND_CUDA;
        if (llm_trainer_create(m, &td, &tr, &err) != LLM_OK) {
            printf("%-4d %s\n", B, err.message);
            free(in); free(tg);
            continue;
        }
        for (i = 0; i < B * T; i++) { in[i] = (i * 7919) % 50257; tg[i] = (i * 104729 + 1) % 50257; }
        for (s = 0; s < 2; s++) llm_trainer_step(tr, in, tg, &res);   /* warm up */
        t0 = llm_time_seconds();
        for (s = 0; s < steps; s++)
            if (llm_trainer_step(tr, in, tg, &res) != LLM_OK) {
                printf("step: %s\n", llm_trainer_last_error(tr));
                break;
            }
        dt = (llm_time_seconds() - t0) / steps;
        printf("%-4d %10.1f %12.0f   loss %.3f on %s\n", B, dt * 1e3, B * T / dt, (double)res.loss,
               llm_trainer_backend(tr));
        llm_trainer_free(tr);
        free(in); free(tg);
    }
}
static void bench_decode(llm_model *m) {
    llm_session *s = NULL;
    llm_session_desc sd;
    llm_sampler *smp = NULL;
    llm_generate_desc gd;
    llm_generate_stats st;
    int32_t prompt[1] = {50256};
    int p;
    printf("\n== GPT-2 124M greedy decoding (one token id back per step)\n");
    for (p = 0; p < 2; p++) {
        memset(&sd, 0, sizeof sd);
        sd.n_ctx = 1024; sd.backend = LLM_BACKEND_CUDA; sd.precision = p ? LLM_PRECISION_FP32 : LLM_PRECISION_BF16;
        if (llm_session_create(m, &sd, &s, NULL) != LLM_OK || llm_sampler_create(m, NULL, &smp, NULL) != LLM_OK) return;
        memset(&gd, 0, sizeof gd);
        gd.max_tokens = quick ? 128 : 512; gd.ignore_eos = 1;
        llm_session_eval(s, prompt, 1, NULL);
        llm_generate(s, smp, &gd, &st);
        printf("%s: %d tokens, %.0f tokens/s\n", p ? "fp32" : "bf16", st.n_generated,
               st.n_generated / st.decode_seconds);
        llm_sampler_free(smp); llm_session_free(s);
        smp = NULL; s = NULL;
    }
}

int main(int argc, char **argv) {
    const char *why = NULL;
    llm_model *m;
    quick = argc > 1 && !strcmp(argv[1], "--quick");
    if (!llm__cuda_ops(&why)) { printf("no GPU: %s\n", why); return 0; }
    printf("%s\n%s\n", llm_backend_name(), llm_build_info());
    bench_attention();
    bench_decode_attention();
    m = gpt2_124m();
    if (!m) { printf("model: out of memory\n"); return 0; }
    bench_training(m);
    bench_decode(m);
    llm_model_free(m);
    return 0;
}
