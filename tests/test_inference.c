/* tests/test_inference.c - KV-cache sessions: prefill + decode against the full forward pass,
   rewind, save/restore, context shift, cancellation, stories260K against llama2.c, and
   several sessions over one model on several threads. */

/* a CPU context with workspace for the KV-cache attention */
static llm__ctx t_cpu_kv(int NH, int NKV, int hs) {
    llm__ctx x;
    llm__ctx_init(&x, &llm__cpu_ops, NULL, NULL, llm__kv_ws(NH, NKV, hs), NULL);
    return x;
}

/* The newer families with their features active: head_dim 12 apart from dim / n_head, an
   attention scale, Llama 3 RoPE scaling, Gemma 3's sliding window (10) shorter than the tests'
   sequences on every other layer (pattern < 0: 2; 1: every layer global) with its own base.
   Their norms and biases are moved away from their init values. */
static llm_model *t_inf_model_p(llm_arch arch, int untied, int layers, int pattern) {
    llm_model_desc d;
    llm_model *m;
    const int newer = arch > LLM_ARCH_LLAMA;
    memset(&d, 0, sizeof d);
    d.config.arch = arch; d.config.n_layer = layers; d.config.n_head = 4; d.config.n_kv_head = arch != LLM_ARCH_GPT2 ? 2 : 4;
    d.config.dim = 32; d.config.ffn_dim = arch != LLM_ARCH_GPT2 ? 44 : 0; d.config.vocab_size = 61; d.config.padded_vocab_size = 64;
    d.config.max_seq_len = 96; d.config.untied_head = untied; d.seed = 11;
    if (newer) {
        d.config.head_dim = 12; d.config.attn_scale = 0.2f; d.config.rope_theta = 1000.0f;
        d.config.rope_type = LLM_ROPE_LLAMA3; d.config.rope_factor = 4; d.config.rope_orig_max_pos = 32;
    }
    if (arch == LLM_ARCH_GEMMA3) { d.config.sliding_window = 10; d.config.sliding_pattern = pattern < 0 ? 2 : pattern; d.config.rope_local_theta = 100; }
    if (llm_model_create(&d, &m, NULL) != LLM_OK) return NULL;
    if (newer) {
        int i;
        size_t j;
        llm_rng r;
        llm_rng_seed(&r, 77);
        for (i = 0; i < llm_model_num_tensors(m); i++) {
            const llm_tensor_info *ti = llm_model_tensor(m, i);
            if (ti->n_dims == 1) for (j = 0; j < ti->size; j++) llm_model_params(m)[ti->offset + j] += 0.3f * llm_rng_normal(&r);
        }
    }
    return m;
}
static llm_model *t_inf_model_l(llm_arch arch, int untied, int layers) { return t_inf_model_p(arch, untied, layers, -1); }
static llm_model *t_inf_model(llm_arch arch, int untied) { return t_inf_model_l(arch, untied, 2); }

/* prefill of several lengths, then decode one by one: every row equals the full forward */
static void t_kv_vs_full(t_ctx *t, llm_arch arch) {
    llm_model *m = t_inf_model(arch, arch == LLM_ARCH_LLAMA || arch == LLM_ARCH_QWEN2);
    const int V = 61, N = 90;
    int32_t tok[90];
    float *full = (float *)malloc((size_t)N * V * 4), *pre = (float *)malloc((size_t)N * V * 4);
    double worst = 0;
    int i, p, lens[4] = {1, 7, 33, 70};
    llm_threadpool *pool;
    llm_rng r;
    llm_rng_seed(&r, 5);
    for (i = 0; i < N; i++) tok[i] = (int32_t)(llm_rng_u32(&r) % V);
    llm_threadpool_create(2, NULL, &pool, NULL);
    T_CHECK(t, llm_model_forward(m, pool, tok, 1, N, full, NULL) == LLM_OK, "full forward");
    for (p = 0; p < 4; p++) {
        llm_session *s;
        llm_session_desc sd;
        double ref[61 * 90];
        int j;
        memset(&sd, 0, sizeof sd); sd.pool = pool; sd.n_batch = 16; /* several prefill chunks */
        T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK, "session");
        T_CHECK(t, llm_session_eval(s, tok, lens[p], pre) == LLM_OK, "prefill: %s", llm_session_last_error(s));
        for (j = 0; j < lens[p] * V; j++) ref[j] = full[j];
        worst = LLM__MAX(worst, t_rel_err(pre, ref, (size_t)lens[p] * V));
        for (i = lens[p]; i < N; i++) {
            T_CHECK(t, llm_session_eval(s, tok + i, 1, NULL) == LLM_OK, "decode");
            for (j = 0; j < V; j++) ref[j] = full[(size_t)i * V + j];
            worst = LLM__MAX(worst, t_rel_err(llm_session_logits(s), ref, V));
        }
        llm_session_free(s);
    }
    llm_threadpool_free(pool);
    free(full); free(pre); llm_model_free(m);
    T_NOTE(t, "max rel err of prefill (1, 7, 33, 70 tokens) + decode to 90 vs full forward: %.1e", worst);
    T_CHECK(t, worst < 1e-5, "failed");
}
static void test_kv_vs_full_gpt2(t_ctx *t) { t_kv_vs_full(t, LLM_ARCH_GPT2); }
static void test_kv_vs_full_llama(t_ctx *t) { t_kv_vs_full(t, LLM_ARCH_LLAMA); }
static void test_kv_vs_full_qwen2(t_ctx *t) { t_kv_vs_full(t, LLM_ARCH_QWEN2); }
static void test_kv_vs_full_qwen3(t_ctx *t) { t_kv_vs_full(t, LLM_ARCH_QWEN3); }
static void test_kv_vs_full_gemma3(t_ctx *t) { t_kv_vs_full(t, LLM_ARCH_GEMMA3); }

