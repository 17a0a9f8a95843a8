/* bench/decode.c - token generation speed of llm.h sessions on llama2.c-shaped Llama models.

   Shows, for random-weight models shaped like llama2.c's stories15M / 42M / 110M (shared
   classifier, untied_head = 0, as llama2.c's checkpoints), with 1 and 2 threads:
     decode   a session prefills an 8-token prompt, then llm_session_eval(s, &tok, 1, NULL)
              plus a greedy argmax of llm_session_logits per step (as llama2.c's run.c),
              generating 256 tokens or until n_ctx: tok/s and ms/token (best of 3 runs);
              weight bytes streamed per token (4 x every parameter read for one token: all
              matrices, norms, the embedding row and the full classifier) / time = GB/s, and
              that as a share of the read bandwidth measured by bench/bench_common.h. (The
              KV-cache reads are not counted; they are small next to the weights here.)
     prefill  tok/s of a 128-token prompt in one llm_session_eval (default n_batch), best of 3.
   For context it prints llama2.c's own figures, measured on another machine kind.
   Build:  cc -O3 -march=native -o decode bench/decode.c -lm -lpthread
   Usage:  ./decode [--model PATH] [--tokens N] [--threads N] [--no-prefill]
           --model PATH benchmarks that checkpoint (native GGUF, llm.c GPT-2, llama2.c) only; a
                        quantized GGUF is loaded quantized_only (its matrices stay in their blocks,
                        as llama.cpp keeps them: less memory, the same decode path).
           --threads N  only that thread count (1 or more; default: 1 and 2).
           --no-prefill skips the prefill figure (bench/compare.sh times decode only).
           --quant LIST  also each shape quantized: q8_0, q4_0, q4_k, q6_k (comma-separated; llm_model_quantize)
   It prints figures and never fails on time. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include "bench_common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bytes per value of a tensor as decoding reads it (fp32, or its quantized copy) */
static double bytes_per_value(const llm_tensor_info *t) {
    switch (t->type) {
    case LLM_TYPE_Q8_0: return 34.0 / 32;
    case LLM_TYPE_Q4_0: return 18.0 / 32;
    case LLM_TYPE_Q4_K: return 144.0 / 256;
    case LLM_TYPE_Q6_K: return 210.0 / 256;
    default: return 4;
    }
}
/* Bytes read from the weights for one decoded token. */
static double weight_bytes_per_token(const llm_model *m) {
    const llm_config *c = llm_model_config(m);
    double f = 0;
    int i;
    for (i = 0; i < llm_model_num_tensors(m); i++) {
        const llm_tensor_info *t = llm_model_tensor(m, i);
        if (!strcmp(t->name, "token_embd.weight"))  /* one fp32 row, plus the classifier when tied */
            f += 4.0 * c->dim + (c->untied_head ? 0.0 : (double)c->vocab_size * c->dim * bytes_per_value(t));
        else if (!strcmp(t->name, "output.weight")) f += (double)c->vocab_size * c->dim * bytes_per_value(t);
        else if (!strcmp(t->name, "position_embd.weight")) f += 4.0 * c->dim;
        else f += (double)t->size * bytes_per_value(t);
    }
    return f;
}

static int argmax(const float *x, int n) {
    int i, b = 0;
    for (i = 1; i < n; i++) if (x[i] > x[b]) b = i;
    return b;
}

static void bench_model(const char *name, const llm_model *m, llm_threadpool *pool, double bw, int n_gen,
                        int prefill) {
    const llm_config *c = llm_model_config(m);
    llm_session_desc sd;
    llm_session *s;
    llm_error err;
    int32_t prompt[128];
    const int n_prompt = 8, n_pre = c->max_seq_len < 128 ? c->max_seq_len : 128;
    double best_dec = 1e30, best_pre = 1e30, bytes = weight_bytes_per_token(m);
    int i, rep, n_tok = 0;
    llm_rng rng;
    memset(&sd, 0, sizeof sd);
    sd.pool = pool;
    if (llm_session_create(m, &sd, &s, &err) != LLM_OK) { printf("%s: %s\n", name, err.message); return; }
    llm_rng_seed(&rng, 7);
    for (i = 0; i < 128; i++) prompt[i] = (int32_t)(1 + llm_rng_u32(&rng) % (uint32_t)(c->vocab_size - 1));
    n_tok = llm_session_n_ctx(s) - n_prompt;
    if (n_tok > n_gen) n_tok = n_gen;
    for (rep = 0; rep < 3; rep++) {     /* decode */
        double t0, dt;
        int32_t tok;
        llm_session_reset(s);
        if (llm_session_eval(s, prompt, n_prompt, NULL) != LLM_OK) { printf("%s\n", llm_session_last_error(s)); break; }
        tok = argmax(llm_session_logits(s), c->vocab_size);
        t0 = llm_time_seconds();
        for (i = 0; i < n_tok; i++) {
            if (llm_session_eval(s, &tok, 1, NULL) != LLM_OK) { printf("%s\n", llm_session_last_error(s)); break; }
            tok = argmax(llm_session_logits(s), c->vocab_size);
        }
        dt = llm_time_seconds() - t0;
        if (dt < best_dec) best_dec = dt;
    }
    for (rep = 0; prefill && rep < 3; rep++) {     /* prefill */
        double t0, dt;
        llm_session_reset(s);
        t0 = llm_time_seconds();
        if (llm_session_eval(s, prompt, n_pre, NULL) != LLM_OK) { printf("%s\n", llm_session_last_error(s)); break; }
        dt = llm_time_seconds() - t0;
        if (dt < best_pre) best_pre = dt;
    }
    printf("%-15s %2d thr | decode %7.1f tok/s %6.2f ms/tok | %6.1f MB/tok %6.1f GB/s %4.0f%% of %.0f | prefill(%d) "
           "%7.1f tok/s\n",
           name, llm_threadpool_size(pool), n_tok / best_dec, 1000 * best_dec / n_tok, bytes / 1e6,
           bytes * n_tok / best_dec / 1e9, 100 * bytes * n_tok / best_dec / 1e9 / bw, bw, n_pre,
           prefill ? n_pre / best_pre : 0.0);
    fflush(stdout);
    llm_session_free(s);
}

