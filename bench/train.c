/* bench/train.c - training step time of GPT-2 124M (and a Llama of similar size) on the CPU.

   Shows: ms per optimizer step (forward + backward + AdamW), achieved GFLOP/s and the share
   of this machine's FMA peak (measured at start with bench/bench_common.h for 1 and 2
   threads, as bench/peak.c does), tokens/s and peak RSS, for 1 and 2 threads. Default:
   B=4 T=64. Figures only; it never fails on time.

   --mem runs one step of GPT-2 124M at B=4 T=1024 (2 threads unless --threads) and reports
   the peak RSS next to what a design that keeps a T x T attention matrix per head and layer
   would add on top: llm.c stores the softmax probabilities in the forward activations and a
   same-sized buffer in the backward, 2 * L * B * NH * T * T floats (4.8 GB here).

   Build: cc -O3 -march=native -o bench_train bench/train.c -lm -lpthread
   Run:   ./bench_train [--steps N] [--batch B] [--seq T] [--threads N] [--peak GFLOPS]
                        [--arch gpt2|llama|both] [--mem] [--lora R]
          --peak G uses G (2 threads) and G/2 (1 thread) instead of measuring.
          --lora R trains a rank-R LoRA adapter on every matrix instead of the weights (the base
          frozen: no weight gradients, no AdamW state for it); run it as its own process to
          compare peak RSS (it is the process's peak).
   FLOPs per step: 6 * B * T * (matmul parameters, classifier included) + attention
   (2*B*T^2*C per layer forward for the causal half of QK^T and PV, x3 with the backward). */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include "bench_common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs `steps` timed steps after one warm-up step (steps = 0: a single timed step).
   Returns the model's parameter count (0 on failure). */
static size_t run(const char *name, llm_config cfg, int B, int T, int steps, int threads, double peak, int lora_rank) {
    llm_model_desc md;
    llm_trainer_desc td;
    llm_model *m;
    llm_trainer *tr;
    llm_lora *lora = NULL;
    llm_threadpool *pool;
    llm_error err;
    int32_t *in, *tg;
    int i, s, first = steps > 0 ? 1 : 0, last = steps > 0 ? steps : 0, n = last - first + 1;
    double best = 1e30, sum = 0, flops, mm_params, C = cfg.dim, L = cfg.n_layer, hs, kvC;
    size_t n_params;
    llm_rng rng;
    memset(&md, 0, sizeof md);
    md.config = cfg; md.seed = 1;
    if (llm_model_create(&md, &m, &err) != LLM_OK) { printf("%s: %s\n", name, err.message); return 0; }
    cfg = *llm_model_config(m);
    n_params = llm_model_num_params(m);
    hs = C / cfg.n_head; kvC = cfg.n_kv_head * hs;
    mm_params = L * (C * (C + 2 * kvC) + C * C + (cfg.arch == LLM_ARCH_GPT2 ? 2.0 : 3.0) * C * cfg.ffn_dim) + (double)cfg.vocab_size * C;
    flops = 6.0 * B * T * mm_params + 3.0 * 2.0 * B * (double)T * T * C * L;
    if (llm_threadpool_create(threads, NULL, &pool, NULL) != LLM_OK) { puts("cannot create thread pool"); llm_model_free(m); return 0; }
    memset(&td, 0, sizeof td);
    td.batch = B; td.seq_len = T; td.lr = 1e-4f; td.weight_decay = 0.1f; td.grad_clip = 1.0f; td.pool = pool;
    if (lora_rank) {   /* LoRA on every matrix of every block; the base frozen: no weight gradients */
        llm_lora_desc ld;
        memset(&ld, 0, sizeof ld); ld.rank = lora_rank; ld.targets = 127u & ~LLM_LORA_GATE;
        if (cfg.arch == LLM_ARCH_LLAMA) ld.targets = 127u;
        if (llm_lora_create(m, &ld, &lora, &err) != LLM_OK) { printf("%s: %s\n", name, err.message); return 0; }
        td.lora = lora;
        flops = 4.0 * B * T * mm_params + 2.0 * 2.0 * B * (double)T * T * C * L;   /* no dW: forward + dX */
    }
    if (llm_trainer_create(m, &td, &tr, &err) != LLM_OK) { printf("%s: %s\n", name, err.message); llm_model_free(m); llm_threadpool_free(pool); return 0; }
    in = (int32_t *)malloc((size_t)B * T * 4); tg = (int32_t *)malloc((size_t)B * T * 4);
    if (!in || !tg) { puts("out of memory"); exit(1); }
    llm_rng_seed(&rng, 5);
    for (i = 0; i < B * T; i++) { in[i] = (int32_t)(llm_rng_u32(&rng) % cfg.vocab_size); tg[i] = (int32_t)(llm_rng_u32(&rng) % cfg.vocab_size); }
    for (s = 0; s <= last; s++) {  /* step 0 warms up (page faults, caches) unless it is the only one */
        llm_step_result r;
        double t0 = llm_time_seconds(), dt;
        if (llm_trainer_step(tr, in, tg, &r) != LLM_OK) { printf("step failed: %s\n", llm_trainer_last_error(tr)); break; }
        dt = llm_time_seconds() - t0;
        if (s >= first) { sum += dt; if (dt < best) best = dt; }
    }
    if (lora) printf("LoRA rank %d: %lu trainable parameters of %lu\n", lora_rank, (unsigned long)llm_lora_num_params(lora),
                     (unsigned long)n_params);
    printf("%-12s B=%d T=%-4d threads=%d | %8.1f ms/step (best %.1f) | %6.1f GFLOP/step | %6.1f GFLOP/s | %5.1f%% of %.0f GFLOP/s peak | %7.0f tok/s | peak RSS %.0f MB\n",
           name, B, T, threads, 1000 * sum / n, 1000 * best, flops / 1e9, flops / best / 1e9, 100 * flops / best / 1e9 / peak, peak,
           B * T / best, bc_peak_rss_mb());
    fflush(stdout);
    free(in); free(tg);
    llm_trainer_free(tr); llm_lora_free(lora); llm_model_free(m); llm_threadpool_free(pool);
    return n_params;
}