/* Gemma 3's real head size, 256 (four times dim / n_head here; one kv head for two query
   heads, as Gemma 3 270M): a prefill and token-by-token decoding across a window of 10 on the
   sliding layers equal the full forward. */
static void test_kv_vs_full_gemma3_hd256(t_ctx *t) {
    llm_model_desc d;
    llm_model *m;
    const int V = 61, N = 40;
    int32_t tok[40];
    float *full, *pre;
    double ref[61 * 40], worst = 0;
    int i, j;
    llm_session *s;
    llm_session_desc sd;
    llm_rng r;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_GEMMA3; d.config.n_layer = 3; d.config.n_head = 2; d.config.n_kv_head = 1;
    d.config.dim = 128; d.config.head_dim = 256; d.config.ffn_dim = 96; d.config.vocab_size = V;
    d.config.max_seq_len = 64; d.config.sliding_window = 10; d.config.sliding_pattern = 3;
    d.config.attn_scale = 0.0625f; d.seed = 3;
    T_CHECK(t, llm_model_create(&d, &m, NULL) == LLM_OK, "model");
    llm_rng_seed(&r, 9);
    for (i = 0; i < llm_model_num_tensors(m); i++) {   /* norms away from their init values */
        const llm_tensor_info *ti = llm_model_tensor(m, i);
        size_t k;
        if (ti->n_dims == 1) for (k = 0; k < ti->size; k++) llm_model_params(m)[ti->offset + k] += 0.3f * llm_rng_normal(&r);
    }
    for (i = 0; i < N; i++) tok[i] = (int32_t)(llm_rng_u32(&r) % V);
    full = (float *)malloc((size_t)N * V * 4); pre = (float *)malloc((size_t)N * V * 4);
    T_CHECK(t, llm_model_forward(m, NULL, tok, 1, N, full, NULL) == LLM_OK, "full forward");
    memset(&sd, 0, sizeof sd); sd.n_batch = 8;
    T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK, "session");
    T_CHECK(t, llm_session_eval(s, tok, 17, pre) == LLM_OK, "prefill: %s", llm_session_last_error(s));
    for (j = 0; j < 17 * V; j++) ref[j] = full[j];
    worst = t_rel_err(pre, ref, (size_t)17 * V);
    for (i = 17; i < N; i++) {
        T_CHECK(t, llm_session_eval(s, tok + i, 1, NULL) == LLM_OK, "decode");
        for (j = 0; j < V; j++) ref[j] = full[(size_t)i * V + j];
        worst = LLM__MAX(worst, t_rel_err(llm_session_logits(s), ref, V));
    }
    llm_session_free(s);
    free(full); free(pre); llm_model_free(m);
    T_NOTE(t, "head_dim 256, window 10: max rel err of prefill (17) + decode to 40 vs full forward %.1e", worst);
    T_CHECK(t, worst < 1e-5, "failed");
}

static int t_argmax(const float *x, int n) { int i, b = 0; for (i = 1; i < n; i++) if (x[i] > x[b]) b = i; return b; }