int main(int argc, char **argv) {
    static const struct { const char *name; int dim, n_layer, n_head, n_kv_head, ffn, seq; } shapes[] = {
        { "15M",  288,  6,  6,  6,  768,  256 },
        { "42M",  512,  8,  8,  8, 1376, 1024 },
        { "110M", 768, 12, 12, 12, 2048, 1024 },
    };
    const char *path = NULL, *quant = NULL;
    int n_gen = 256, i, t, n_thr = 0, prefill = 1, t1 = 2;
    llm_threadpool *pools[2];
    double bw[2];
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-prefill")) { prefill = 0; continue; }
        if (i + 1 >= argc) break;
        if (!strcmp(argv[i], "--model")) path = argv[++i];
        else if (!strcmp(argv[i], "--threads")) n_thr = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tokens")) n_gen = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quant")) quant = argv[++i];
    }
    pools[0] = pools[1] = NULL;
    if (n_thr > 0) {   /* one pool of n_thr threads (1: the calling thread) */
        if (n_thr > 1 && llm_threadpool_create(n_thr, NULL, &pools[0], NULL) != LLM_OK) {
            puts("cannot create thread pool");
            return 1;
        }
        t1 = 1;
        bw[0] = bc_read_bw(pools[0]);
        printf("llm.h decode benchmark. Read bandwidth measured: %.1f GB/s for %d thread(s)\n", bw[0], n_thr);
    } else {
        if (llm_threadpool_create(2, NULL, &pools[1], NULL) != LLM_OK) { puts("cannot create thread pool"); return 1; }
        for (t = 0; t < 2; t++) bw[t] = bc_read_bw(pools[t]);
        printf("llm.h decode benchmark (fp32). Read bandwidth measured: %.1f / %.1f GB/s for 1 / 2 threads\n", bw[0],
               bw[1]);
        bc_warn_if_busy(bc_fma_peak(NULL), bc_fma_peak(pools[1]), "FMA peak");
    }
    if (path) {
        llm_model *m;
        llm_model_desc md;
        llm_error err;
        memset(&md, 0, sizeof md);
        md.quantized_only = 1;   /* (GGUF: quantized matrices keep only their blocks; F32 files as before) */
        if (llm_model_load(path, &md, &m, &err) != LLM_OK) { printf("%s: %s\n", path, err.message); return 1; }
        printf("%s: %zu parameters, dim %d, %d layers, vocab %d, seq %d\n", path, llm_model_num_params(m),
               llm_model_config(m)->dim, llm_model_config(m)->n_layer, llm_model_config(m)->vocab_size,
               llm_model_config(m)->max_seq_len);
        for (t = 0; t < t1; t++) bench_model("model", m, pools[t], bw[t], n_gen, prefill);
        llm_model_free(m);
    } else {
        for (i = 0; i < (int)(sizeof shapes / sizeof shapes[0]); i++) {
            llm_model_desc md;
            llm_model *m;
            llm_error err;
            memset(&md, 0, sizeof md);
            md.config.arch = LLM_ARCH_LLAMA; md.config.dim = shapes[i].dim; md.config.n_layer = shapes[i].n_layer;
            md.config.n_head = shapes[i].n_head; md.config.n_kv_head = shapes[i].n_kv_head;
            md.config.ffn_dim = shapes[i].ffn; md.config.vocab_size = 32000; md.config.max_seq_len = shapes[i].seq;
            md.config.untied_head = 0; md.seed = 1;
            if (llm_model_create(&md, &m, &err) != LLM_OK) {
                printf("%s: %s\n", shapes[i].name, err.message);
                continue;
            }
            for (t = 0; t < t1; t++) bench_model(shapes[i].name, m, pools[t], bw[t], n_gen, prefill);
            if (quant) {
                static const struct { const char *flag, *name; llm_type type; } qs[] = {
                    { "q8_0", "Q8_0", LLM_TYPE_Q8_0 }, { "q4_0", "Q4_0", LLM_TYPE_Q4_0 },
                    { "q4_k", "Q4_K", LLM_TYPE_Q4_K }, { "q6_k", "Q6_K", LLM_TYPE_Q6_K } };
                size_t k;
                for (k = 0; k < sizeof qs / sizeof qs[0]; k++) {
                    char nm[32];
                    if (!strstr(quant, qs[k].flag)) continue;
                    if (llm_model_quantize(m, qs[k].type, &err) != LLM_OK) { printf("%s\n", err.message); continue; }
                    snprintf(nm, sizeof nm, "%s %s", shapes[i].name, qs[k].name);
                    for (t = 0; t < t1; t++) bench_model(nm, m, pools[t], bw[t], n_gen, prefill);
                }
                llm_model_quantize(m, LLM_TYPE_F32, NULL);
            }
            llm_model_free(m);
        }
        printf("reference, llama2.c run.c -Ofast OpenMP 2 threads, measured on ANOTHER machine kind (Zen 4):\n"
               "           15M 500 tok/s, 42M 160 tok/s, 110M 64 tok/s\n");
    }
    llm_threadpool_free(pools[0]);
    llm_threadpool_free(pools[1]);
    return 0;
}
