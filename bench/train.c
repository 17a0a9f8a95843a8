/* bench/train.c - training step time of GPT-2 124M (and a Llama of similar size) on the CPU.

   Shows: ms per optimizer step (forward + backward + AdamW), achieved GFLOP/s and the share
   of a given FMA peak, tokens/s and peak RSS, for 1 and 2 threads. Figures only; it never
   fails on time.

   Build: cc -O3 -march=native -o bench_train bench/train.c -lm -lpthread
   Run:   ./bench_train [--steps N] [--batch B] [--seq T] [--threads N] [--peak GFLOPS] [--arch gpt2|llama|both]
   FLOPs per step: 6 * B * T * (matmul parameters, classifier included) + attention
   (2*B*T^2*C per layer forward for the causal half of QK^T and PV, x3 with the backward). */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

static void run(const char *name, llm_config cfg, int B, int T, int steps, int threads, double peak) {
    llm_model_desc md;
    llm_trainer_desc td;
    llm_model *m;
    llm_trainer *tr;
    llm_threadpool *pool;
    llm_error err;
    int32_t *in, *tg;
    int i, s;
    double best = 1e30, sum = 0, flops, mm_params, C = cfg.dim, L = cfg.n_layer, hs, kvC;
    llm_rng rng;
    memset(&md, 0, sizeof md);
    md.config = cfg; md.seed = 1;
    if (llm_model_create(&md, &m, &err) != LLM_OK) { printf("%s: %s\n", name, err.message); return; }
    cfg = *llm_model_config(m);
    hs = C / cfg.n_head; kvC = cfg.n_kv_head * hs;
    mm_params = L * (C * (C + 2 * kvC) + C * C + (cfg.arch == LLM_ARCH_GPT2 ? 2.0 : 3.0) * C * cfg.ffn_dim) + (double)cfg.vocab_size * C;
    flops = 6.0 * B * T * mm_params + 3.0 * 2.0 * B * (double)T * T * C * L;
    llm_threadpool_create(threads, NULL, &pool, NULL);
    memset(&td, 0, sizeof td);
    td.batch = B; td.seq_len = T; td.lr = 1e-4f; td.weight_decay = 0.1f; td.grad_clip = 1.0f; td.pool = pool;
    if (llm_trainer_create(m, &td, &tr, &err) != LLM_OK) { printf("%s: %s\n", name, err.message); llm_model_free(m); return; }
    in = (int32_t *)malloc((size_t)B * T * 4); tg = (int32_t *)malloc((size_t)B * T * 4);
    llm_rng_seed(&rng, 5);
    for (i = 0; i < B * T; i++) { in[i] = (int32_t)(llm_rng_u32(&rng) % cfg.vocab_size); tg[i] = (int32_t)(llm_rng_u32(&rng) % cfg.vocab_size); }
    for (s = 0; s <= steps; s++) {  /* step 0 warms up (page faults, caches) */
        llm_step_result r;
        double t0 = llm_time_seconds(), dt;
        if (llm_trainer_step(tr, in, tg, &r) != LLM_OK) { printf("step failed: %s\n", llm_trainer_last_error(tr)); break; }
        dt = llm_time_seconds() - t0;
        if (s > 0) { sum += dt; if (dt < best) best = dt; }
    }
    printf("%-12s B=%d T=%-4d threads=%d | %8.1f ms/step (best %.1f) | %6.1f GFLOP/step | %6.1f GFLOP/s | %5.1f%% of %.0f GFLOP/s peak | %7.0f tok/s | peak RSS %.0f MB\n",
           name, B, T, threads, 1000 * sum / steps, 1000 * best, flops / 1e9, flops / best / 1e9, 100 * flops / best / 1e9 / peak, peak,
           B * T / best, peak_rss_mb());
    fflush(stdout);
    free(in); free(tg);
    llm_trainer_free(tr); llm_model_free(m); llm_threadpool_free(pool);
}

int main(int argc, char **argv) {
    int steps = 3, B = 4, T = 64, threads = 0, i;
    double peak1 = 116, peak2 = 230;  /* this machine kind's measured FMA peak (bench/peak) */
    const char *arch = "both";
    llm_config g, l;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--steps")) steps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch")) B = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seq")) T = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--peak")) peak2 = atof(argv[i + 1]), peak1 = peak2 / 2;
        else if (!strcmp(argv[i], "--arch")) arch = argv[i + 1];
    }
    memset(&g, 0, sizeof g);   /* GPT-2 124M, llm.c's padded vocab */
    g.arch = LLM_ARCH_GPT2; g.n_layer = 12; g.n_head = 12; g.dim = 768; g.vocab_size = 50257; g.padded_vocab_size = 50304; g.max_seq_len = 1024;
    memset(&l, 0, sizeof l);   /* a Llama of similar size (GQA 12/4, SwiGLU 2048, untied 32000 vocab) */
    l.arch = LLM_ARCH_LLAMA; l.n_layer = 12; l.n_head = 12; l.n_kv_head = 4; l.dim = 768; l.ffn_dim = 2048; l.vocab_size = 32000; l.max_seq_len = 1024; l.untied_head = 1;
    printf("llm.h training step benchmark (fp32). FMA peak assumed %.0f / %.0f GFLOP/s for 1 / 2 threads (measure with bench/peak)\n", peak1, peak2);
    for (i = 1; i <= 2; i++) {
        int th = threads ? threads : i;
        if (threads && i == 2) break;
        if (strcmp(arch, "llama")) run("gpt2-124M", g, B, T, steps, th, th == 1 ? peak1 : peak2);
        if (strcmp(arch, "gpt2")) run("llama-~110M", l, B, T, steps, th, th == 1 ? peak1 : peak2);
    }
    return 0;
}
