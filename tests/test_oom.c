/* tests/test_oom.c - allocation failure injection: every scenario below is run again and again
   with its k-th allocation failing, for every k it reaches. Each run must end in a status
   (LLM_ERR_OUT_OF_MEMORY where the failure stopped it), leave nothing allocated once the
   objects it made are freed, and never crash (run under ASan in .ci/run). */

typedef struct to_alloc { long n, fail_at, live, failed; } to_alloc;
static void *to_alloc_fn(size_t size, void *u) {
    to_alloc *a = (to_alloc *)u;
    if (++a->n == a->fail_at) { a->failed++; return NULL; }
    a->live++;
    return malloc(size);
}
static void to_free_fn(void *p, void *u) {
    if (p) ((to_alloc *)u)->live--;
    free(p);
}

/* the scenarios: each makes and frees its objects through allocator al; returns the first failure */
static llm_status to_load(const llm_allocator *al, const void *gguf, size_t n) {
    llm_model_desc d;
    llm_model *m = NULL;
    llm_status st;
    memset(&d, 0, sizeof d); d.allocator = *al;
    st = llm_model_load_mem(gguf, n, &d, &m, NULL);
    if (st == LLM_OK) {   /* quantized_only too, and a save */
        size_t sz = 0;
        st = llm_model_save_mem(m, NULL, 0, &sz, NULL);
        llm_model_free(m);
        m = NULL;
        d.quantized_only = 1;
        if (st == LLM_OK) st = llm_model_load_mem(gguf, n, &d, &m, NULL);
    }
    llm_model_free(m);
    return st;
}
static llm_status to_hf(const llm_allocator *al) {
    llm_model_desc d;
    llm_model *m = NULL;
    llm_status st;
    memset(&d, 0, sizeof d); d.allocator = *al;
    st = llm_model_load("tests/data/hf/llama_sharded", &d, &m, NULL);
    llm_model_free(m);
    return st;
}
static llm_status to_train(const llm_allocator *al, llm_model *m0) {
    llm_trainer_desc td;
    llm_trainer *tr = NULL;
    int32_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, tg[8] = { 2, 3, 4, 5, 6, 7, 8, 9 };
    size_t sz = 0;
    void *buf = NULL;
    llm_status st;
    memset(&td, 0, sizeof td); td.batch = 2; td.seq_len = 4; td.allocator = *al; td.backend = LLM_BACKEND_CPU;
    st = llm_trainer_create(m0, &td, &tr, NULL);
    if (st == LLM_OK) st = llm_trainer_step(tr, in, tg, NULL);
    if (st == LLM_OK) st = llm_trainer_save_mem(tr, NULL, 0, &sz, 0);
    if (st == LLM_OK && !(buf = malloc(sz))) st = LLM_ERR_OUT_OF_MEMORY;
    if (st == LLM_OK) st = llm_trainer_save_mem(tr, buf, sz, &sz, 0);
    if (st == LLM_OK) st = llm_trainer_load_mem(tr, buf, sz, NULL);
    free(buf);
    llm_trainer_free(tr);
    return st;
}
static int to_count(int32_t tok, void *u) { (void)tok; ++*(int *)u; return 0; }
static llm_status to_session(const llm_allocator *al, const llm_model *m) {
    llm_session_desc sd;
    llm_sampler_desc pd;
    llm_generate_desc gd;
    llm_beam_desc bd;
    llm_session *s = NULL;
    llm_sampler *smp = NULL;
    int32_t prompt[5] = { 3, 1, 4, 1, 5 }, out[8];
    int n_out = 0, seen = 0;
    float score;
    size_t sz = 0;
    void *buf = NULL;
    llm_status st;
    memset(&sd, 0, sizeof sd); sd.n_ctx = 32; sd.allocator = *al; sd.backend = LLM_BACKEND_CPU;
    memset(&pd, 0, sizeof pd); pd.temperature = 0.8f; pd.top_k = 8; pd.top_p = 0.9f; pd.repeat_penalty = 1.1f;
    pd.seed = 7; pd.allocator = *al;
    st = llm_session_create(m, &sd, &s, NULL);
    if (st == LLM_OK) st = llm_sampler_create(m, &pd, &smp, NULL);
    if (st == LLM_OK) st = llm_session_eval(s, prompt, 5, NULL);
    if (st == LLM_OK) st = llm_session_save_mem(s, smp, NULL, 0, &sz);
    if (st == LLM_OK && !(buf = malloc(sz))) st = LLM_ERR_OUT_OF_MEMORY;
    if (st == LLM_OK) st = llm_session_save_mem(s, smp, buf, sz, &sz);
    if (st == LLM_OK) st = llm_session_load_mem(s, smp, buf, sz);
    if (st == LLM_OK) {
        memset(&gd, 0, sizeof gd);
        gd.prompt_ids = prompt; gd.n_prompt_ids = 2; gd.max_tokens = 4; gd.ignore_eos = 1;
        gd.on_token = to_count; gd.user_data = &seen;
        llm_session_reset(s);
        st = llm_generate(s, smp, &gd, NULL);
    }
    if (st == LLM_OK) {
        memset(&bd, 0, sizeof bd); bd.beam_size = 3; bd.max_tokens = 4; bd.ignore_eos = 1;
        llm_session_reset(s);
        st = llm_beam_search(s, prompt, 3, &bd, out, 8, &n_out, &score);
    }
    free(buf);
    llm_sampler_free(smp);
    llm_session_free(s);
    return st;
}
static llm_status to_tokenizer(const llm_allocator *al) {
    static const char text[] = "the quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs. 1234";
    llm_bpe_train_desc bd;
    llm_tokenizer_desc td;
    llm_tokenizer *t = NULL, *t2 = NULL;
    int32_t ids[64];
    size_t n = 0, sz = 0;
    void *buf = NULL;
    llm_status st;
    memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 270; bd.allocator = *al;
    st = llm_tokenizer_train(&bd, &t, NULL);
    if (st == LLM_OK) st = llm_tokenize(t, text, sizeof text - 1, 0, ids, 64, &n);
    if (st == LLM_OK) st = llm_tokenizer_save_mem(t, NULL, 0, &sz, NULL);
    if (st == LLM_OK && !(buf = malloc(sz))) st = LLM_ERR_OUT_OF_MEMORY;
    if (st == LLM_OK) st = llm_tokenizer_save_mem(t, buf, sz, &sz, NULL);
    memset(&td, 0, sizeof td); td.allocator = *al;
    if (st == LLM_OK) st = llm_tokenizer_load_mem(buf, sz, &td, &t2, NULL);
    free(buf);
    llm_tokenizer_free(t); llm_tokenizer_free(t2);
    return st;
}