int main(int argc, char **argv) {
    int steps = 3, B = 4, T = 64, threads = 0, mem = 0, lora = 0, i;
    double peak1 = 0, peak2 = 0;
    const char *arch = "both";
    llm_config g, l;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mem")) { mem = 1; continue; }
        if (i + 1 >= argc) { printf("missing value after %s\n", argv[i]); return 1; }
        if (!strcmp(argv[i], "--steps")) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch")) B = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seq")) T = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--peak")) { peak2 = atof(argv[++i]); peak1 = peak2 / 2; }
        else if (!strcmp(argv[i], "--arch")) arch = argv[++i];
        else if (!strcmp(argv[i], "--lora")) lora = atoi(argv[++i]);
        else { printf("unknown flag %s\n", argv[i]); return 1; }
    }
    memset(&g, 0, sizeof g);   /* GPT-2 124M, llm.c's padded vocab */
    g.arch = LLM_ARCH_GPT2; g.n_layer = 12; g.n_head = 12; g.dim = 768; g.vocab_size = 50257; g.padded_vocab_size = 50304; g.max_seq_len = 1024;
    memset(&l, 0, sizeof l);   /* a Llama of similar size (GQA 12/4, SwiGLU 2048, untied 32000 vocab) */
    l.arch = LLM_ARCH_LLAMA; l.n_layer = 12; l.n_head = 12; l.n_kv_head = 4; l.dim = 768; l.ffn_dim = 2048; l.vocab_size = 32000; l.max_seq_len = 1024; l.untied_head = 1;
    if (peak2 > 0) {
        printf("llm.h training step benchmark (fp32). FMA peak given: %.0f / %.0f GFLOP/s for 1 / 2 threads\n", peak1, peak2);
    } else {
        llm_threadpool *p2;
        if (llm_threadpool_create(2, NULL, &p2, NULL) != LLM_OK) { puts("cannot create thread pool"); return 1; }
        peak1 = bc_fma_peak(NULL);
        peak2 = bc_fma_peak(p2);
        llm_threadpool_free(p2);
        printf("llm.h training step benchmark (fp32). FMA peak measured (%s): %.0f / %.0f GFLOP/s for 1 / 2 threads\n",
               BC_ISA, peak1, peak2);
        bc_warn_if_busy(peak1, peak2, "FMA peak");
    }
    if (mem) {
        const int th = threads ? threads : 2, Bm = 4, Tm = 1024;
        const double att = 2.0 * g.n_layer * Bm * g.n_head * (double)Tm * Tm * sizeof(float) / 1e6;
        double rss, np;
        printf("--mem: GPT-2 124M, B=%d T=%d, one step (no warm-up)\n", Bm, Tm);
        np = (double)run("gpt2-124M", g, Bm, Tm, 0, th, th == 1 ? peak1 : peak2, lora);
        rss = bc_peak_rss_mb();
        printf("peak RSS %.0f MB (params + grads + AdamW m, v alone: %.0f MB)\n", rss, 4.0 * np * 4 / 1e6);
        printf("a T x T attention design (llm.c: probabilities in the forward + their gradient, 2*L*B*NH*T*T floats)\n"
               "would add %.0f MB on top: %.0f MB in all, %.1fx this peak RSS\n", att, rss + att, (rss + att) / rss);
        return 0;
    }
    for (i = 1; i <= 2; i++) {
        int th = threads ? threads : i;
        if (threads && i == 2) break;
        if (strcmp(arch, "llama")) run("gpt2-124M", g, B, T, steps, th, th == 1 ? peak1 : peak2, lora);
        if (strcmp(arch, "gpt2")) run("llama-~110M", l, B, T, steps, th, th == 1 ? peak1 : peak2, lora);
    }
    return 0;
}