static void test_rewind_and_save_restore(t_ctx *t) {
    llm_model *m = t_inf_model(LLM_ARCH_LLAMA, 0);
    llm_session *s, *s2;
    int32_t prompt[10] = {1, 5, 9, 13, 17, 21, 25, 29, 33, 37}, a[20], b[20], c[20];
    int i, n = 12;
    void *buf;
    size_t size;
    T_CHECK(t, llm_session_create(m, NULL, &s, NULL) == LLM_OK, "session");
    llm_session_eval(s, prompt, 10, NULL);
    for (i = 0; i < n; i++) { a[i] = t_argmax(llm_session_logits(s), 61); llm_session_eval(s, &a[i], 1, NULL); }
    /* rewind to the end of the prompt and redo: same tokens */
    T_CHECK(t, llm_session_rewind(s, 9) == LLM_OK, "rewind");
    llm_session_eval(s, prompt + 9, 1, NULL);
    for (i = 0; i < n; i++) { b[i] = t_argmax(llm_session_logits(s), 61); llm_session_eval(s, &b[i], 1, NULL); }
    T_CHECK(t, memcmp(a, b, (size_t)n * 4) == 0, "rewind + redo gave other tokens");
    /* save after 5 generated tokens, restore into a fresh session, continue */
    llm_session_rewind(s, 10 + 5);
    T_CHECK(t, llm_session_save_mem(s, NULL, NULL, 0, &size) == LLM_OK && size > 0, "size query");
    buf = malloc(size);
    T_CHECK(t, llm_session_save_mem(s, NULL, buf, size - 1, &size) == LLM_ERR_BUFFER_TOO_SMALL, "small buffer");
    T_CHECK(t, llm_session_save_mem(s, NULL, buf, size, &size) == LLM_OK, "save");
    T_CHECK(t, llm_session_create(m, NULL, &s2, NULL) == LLM_OK, "session 2");
    T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size) == LLM_OK, "load: %s", llm_session_last_error(s2));
    T_CHECK(t, llm_session_pos(s2) == 15, "position");
    for (i = 5; i < n; i++) { c[i] = t_argmax(llm_session_logits(s2), 61); llm_session_eval(s2, &c[i], 1, NULL); }
    T_CHECK(t, memcmp(a + 5, c + 5, (size_t)(n - 5) * 4) == 0, "restore gave other tokens");
    /* corrupted / truncated states are refused */
    T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size - 1) == LLM_ERR_FORMAT, "truncated state accepted");
    ((unsigned char *)buf)[0] = 'X';
    T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size) == LLM_ERR_FORMAT, "bad magic accepted");
    free(buf);
    {   /* with a sampling sampler: the state file carries its RNG, so the continuation of a
           restored conversation is the same sampled tokens */
        llm_sampler *sa, *sb;
        llm_sampler_desc sd;
        int32_t x[10], y[10], tk;
        const char *path = "tests/tmp_session.bin";
        memset(&sd, 0, sizeof sd); sd.temperature = 1.0f; sd.top_p = 0.95f; sd.repeat_penalty = 1.2f; sd.seed = 9;
        llm_sampler_create(m, &sd, &sa, NULL);
        sd.seed = 12345;
        llm_sampler_create(m, &sd, &sb, NULL);
        llm_session_rewind(s, 9); llm_session_eval(s, prompt + 9, 1, NULL);
        for (i = 0; i < 3; i++) { llm_sampler_sample(sa, llm_session_logits(s), &tk); llm_session_eval(s, &tk, 1, NULL); }
        T_CHECK(t, llm_session_save(s, sa, path) == LLM_OK, "save file: %s", llm_session_last_error(s));
        for (i = 0; i < 10; i++) { llm_sampler_sample(sa, llm_session_logits(s), &x[i]); llm_session_eval(s, &x[i], 1, NULL); }
        T_CHECK(t, llm_session_load(s2, sb, path) == LLM_OK, "load file: %s", llm_session_last_error(s2));
        for (i = 0; i < 10; i++) { llm_sampler_sample(sb, llm_session_logits(s2), &y[i]); llm_session_eval(s2, &y[i], 1, NULL); }
        T_CHECK(t, memcmp(x, y, sizeof x) == 0, "restored sampler continues differently");
        llm_sampler_free(sa); llm_sampler_free(sb);
        remove(path);
    }
    llm_session_free(s); llm_session_free(s2); llm_model_free(m);
}

/* A restored session continues with the same bits as the saved one would have, whatever
   computed its cache and logits: a token evaluated inside a prefill batch goes through the
   GEMM, a decode step through the matvec, and the two round differently, so a state must not
   recompute what it can store (found by tests/soak.c: 1 continuation in ~10^4 differed). */