static void test_alloc_failures(t_ctx *t) {
    static const char *const names[] = { "load GGUF (Q8_0 copies, tokenizer)", "load safetensors (2 shards)",
                                         "trainer create/step/save/load", "session eval/save/load/generate/beam",
                                         "tokenizer train/encode/save/load" };
    llm_model_desc d;
    llm_model *m = NULL;
    llm_tokenizer *tok = NULL;
    llm_bpe_train_desc bd;
    unsigned char *gguf;
    size_t n = 0;
    char note[400] = "";
    int sc, total = 0, total_absorbed = 0;
    static const char text[] = "some text for a tokenizer of 260 tokens, and more text";
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_LLAMA;
    d.config.n_layer = 2;
    d.config.n_head = 2;
    d.config.n_kv_head = 1;
    d.config.dim = 32;
    d.config.vocab_size = 260; d.config.max_seq_len = 32; d.seed = 5;
    T_CHECK(t, llm_model_create(&d, &m, NULL) == LLM_OK, "create");
    memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 260;
    T_CHECK(t, llm_tokenizer_train(&bd, &tok, NULL) == LLM_OK && llm_model_set_tokenizer(m, tok, NULL) == LLM_OK,
            "tok");
    llm_tokenizer_free(tok);
    T_CHECK(t, llm_model_quantize(m, LLM_TYPE_Q8_0, NULL) == LLM_OK, "quantize");
    llm_model_save_mem(m, NULL, 0, &n, NULL);
    gguf = (unsigned char *)malloc(n);
    llm_model_save_mem(m, gguf, n, &n, NULL);
    llm_model_quantize(m, LLM_TYPE_F32, NULL);
    for (sc = 0; sc < 5; sc++) {
        long k, reached = 0, oom = 0, absorbed = 0;
        for (k = 1;; k++) {
            to_alloc a = { 0, 0, 0, 0 };
            llm_allocator al;
            llm_status st;
            a.fail_at = k;
            al.alloc_fn = to_alloc_fn; al.free_fn = to_free_fn; al.user_data = &a;
            switch (sc) {
            case 0: st = to_load(&al, gguf, n); break;
            case 1: st = to_hf(&al); break;
            case 2: st = to_train(&al, m); break;
            case 3: st = to_session(&al, m); break;
            default: st = to_tokenizer(&al); break;
            }
            T_CHECK(t, a.live == 0, "%s, allocation %ld failing: %ld blocks left allocated", names[sc], k, a.live);
            if (!a.failed) {   /* the scenario made fewer than k allocations: all have been failed once */
                T_CHECK(t, st == LLM_OK, "%s without failures: status %d", names[sc], (int)st);
                break;
            }
            /* a failure is reported, or absorbed where the allocation was optional (the kernel
               calibration's scratch buffer: the defaults are used) */
            oom += st == LLM_ERR_OUT_OF_MEMORY;
            absorbed += st == LLM_OK;
            reached = k;
        }
        T_CHECK(t, oom + absorbed == reached,
                "%s: %ld of %ld failures reported as LLM_ERR_OUT_OF_MEMORY (%ld absorbed)", names[sc], oom, reached,
                absorbed);
        total += (int)reached;
        total_absorbed += (int)absorbed;
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s%ld", sc ? ", " : "", reached);
    }
    free(gguf);
    llm_model_free(m);
    T_NOTE(t, "%d allocations failed one by one (%s): LLM_ERR_OUT_OF_MEMORY, %d absorbed (optional), nothing leaked",
           total, note, total_absorbed);
}

static const t_case oom_tests[] = {
    {"alloc_failures_injected", test_alloc_failures},
};
