/* tests/fuzz/fuzz_state.c - saved state from memory: a session (with its sampler), a sampler,
   a trainer checkpoint and an llm.c token shard, against a tiny model: a Llama, or (bit 2 of the
   first byte) a Gemma 3 with a sliding-window layer. The first byte's low 2 bits pick the loader;
   a session that loads also decodes a token. */
#include "fuzz.h"

typedef struct fz_objs { llm_model *m; llm_session *s; llm_sampler *smp; llm_trainer *tr; } fz_objs;
/* The objects are made per input (a failed load may leave its object in any state but freeable);
   the model once (a trainer's load and step write its weights: any values, NaN included, are
   fair input for the next session) */
static llm_model *fz_model(int gemma) {
    static llm_model *m[2];   /* (kept for the process) */
    if (!m[gemma] && !gemma) {
        size_t n;
        unsigned char *g = fz_tiny_model(LLM_ARCH_LLAMA, 0, &n);
        if (g) llm_model_load_mem(g, n, NULL, &m[0], NULL);
        free(g);
    } else if (!m[gemma]) {   /* layer 0 sliding (window 2), layer 1 global; head_dim 16 */
        llm_model_desc d;
        memset(&d, 0, sizeof d);
        d.config.arch = LLM_ARCH_GEMMA3; d.config.n_layer = 2; d.config.n_head = 2; d.config.n_kv_head = 1;
        d.config.dim = 16; d.config.head_dim = 16; d.config.vocab_size = 64; d.config.max_seq_len = 16;
        d.config.ffn_dim = 16; d.config.sliding_window = 2; d.config.sliding_pattern = 2; d.seed = 3;
        llm_model_create(&d, &m[1], NULL);
    }
    return m[gemma];
}
static llm_threadpool *fz_pool(void) {   /* one thread; its kernels are chosen (timed) once */
    static llm_threadpool *p;
    if (!p) llm_threadpool_create(1, NULL, &p, NULL);
    return p;
}
static fz_objs fz_make(int gemma) {
    fz_objs o;
    llm_session_desc sd;
    llm_sampler_desc pd;
    llm_trainer_desc td;
    memset(&o, 0, sizeof o);
    if (!(o.m = fz_model(gemma))) return o;
    memset(&sd, 0, sizeof sd); sd.n_ctx = 8; sd.backend = LLM_BACKEND_CPU; sd.pool = fz_pool();
    llm_session_create(o.m, &sd, &o.s, NULL);
    memset(&pd, 0, sizeof pd); pd.temperature = 0.8f; pd.top_k = 5; pd.seed = 1;
    llm_sampler_create(o.m, &pd, &o.smp, NULL);
    memset(&td, 0, sizeof td); td.batch = 1; td.seq_len = 4; td.backend = LLM_BACKEND_CPU; td.pool = fz_pool();
    llm_trainer_create(o.m, &td, &o.tr, NULL);
    return o;
}
static void fz_free(fz_objs *o) {
    llm_trainer_free(o->tr); llm_sampler_free(o->smp); llm_session_free(o->s);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    fz_objs o;
    if (size < 1) return 0;
    o = fz_make((data[0] & 4) != 0);
    if (!o.s || !o.smp || !o.tr) { fz_free(&o); return 0; }
    switch (data[0] % 4) {
    case 0:
        if (llm_session_load_mem(o.s, o.smp, data + 1, size - 1) == LLM_OK) {
            int32_t tok = 1;
            llm_session_eval(o.s, &tok, 1, NULL);
            int32_t out;
            llm_sampler_sample(o.smp, llm_session_logits(o.s), &out);
        }
        break;
    case 1: llm_sampler_load_mem(o.smp, data + 1, size - 1); break;
    case 2: {
        uint64_t pos;
        int32_t in[4] = { 1, 2, 3, 4 }, tg[4] = { 2, 3, 4, 5 };
        if (llm_trainer_load_mem(o.tr, data + 1, size - 1, &pos) == LLM_OK) llm_trainer_step(o.tr, in, tg, NULL);
        break;
    }
    default: {
        int32_t *tok = NULL;
        size_t n = 0;
        if (llm_token_shard_load_mem(data + 1, size - 1, NULL, &tok, &n, NULL) == LLM_OK) llm_free(NULL, tok);
        break;
    }
    }
    fz_free(&o);
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    fz_objs o = fz_make(0);
    unsigned char *b;
    size_t n = 0;
    int32_t p[3] = { 5, 6, 7 };
    int ok = o.s && o.smp && o.tr;
    if (!ok) { fz_free(&o); return 0; }
    llm_session_eval(o.s, p, 3, NULL);
    llm_session_save_mem(o.s, o.smp, NULL, 0, &n);
    b = (unsigned char *)malloc(n + 1);
    b[0] = 0;
    ok &= llm_session_save_mem(o.s, o.smp, b + 1, n, &n) == LLM_OK && fz_write(dir, "session", b, n + 1);
    free(b);
    llm_session_rewind(o.s, 2);   /* a state without logits */
    llm_session_save_mem(o.s, NULL, NULL, 0, &n);
    b = (unsigned char *)malloc(n + 1);
    b[0] = 0;
    ok &= llm_session_save_mem(o.s, NULL, b + 1, n, &n) == LLM_OK && fz_write(dir, "session_no_logits", b, n + 1);
    free(b);
    llm_sampler_save_mem(o.smp, NULL, 0, &n);
    b = (unsigned char *)malloc(n + 1);
    b[0] = 1;
    ok &= llm_sampler_save_mem(o.smp, b + 1, n, &n) == LLM_OK && fz_write(dir, "sampler", b, n + 1);
    free(b);
    llm_trainer_save_mem(o.tr, NULL, 0, &n, 0);
    b = (unsigned char *)malloc(n + 1);
    b[0] = 2;
    ok &= llm_trainer_save_mem(o.tr, b + 1, n, &n, 0) == LLM_OK && fz_write(dir, "trainer", b, n + 1);
    free(b);
    {   /* a Gemma 3 session past its sliding window (5 positions, window 2) */
        fz_objs g = fz_make(1);
        int32_t q[5] = { 5, 6, 7, 8, 9 };
        ok &= g.s && g.smp && llm_session_eval(g.s, q, 5, NULL) == LLM_OK;
        n = 0;
        llm_session_save_mem(g.s, g.smp, NULL, 0, &n);
        b = (unsigned char *)malloc(n + 1);
        b[0] = 4;
        ok &= b && llm_session_save_mem(g.s, g.smp, b + 1, n, &n) == LLM_OK &&
              fz_write(dir, "session_gemma3", b, n + 1);
        free(b);
        fz_free(&g);
    }
    {   /* a token shard: header 256 x int32 (20240520, 1, count 6), then 6 uint16 */
        unsigned char sh[1 + 1024 + 12];
        int i;
        memset(sh, 0, sizeof sh);
        sh[0] = 3;
        llm__put_le(sh + 1, 20240520u, 4); llm__put_le(sh + 5, 1, 4); llm__put_le(sh + 9, 6, 4);
        for (i = 0; i < 6; i++) llm__put_le(sh + 1 + 1024 + 2 * i, (uint32_t)(i + 1), 2);
        ok &= fz_write(dir, "shard", sh, sizeof sh);
    }
    fz_free(&o);
    return ok;
}
#endif