static int t_same_bits(const float *a, const float *b, int n) { return a && b && memcmp(a, b, (size_t)n * 4) == 0; }
static void test_restore_exact(t_ctx *t) {
    int arch;
    for (arch = LLM_ARCH_GPT2; arch <= LLM_ARCH_GEMMA3; arch++) {
        llm_model *m = t_inf_model((llm_arch)arch, 0);
        llm_session *s = NULL, *s2 = NULL;
        llm_session_desc sd;
        int32_t tok[24], x = 7;
        float l1[61], l2[61];
        unsigned char *buf = NULL, *v1 = NULL;
        size_t size = 0, n1;
        int i;
        for (i = 0; i < 24; i++) tok[i] = (int32_t)((i * 11 + 5) % 61);
        memset(&sd, 0, sizeof sd); sd.n_ctx = 64; sd.n_batch = 16;
        T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK && llm_session_create(m, &sd, &s2, NULL) == LLM_OK,
                "sessions");
        buf = (unsigned char *)malloc(1 << 20); v1 = (unsigned char *)malloc(1 << 20);
        /* 1. the logits of a batch: stored, so the restored ones are the same bits */
        T_CHECK(t, llm_session_eval(s, tok, 20, NULL) == LLM_OK, "prefill");
        T_CHECK(t, llm_session_save_mem(s, NULL, buf, 1 << 20, &size) == LLM_OK, "save: %s", llm_session_last_error(s));
        T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size) == LLM_OK, "load: %s", llm_session_last_error(s2));
        T_CHECK(t, t_same_bits(llm_session_logits(s), llm_session_logits(s2), 61), "arch %d: restored logits differ",
                arch);
        /* 2. rewound into the batch (no logits): the restored cache is the stored one, so the
           next token's logits are the same bits */
        T_CHECK(t, llm_session_rewind(s, 13) == LLM_OK, "rewind");
        T_CHECK(t, llm_session_save_mem(s, NULL, buf, 1 << 20, &size) == LLM_OK, "save 2");
        T_CHECK(t, llm_session_eval(s, &x, 1, NULL) == LLM_OK, "eval");
        memcpy(l1, llm_session_logits(s), sizeof l1);
        T_CHECK(t, llm_session_load_mem(s, NULL, buf, size) == LLM_OK && llm_session_pos(s) == 13, "load 2");
        T_CHECK(t, llm_session_logits(s) != NULL, "no logits after loading a state saved without them");
        T_CHECK(t, llm_session_eval(s, &x, 1, NULL) == LLM_OK, "eval 2");
        memcpy(l2, llm_session_logits(s), sizeof l2);
        T_CHECK(t, t_same_bits(l1, l2, 61), "arch %d: logits after restore + eval differ", arch);
        /* 3. a version 1 state (no logits word) still loads, the same way */
        T_CHECK(t, buf[4] == 2 && size > 28 + 13 * 4, "version 2 written");
        n1 = size - 4 - 4 - (size_t)(buf[size - 4] | buf[size - 3] << 8);   /* (no sampler: the last word is 0) */
        memcpy(v1, buf, n1); memcpy(v1 + n1, buf + n1 + 4, size - n1 - 4); v1[4] = 1;
        T_CHECK(t, buf[n1] == 0 && llm_session_load_mem(s2, NULL, v1, size - 4) == LLM_OK, "version 1: %s",
                llm_session_last_error(s2));
        T_CHECK(t, llm_session_eval(s2, &x, 1, NULL) == LLM_OK && t_same_bits(l1, llm_session_logits(s2), 61),
                "arch %d: version 1 restore differs", arch);
        /* 4. logits a prefill left for later (generation prefills without them): made by save */
        llm_session_reset(s);
        T_CHECK(t, llm__session_eval(s, tok, 20, NULL, LLM__LOGITS_NONE, 20) == LLM_OK && s->pending, "pending prefill");
        T_CHECK(t, llm_session_save_mem(s, NULL, NULL, 0, &n1) == LLM_OK, "size query");
        T_CHECK(t, llm_session_save_mem(s, NULL, buf, 1 << 20, &size) == LLM_OK && size == n1, "save 4 (%lu vs %lu)",
                (unsigned long)size, (unsigned long)n1);
        T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size) == LLM_OK, "load 4");
        T_CHECK(t, t_same_bits(llm_session_logits(s), llm_session_logits(s2), 61), "arch %d: finished logits differ",
                arch);
        /* 5. damaged logits word / truncated logits */
        buf[28 + 20 * 4 + (size - 28 - 20 * 4 - 4 - 4 - 61 * 4)] = 2;
        T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size) == LLM_ERR_FORMAT, "logits flag 2 accepted");
        T_CHECK(t, strstr(llm_session_last_error(s2), "logits flag") != NULL, "message: %s", llm_session_last_error(s2));
        buf[28 + 20 * 4 + (size - 28 - 20 * 4 - 4 - 4 - 61 * 4)] = 1;
        T_CHECK(t, llm_session_load_mem(s2, NULL, buf, size - 8) == LLM_ERR_FORMAT, "truncated logits accepted");
        free(buf); free(v1);
        llm_session_free(s); llm_session_free(s2); llm_model_free(m);
    }
}

/* How n_batch cuts a prompt never changes a bit, though a last chunk of a few rows would
   alone take the matvec, which sums in another order than the GEMM: llm_session_eval and
   llm_generate. Also with quantized decode copies (a few rows would have read them; a
   prefill reads the fp32 weights). */
static uint64_t t_cache_hash(const llm_session *s) {
    const llm_config *c = llm_model_config(s->model);
    const size_t hs = (size_t)c->head_dim;
    uint64_t h = 1469598103934665603ull;
    size_t b, i;
    for (b = 0; b < (size_t)c->n_layer * c->n_kv_head; b++)
        for (i = 0; i < (size_t)s->pos * hs; i++) {
            uint32_t u, v;
            memcpy(&u, s->kcache + b * s->n_ctx * hs + i, 4); memcpy(&v, s->vcache + b * s->n_ctx * hs + i, 4);
            h = ((h ^ u) * 1099511628211ull ^ v) * 1099511628211ull;
        }
    return h;
}
static void test_prefill_cut_invariant(t_ctx *t) {
    int arch, q, k;
    for (arch = LLM_ARCH_GPT2; arch <= LLM_ARCH_GEMMA3; arch++)
        for (q = 0; q < 2; q++) {
            llm_model *m = t_inf_model((llm_arch)arch, 0);
            const int nb[] = {24, 10, 8, 5};   /* 22 tokens: 22 | 10+10+2 | 8+8+6 | 5+5+5+5+2 */
            int32_t tok[22];
            float ref[61];
            uint64_t href = 0;
            int i;
            llm_error e;
            for (i = 0; i < 22; i++) tok[i] = (int32_t)((i * 13 + 2) % 61);
            if (q) T_CHECK(t, llm_model_quantize(m, LLM_TYPE_Q8_0, &e) == LLM_OK, "quantize: %s", e.message);
            for (k = 0; k < 4; k++) {
                llm_session *s = NULL;
                llm_session_desc sd;
                memset(&sd, 0, sizeof sd); sd.n_ctx = 64; sd.n_batch = nb[k];
                T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK && llm_session_eval(s, tok, 22, NULL) == LLM_OK,
                        "eval");
                if (!k) { memcpy(ref, llm_session_logits(s), sizeof ref); href = t_cache_hash(s); }
                T_CHECK(t, t_same_bits(ref, llm_session_logits(s), 61) && href == t_cache_hash(s),
                        "arch %d%s: n_batch %d changed the bits", arch, q ? " (q8_0 copies)" : "", nb[k]);
                llm_session_free(s);
            }
            {   /* llm_generate: its prompt pieces are chunks of n_batch, also without a change */
                llm_sampler *smp = NULL;
                llm_sampler_desc pd;
                llm_generate_desc gd;
                unsigned char st0[256];
                size_t sn = 0;
                uint64_t h1 = 0;
                int32_t first[12];
                memset(&pd, 0, sizeof pd); pd.temperature = 1.0f; pd.seed = 3;
                T_CHECK(t, llm_sampler_create(m, &pd, &smp, NULL) == LLM_OK, "sampler");
                T_CHECK(t, llm_sampler_save_mem(smp, st0, sizeof st0, &sn) == LLM_OK, "sampler state");
                memset(&gd, 0, sizeof gd); gd.prompt_ids = tok; gd.n_prompt_ids = 22; gd.max_tokens = 12; gd.ignore_eos = 1;
                for (k = 0; k < 4; k++) {
                    llm_session *s = NULL;
                    llm_session_desc sd;
                    memset(&sd, 0, sizeof sd); sd.n_ctx = 64; sd.n_batch = nb[k];
                    T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK, "session");
                    llm_sampler_load_mem(smp, st0, sn);
                    T_CHECK(t, llm_generate(s, smp, &gd, NULL) == LLM_OK && llm_session_pos(s) == 33, "generate");
                    if (!k) { h1 = t_cache_hash(s); memcpy(first, llm_session_tokens(s) + 22, 11 * 4); }
                    T_CHECK(t, h1 == t_cache_hash(s) && memcmp(first, llm_session_tokens(s) + 22, 11 * 4) == 0,
                            "arch %d%s: llm_generate with n_batch %d changed the bits", arch, q ? " (q8_0 copies)" : "",
                            nb[k]);
                    llm_session_free(s);
                }
                llm_sampler_free(smp);
            }
            llm_model_free(m);
        }
}

static void test_context_full_and_shift(t_ctx *t) {
    int arch;
    /* GPT-2 recomputes the kept tokens, so it must equal a fresh pass exactly. Llama keeps
       the cached k/v and re-rotates the keys: with one layer the cache depends only on each
       token and its position, so there too it must equal a fresh pass (with more layers the
       kept rows still carry the dropped context, as in llama.cpp's context shift). The newer
       families too (scaled RoPE); Gemma 3 once with its layer sliding (its own RoPE base and
       the window) and once global (arch 6 here). */
    for (arch = LLM_ARCH_GPT2; arch <= LLM_ARCH_GEMMA3 + 1; arch++) {
        const llm_arch a = arch > LLM_ARCH_GEMMA3 ? LLM_ARCH_GEMMA3 : (llm_arch)arch;
        llm_model *m = t_inf_model_p(a, 0, arch == LLM_ARCH_GPT2 ? 2 : 1, arch > LLM_ARCH_GEMMA3 ? 1 : 2);
        llm_session *s;
        llm_session_desc sd;
        int32_t tok[40];
        float *full = (float *)malloc(40 * 61 * 4);
        double ref[61], e;
        int i;
        for (i = 0; i < 40; i++) tok[i] = (int32_t)((i * 7 + 3) % 61);
        memset(&sd, 0, sizeof sd); sd.n_ctx = 32;
        T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK, "session");
        T_CHECK(t, llm_session_eval(s, tok, 32, NULL) == LLM_OK, "fill");
        T_CHECK(t, llm_session_eval(s, tok + 32, 1, NULL) == LLM_ERR_CONTEXT_FULL, "overflow not reported");
        /* keep 4, drop half of the other 28 (14): 18 tokens remain */
        T_CHECK(t, llm_session_shift(s, 4) == LLM_OK, "shift");
        T_CHECK(t, llm_session_pos(s) == 18, "pos after shift %d", llm_session_pos(s));
        T_CHECK(t, llm_session_eval(s, tok + 32, 1, NULL) == LLM_OK, "eval after shift");
        {   /* the same as a fresh forward over the kept tokens + the new one */
            int32_t kept[19];
            memcpy(kept, tok, 4 * 4); memcpy(kept + 4, tok + 18, 14 * 4); kept[18] = tok[32];
            llm_model_forward(m, NULL, kept, 1, 19, full, NULL);
            for (i = 0; i < 61; i++) ref[i] = full[18 * 61 + i];
            e = t_rel_err(llm_session_logits(s), ref, 61);
        }
        free(full);
        llm_session_free(s); llm_model_free(m);
        T_CHECK(t, e < 1e-4, "arch %d: logits after shift differ from a fresh pass: %.1e", arch, e);
    }
}

static int t_cancel_after_first(float f, void *u) { (void)f; return ++*(int *)u >= 1; }
static void test_prefill_cancel(t_ctx *t) {
    llm_model *m = t_inf_model(LLM_ARCH_LLAMA, 0);
    llm_session *s;
    llm_session_desc sd;
    int32_t tok[50];
    int calls = 0, i;
    for (i = 0; i < 50; i++) tok[i] = i % 61;
    memset(&sd, 0, sizeof sd); sd.n_batch = 8; sd.progress = t_cancel_after_first; sd.progress_user_data = &calls;
    llm_session_create(m, &sd, &s, NULL);
    llm_session_eval(s, tok, 3, NULL);     /* one chunk: no cancel point */
    calls = 0;
    T_CHECK(t, llm_session_eval(s, tok, 40, NULL) == LLM_ERR_CANCELLED, "not cancelled");
    T_CHECK(t, llm_session_pos(s) == 3, "position moved after cancel (%d)", llm_session_pos(s));
    T_CHECK(t, llm_session_eval(s, tok, 0, NULL) == LLM_ERR_INVALID_ARG, "empty eval");
    tok[0] = 61;
    T_CHECK(t, llm_session_eval(s, tok, 1, NULL) == LLM_ERR_OUT_OF_RANGE, "bad id accepted");
    llm_session_free(s); llm_model_free(m);
}

/* the real checkpoint: greedy ids from BOS equal llama2.c run.c's */
static void test_stories260k_greedy(t_ctx *t) {
    const char *path = t_data_path("stories260K/stories260K.bin");
    char ref_path[1024];
    llm_model *m;
    llm_session *s;
    int32_t ref[70], tok;
    int n = 0, i;
    FILE *f;
    if (!path) T_SKIP(t, "LLM_TEST_DATA/stories260K not found");
    snprintf(ref_path, sizeof ref_path, "%s", path);
    strcpy(strrchr(ref_path, '/') + 1, "greedy_first64.txt");
    f = fopen(ref_path, "r");
    if (!f) T_SKIP(t, "greedy_first64.txt not found");
    while (n < 70 && fscanf(f, "%d", &ref[n]) == 1) n++;
    fclose(f);
    T_CHECK(t, llm_model_load(path, NULL, &m, NULL) == LLM_OK, "load");
    llm_session_create(m, NULL, &s, NULL);
    tok = ref[0];
    for (i = 1; i < n; i++) {
        llm_session_eval(s, &tok, 1, NULL);
        tok = t_argmax(llm_session_logits(s), 512);
        if (tok != ref[i]) break;
    }
    llm_session_free(s); llm_model_free(m);
    T_CHECK(t, i == n, "greedy id %d differs: got %d, llama2.c %d", i, tok, ref[i]);
    T_NOTE(t, "%d greedy ids equal llama2.c's run.c", n - 1);
}

/* several sessions over one model on several threads give the same tokens as serially */
typedef struct t_conv { const llm_model *m; int32_t start; int32_t out[24]; llm_threadpool *pool; } t_conv;
LLM__MAYBE_UNUSED static void *t_conv_run(void *arg) {
    t_conv *c = (t_conv *)arg;
    llm_session *s;
    llm_session_desc sd;
    int32_t tok = c->start;
    int i;
    memset(&sd, 0, sizeof sd); sd.pool = c->pool;
    if (llm_session_create(c->m, &sd, &s, NULL) != LLM_OK) return NULL;
    for (i = 0; i < 24; i++) {
        llm_session_eval(s, &tok, 1, NULL);
        tok = c->out[i] = t_argmax(llm_session_logits(s), llm_model_config(c->m)->vocab_size);
    }
    llm_session_free(s);
    return NULL;
}
static void test_sessions_on_threads(t_ctx *t) {
#ifndef LLM_NO_THREADS
    llm_model *m = t_inf_model(LLM_ARCH_LLAMA, 1);
    t_conv serial[4], par[4];
    t_thread th[4];
    llm_threadpool *shared_pool;
    int i;
    llm_threadpool_create(2, NULL, &shared_pool, NULL);
    for (i = 0; i < 4; i++) { memset(&serial[i], 0, sizeof serial[i]); serial[i].m = m; serial[i].start = 3 + 11 * i; t_conv_run(&serial[i]); }
    for (i = 0; i < 4; i++) {
        par[i] = serial[i]; memset(par[i].out, 0, sizeof par[i].out);
        par[i].pool = i < 2 ? shared_pool : NULL;  /* two share a pool, two run alone */
        t_thread_start(&th[i], t_conv_run, &par[i]);
    }
    for (i = 0; i < 4; i++) t_thread_join(&th[i]);
    llm_threadpool_free(shared_pool);
    llm_model_free(m);
    for (i = 0; i < 4; i++) T_CHECK(t, memcmp(serial[i].out, par[i].out, sizeof par[i].out) == 0, "session %d differs", i);
#else
    T_SKIP(t, "built without threads");
#endif
}

/* The KV-cache attention with a sliding window (Gemma 3), beams too: a beam's row at position
   P + bpos (the shared prompt 0..P-1 in the cache, its suffix in its own cache) sees exactly
   what a plain row at that position sees with the same keys in one cache, for windows that
   end in the suffix, in the prompt, or reach past the start; and the plain row equals a
   naive softmax over the keys j > pos - window. */
static void test_kv_attention_window(t_ctx *t) {
    const int NH = 4, NKV = 2, hs = 8, QKV = (NH + 2 * NKV) * hs, P = 70, bpos = 5, n_ctx = 96, bcap = 8;
    const int wins[5] = {0, 3, 6, 40, 200};
    float *kc = (float *)calloc((size_t)NKV * n_ctx * hs, 4), *vc = (float *)calloc((size_t)NKV * n_ctx * hs, 4);
    float *kc2 = (float *)calloc((size_t)NKV * n_ctx * hs, 4), *vc2 = (float *)calloc((size_t)NKV * n_ctx * hs, 4);
    float *bk = (float *)calloc((size_t)NKV * bcap * hs, 4), *bv = (float *)calloc((size_t)NKV * bcap * hs, 4);
    float qkv[(4 + 2 * 2) * 8], o1[4 * 8], o2[4 * 8];
    double worst = 0, worst_naive = 0;
    llm_rng r;
    int w, h, j, d, i;
    llm_rng_seed(&r, 21);
    for (i = 0; i < NKV * n_ctx * hs; i++) { kc[i] = llm_rng_normal(&r); vc[i] = llm_rng_normal(&r); }
    for (i = 0; i < QKV; i++) qkv[i] = llm_rng_normal(&r);
    for (h = 0; h < NKV; h++)   /* the beam's suffix rows = the plain cache's rows P .. P+bpos-1 */
        for (j = 0; j < bpos; j++) {
            memcpy(bk + ((size_t)h * bcap + j) * hs, kc + ((size_t)h * n_ctx + P + j) * hs, hs * 4);
            memcpy(bv + ((size_t)h * bcap + j) * hs, vc + ((size_t)h * n_ctx + P + j) * hs, hs * 4);
        }
    for (w = 0; w < 5; w++) {
        llm__kv kv;
        llm__ctx x = t_cpu_kv(NH, NKV, hs);
        memcpy(kc2, kc, (size_t)NKV * n_ctx * hs * 4); memcpy(vc2, vc, (size_t)NKV * n_ctx * hs * 4);
        memset(&kv, 0, sizeof kv); kv.k = kc2; kv.v = vc2; kv.n_ctx = n_ctx; kv.pos0 = P + bpos;
        x.ops->attn_kv(&x, o1, qkv, &kv, 1, NH, NKV, hs, 0.3f, wins[w]);
        memset(&kv, 0, sizeof kv); kv.k = kc; kv.v = vc; kv.n_ctx = n_ctx; kv.pos0 = P;
        kv.bk = bk; kv.bv = bv; kv.bcap = bcap; kv.bpos = bpos;
        x.ops->attn_kv(&x, o2, qkv, &kv, 1, NH, NKV, hs, 0.3f, wins[w]);
        llm__ctx_free(&x);
        for (i = 0; i < NH * hs; i++) worst = LLM__MAX(worst, fabs((double)o1[i] - o2[i]));
        for (h = 0; h < NH; h++) {   /* naive, in double */
            const int kh = h / (NH / NKV), pos = P + bpos, j0 = wins[w] && pos - wins[w] + 1 > 0 ? pos - wins[w] + 1 : 0;
            double p[96], mx = -1e300, sum = 0;
            for (j = j0; j <= pos; j++) {
                double dot = 0;
                for (d = 0; d < hs; d++) dot += (double)qkv[h * hs + d] * kc2[((size_t)kh * n_ctx + j) * hs + d];
                p[j] = 0.3 * dot; if (p[j] > mx) mx = p[j];
            }
            for (j = j0; j <= pos; j++) { p[j] = exp(p[j] - mx); sum += p[j]; }
            for (d = 0; d < hs; d++) {
                double acc = 0;
                for (j = j0; j <= pos; j++) acc += p[j] / sum * vc2[((size_t)kh * n_ctx + j) * hs + d];
                worst_naive = LLM__MAX(worst_naive, fabs(acc - o1[h * hs + d]));
            }
        }
    }
    free(kc); free(vc); free(kc2); free(vc2); free(bk); free(bv);
    T_NOTE(t, "windows 0, 3, 6, 40, 200: beam vs plain max |diff| %.1e, plain vs naive %.1e", worst, worst_naive);
    T_CHECK(t, worst < 1e-6 && worst_naive < 1e-5, "failed");
}

/* Quantized decode copies on the newer families (head_dim 32 apart from dim / n_head: q (128,
   64), attn_output (64, 128), whole Q8_0 blocks; Q4_K: ffn_down): a session decodes with them
   as the fp32 forward does with the copies' values (dequantized into a second model), up to
   the rounding of the activations to Q8 (random-init Gemma 3 is the most sensitive: its post
   norms bring every branch to unit scale). */
static void test_quantized_decode_newer(t_ctx *t) {
    const int types[2] = {LLM_TYPE_Q8_0, LLM_TYPE_Q4_K};
    double worst[2] = {0, 0};
    int arch, k, i, j;
    for (arch = LLM_ARCH_QWEN2; arch <= LLM_ARCH_GEMMA3; arch++)
        for (k = 0; k < 2; k++) {
            llm_model_desc d;
            llm_model *m = NULL, *m2 = NULL;
            llm_session *s = NULL;
            llm_error e;
            int32_t tok[24];
            float *full = (float *)malloc(24 * 61 * 4);
            double ref[61];
            memset(&d, 0, sizeof d);
            d.config.arch = (llm_arch)arch; d.config.n_layer = 2; d.config.n_head = 4; d.config.n_kv_head = 2;
            d.config.dim = 64; d.config.head_dim = 32; d.config.ffn_dim = 256; d.config.vocab_size = 61;
            d.config.padded_vocab_size = 64; d.config.max_seq_len = 32; d.seed = 4;
            if (arch == LLM_ARCH_GEMMA3) { d.config.sliding_window = 6; d.config.sliding_pattern = 2; }
            T_CHECK(t, llm_model_create(&d, &m, NULL) == LLM_OK && llm_model_create(&d, &m2, NULL) == LLM_OK, "create");
            for (i = 0; i < 24; i++) tok[i] = (int32_t)((i * 17 + 5) % 61);
            T_CHECK(t, llm_model_quantize(m, (llm_type)types[k], &e) == LLM_OK && m->n_quant > 0, "quantize: %s", e.message);
            memcpy(llm_model_params(m2), llm_model_params(m), llm_model_num_params(m) * 4);
            for (i = 0; i < m->n_tensors; i++)
                if (m->qdata[i]) {
                    const llm_tensor_info *ti = &m->tensors[i];
                    const size_t rb = llm__row_bytes((int)ti->type, (size_t)ti->shape[1]);
                    int64_t r;
                    for (r = 0; r < llm__saved_rows(m, ti); r++)   /* (no padded vocabulary rows) */
                        llm__dequant_row((int)ti->type, m->qdata[i] + (size_t)r * rb,
                                         m2->params + ti->offset + (size_t)(r * ti->shape[1]), (size_t)ti->shape[1]);
                }
            T_CHECK(t, llm_model_forward(m2, NULL, tok, 1, 24, full, NULL) == LLM_OK, "forward");
            T_CHECK(t, llm_session_create(m, NULL, &s, NULL) == LLM_OK, "session");
            for (i = 0; i < 24; i++) {
                T_CHECK(t, llm_session_eval(s, tok + i, 1, NULL) == LLM_OK, "decode");
                for (j = 0; j < 61; j++) ref[j] = full[i * 61 + j];
                worst[k] = LLM__MAX(worst[k], t_rel_err(llm_session_logits(s), ref, 61));
            }
            llm_session_free(s); llm_model_free(m); llm_model_free(m2); free(full);
        }
    T_NOTE(t, "Qwen2, Qwen3, Gemma 3 decode with copies vs fp32 forward of their values: rel err Q8_0 %.1e, Q4_K %.1e",
           worst[0], worst[1]);
    T_CHECK(t, worst[0] < 3e-2 && worst[1] < 3e-2, "failed");
}

/* Beam search on Gemma 3 (a window of 10 shorter than the 16-token prompt and than the 20 new ones):
   the best beam's score is its summed log-probability under the full forward pass (no length
   normalisation), so the beams' suffix caches saw what the window lets them see. */
static void test_beam_gemma3_window(t_ctx *t) {
    llm_model *m = t_inf_model(LLM_ARCH_GEMMA3, 0);
    llm_session *s = NULL;
    llm_session_desc sd;
    llm_beam_desc bd;
    int32_t seq[36], out[20];
    float score = 0, *full = (float *)malloc(36 * 61 * 4);
    double lp = 0;
    int n = 0, i, j;
    for (i = 0; i < 16; i++) seq[i] = (int32_t)((i * 29 + 3) % 61);
    memset(&sd, 0, sizeof sd); sd.n_ctx = 40; sd.n_batch = 8;
    memset(&bd, 0, sizeof bd); bd.beam_size = 3; bd.max_tokens = 20; bd.ignore_eos = 1; bd.length_penalty = -1;
    T_CHECK(t, m && llm_session_create(m, &sd, &s, NULL) == LLM_OK, "session");
    T_CHECK(t, llm_beam_search(s, seq, 16, &bd, out, 20, &n, &score) == LLM_OK && n == 20, "beam search: %s",
            llm_session_last_error(s));
    memcpy(seq + 16, out, 20 * 4);
    T_CHECK(t, llm_model_forward(m, NULL, seq, 1, 36, full, NULL) == LLM_OK, "forward");
    for (i = 15; i < 35; i++) {   /* log softmax of row i at token i + 1 */
        const float *row = full + (size_t)i * 61;
        double mx = row[0], z = 0;
        for (j = 1; j < 61; j++) mx = LLM__MAX(mx, row[j]);
        for (j = 0; j < 61; j++) z += exp(row[j] - mx);
        lp += row[seq[i + 1]] - mx - log(z);
    }
    llm_session_free(s); llm_model_free(m); free(full);
    T_NOTE(t, "best of 3 beams: score %.5f, log-probability under the full forward %.5f", score, lp);
    T_CHECK(t, fabs(score - lp) < 2e-5 * (1 + fabs(lp)), "failed");
}

static const t_case inference_tests[] = {
    {"kv_cache_vs_full_forward_gpt2", test_kv_vs_full_gpt2},
    {"kv_cache_vs_full_forward_llama", test_kv_vs_full_llama},
    {"kv_cache_vs_full_forward_qwen2", test_kv_vs_full_qwen2},
    {"kv_cache_vs_full_forward_qwen3", test_kv_vs_full_qwen3},
    {"kv_cache_vs_full_forward_gemma3", test_kv_vs_full_gemma3},
    {"kv_cache_vs_full_forward_gemma3_head_dim_256", test_kv_vs_full_gemma3_hd256},
    {"session_rewind_save_restore", test_rewind_and_save_restore},
    {"session_restore_exact", test_restore_exact},
    {"session_prefill_cut_invariant", test_prefill_cut_invariant},
    {"session_context_full_and_shift", test_context_full_and_shift},
    {"session_prefill_cancel", test_prefill_cancel},
    {"kv_attention_window_beams", test_kv_attention_window},
    {"quantized_decode_newer_families", test_quantized_decode_newer},
    {"beam_search_gemma3_window", test_beam_gemma3_window},
    {"stories260k_greedy_matches_llama2c", test_stories260k_greedy},
    {"sessions_on_threads", test_sessions_on_threads},
};
