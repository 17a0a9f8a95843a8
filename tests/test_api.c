/* tests/test_api.c - the API's conventions and the defects 0.1 had: every public call with
   NULL objects and pointers (a status, never a crash), size queries, a sampler whose
   vocabulary does not match the model, generate's statistics on failure, stop reason names,
   an architecture left unset, tokenizer ownership, the clock (wall time, also in strict C99
   builds) and the generator's frame budget. */

static llm_model *ta_model(llm_arch arch, int vocab) {
    llm_model_desc d;
    llm_model *m;
    memset(&d, 0, sizeof d);
    d.config.arch = arch; d.config.n_layer = 1; d.config.n_head = 2; d.config.dim = 16;
    d.config.vocab_size = vocab; d.config.max_seq_len = 32; d.seed = 5;
    return llm_model_create(&d, &m, NULL) == LLM_OK ? m : NULL;
}

static void test_api_null_arguments(t_ctx *t) {
    llm_error e;
    int32_t ids[4] = {1, 2, 3, 4}, tok = 0;
    size_t n = 7;
    float f[4] = {0};
    void *p = &n;
    int k = 3;
    llm_model *m = ta_model(LLM_ARCH_LLAMA, 40);
    llm_session *s = NULL;
    llm_sampler *smp = NULL;
    llm_trainer_desc td;
    llm_generate_desc gd;
    llm_generate_stats st;
    T_CHECK(t, m != NULL, "model");
    /* free(NULL) does nothing */
    llm_threadpool_free(NULL); llm_tokenizer_free(NULL); llm_model_free(NULL); llm_trainer_free(NULL);
    llm_session_free(NULL); llm_sampler_free(NULL); llm_generator_free(NULL); llm_free(NULL, NULL);
    /* create and load calls */
    T_CHECK(t, llm_threadpool_create(2, NULL, NULL, &e) == LLM_ERR_INVALID_ARG, "threadpool out");
    T_CHECK(t, llm_read_file(NULL, NULL, &p, &n, NULL) == LLM_ERR_INVALID_ARG, "read_file path");
    T_CHECK(t, llm_read_file("llm.h", NULL, NULL, &n, NULL) == LLM_ERR_INVALID_ARG, "read_file data");
    T_CHECK(t, llm_tokenizer_load(NULL, NULL, (llm_tokenizer **)&p, &e) == LLM_ERR_INVALID_ARG && !p, "tokenizer_load");
    T_CHECK(t, llm_tokenizer_load_mem(NULL, 5, NULL, (llm_tokenizer **)&p, NULL) == LLM_ERR_INVALID_ARG, "tokenizer_load_mem");
    T_CHECK(t, llm_tokenizer_train(NULL, (llm_tokenizer **)&p, NULL) == LLM_ERR_INVALID_ARG, "tokenizer_train");
    T_CHECK(t, llm_model_create(NULL, (llm_model **)&p, NULL) == LLM_ERR_INVALID_ARG, "model_create");
    T_CHECK(t, llm_model_load(NULL, NULL, (llm_model **)&p, NULL) == LLM_ERR_INVALID_ARG, "model_load");
    T_CHECK(t, llm_model_load_mem(NULL, 9, NULL, (llm_model **)&p, NULL) == LLM_ERR_INVALID_ARG, "model_load_mem");
    T_CHECK(t, llm_config_resolve(NULL, NULL) == LLM_ERR_INVALID_ARG, "config_resolve");
    memset(&td, 0, sizeof td); td.batch = 1; td.seq_len = 4;
    T_CHECK(t, llm_trainer_create(NULL, &td, (llm_trainer **)&p, NULL) == LLM_ERR_INVALID_ARG, "trainer_create");
    T_CHECK(t, llm_trainer_create(m, NULL, (llm_trainer **)&p, NULL) == LLM_ERR_INVALID_ARG, "trainer_create desc");
    T_CHECK(t, llm_session_create(NULL, NULL, &s, NULL) == LLM_ERR_INVALID_ARG && !s, "session_create");
    T_CHECK(t, llm_session_create(m, NULL, NULL, NULL) == LLM_ERR_INVALID_ARG, "session_create out");
    T_CHECK(t, llm_sampler_create(NULL, NULL, &smp, NULL) == LLM_ERR_INVALID_ARG && !smp, "sampler_create");
    T_CHECK(t, llm_token_shard_load(NULL, NULL, (int32_t **)&p, &n, NULL) == LLM_ERR_INVALID_ARG, "shard_load");
    T_CHECK(t, llm_token_shard_load_mem(NULL, 0, NULL, NULL, &n, NULL) == LLM_ERR_INVALID_ARG, "shard_load_mem");
    /* the tokenizer's calls */
    T_CHECK(t, llm_tokenize(NULL, "a", 1, 0, ids, 4, &n) == LLM_ERR_INVALID_ARG, "tokenize");
    T_CHECK(t, llm_detokenize(NULL, ids, 1, NULL, 0, &n) == LLM_ERR_INVALID_ARG, "detokenize");
    T_CHECK(t, llm_detok_push(NULL, NULL, 1, NULL, 0, &n) == LLM_ERR_INVALID_ARG, "detok_push");
    T_CHECK(t, llm_detok_flush(NULL, NULL, NULL, 0, &n) == LLM_ERR_INVALID_ARG, "detok_flush");
    llm_detok_init(NULL);
    T_CHECK(t, llm_tokenizer_kind(NULL) == LLM_TOKENIZER_NONE && llm_tokenizer_vocab_size(NULL) == 0 &&
               llm_tokenizer_bos(NULL) == LLM_TOKEN_NONE && llm_tokenizer_eos(NULL) == LLM_TOKEN_NONE &&
               llm_tokenizer_max_piece(NULL) == 0 && llm_tokenizer_find(NULL, "a", 1) == LLM_TOKEN_NONE &&
               llm_token_piece(NULL, 0, &n) == NULL, "tokenizer accessors");
    T_CHECK(t, llm_tokenizer_save(NULL, "x", NULL) == LLM_ERR_INVALID_ARG, "tokenizer_save");
    T_CHECK(t, llm_tokenizer_save_mem(NULL, NULL, 0, &n, NULL) == LLM_ERR_INVALID_ARG, "tokenizer_save_mem");
    /* the model's */
    T_CHECK(t, llm_model_config(NULL) == NULL && llm_model_num_params(NULL) == 0 && llm_model_num_tensors(NULL) == 0 &&
               llm_model_tensor(NULL, 0) == NULL && llm_model_params(NULL) == NULL &&
               llm_model_params_const(NULL) == NULL && llm_model_tokenizer(NULL) == NULL, "model accessors");
    T_CHECK(t, llm_model_save(NULL, "x", NULL) == LLM_ERR_INVALID_ARG && llm_model_save(m, NULL, NULL) == LLM_ERR_INVALID_ARG,
            "model_save");
    T_CHECK(t, llm_model_save_mem(NULL, NULL, 0, &n, NULL) == LLM_ERR_INVALID_ARG, "model_save_mem");
    T_CHECK(t, llm_model_set_tokenizer(NULL, NULL, NULL) == LLM_ERR_INVALID_ARG, "set_tokenizer");
    T_CHECK(t, llm_model_forward(NULL, NULL, ids, 1, 4, f, NULL) == LLM_ERR_INVALID_ARG &&
               llm_model_forward(m, NULL, NULL, 1, 4, f, NULL) == LLM_ERR_INVALID_ARG &&
               llm_model_forward(m, NULL, ids, 1, 4, NULL, NULL) == LLM_ERR_INVALID_ARG, "model_forward");
    /* the trainer's */
    T_CHECK(t, llm_trainer_step(NULL, ids, ids, NULL) == LLM_ERR_INVALID_ARG &&
               llm_trainer_accumulate(NULL, ids, ids, NULL) == LLM_ERR_INVALID_ARG &&
               llm_trainer_update(NULL, NULL) == LLM_ERR_INVALID_ARG &&
               llm_trainer_eval(NULL, ids, ids, f) == LLM_ERR_INVALID_ARG, "trainer steps");
    T_CHECK(t, llm_trainer_save(NULL, "x", 0) == LLM_ERR_INVALID_ARG && llm_trainer_load(NULL, "x", NULL) == LLM_ERR_INVALID_ARG &&
               llm_trainer_save_mem(NULL, NULL, 0, &n, 0) == LLM_ERR_INVALID_ARG &&
               llm_trainer_load_mem(NULL, &n, 4, NULL) == LLM_ERR_INVALID_ARG, "trainer save/load");
    T_CHECK(t, llm_trainer_step_count(NULL) == 0 && llm_trainer_grads(NULL) == NULL && llm_trainer_logits(NULL) == NULL &&
               llm_trainer_rng(NULL) == NULL && llm_trainer_lr(NULL, 0) == 0 && llm_trainer_last_error(NULL)[0],
            "trainer accessors");
    /* the session's */
    T_CHECK(t, llm_session_eval(NULL, ids, 1, NULL) == LLM_ERR_INVALID_ARG && llm_session_rewind(NULL, 0) == LLM_ERR_INVALID_ARG &&
               llm_session_shift(NULL, 0) == LLM_ERR_INVALID_ARG, "session calls");
    T_CHECK(t, llm_session_save(NULL, NULL, "x") == LLM_ERR_INVALID_ARG && llm_session_load(NULL, NULL, "x") == LLM_ERR_INVALID_ARG &&
               llm_session_save_mem(NULL, NULL, NULL, 0, &n) == LLM_ERR_INVALID_ARG &&
               llm_session_load_mem(NULL, NULL, &n, 4) == LLM_ERR_INVALID_ARG, "session save/load");
    llm_session_reset(NULL);
    T_CHECK(t, llm_session_logits(NULL) == NULL && llm_session_pos(NULL) == 0 && llm_session_n_ctx(NULL) == 0 &&
               llm_session_tokens(NULL) == NULL && llm_session_model(NULL) == NULL && llm_session_last_error(NULL)[0],
            "session accessors");
    T_CHECK(t, llm_session_create(m, NULL, &s, NULL) == LLM_OK, "session");
    T_CHECK(t, llm_session_eval(s, NULL, 1, NULL) == LLM_ERR_INVALID_ARG && llm_session_save(s, NULL, NULL) == LLM_ERR_INVALID_ARG,
            "session NULL pointers");
    /* the sampler's */
    T_CHECK(t, llm_sampler_sample(NULL, f, &tok) == LLM_ERR_INVALID_ARG && llm_sampler_accept(NULL, 1) == LLM_ERR_INVALID_ARG &&
               llm_sampler_candidates(NULL, f, ids, f, &k) == LLM_ERR_INVALID_ARG && k == 0, "sampler calls");
    T_CHECK(t, llm_sampler_save(NULL, "x") == LLM_ERR_INVALID_ARG && llm_sampler_load(NULL, "x") == LLM_ERR_INVALID_ARG &&
               llm_sampler_save_mem(NULL, NULL, 0, &n) == LLM_ERR_INVALID_ARG &&
               llm_sampler_load_mem(NULL, &n, 4) == LLM_ERR_INVALID_ARG, "sampler save/load");
    llm_sampler_reset(NULL);
    T_CHECK(t, llm_sampler_vocab_size(NULL) == 0 && llm_sampler_last_error(NULL)[0], "sampler accessors");
    T_CHECK(t, llm_sampler_create(m, NULL, &smp, NULL) == LLM_OK && llm_sampler_vocab_size(smp) == 40, "a NULL desc: greedy, the model's vocabulary");
    T_CHECK(t, llm_sampler_sample(smp, NULL, &tok) == LLM_ERR_INVALID_ARG && llm_sampler_sample(smp, f, NULL) == LLM_ERR_INVALID_ARG,
            "sampler NULL pointers");
    /* generation */
    memset(&gd, 0, sizeof gd);
    memset(&st, 0xff, sizeof st);
    T_CHECK(t, llm_generate(NULL, smp, &gd, &st) == LLM_ERR_INVALID_ARG && st.n_generated == 0 && st.stop == LLM_STOP_NONE,
            "generate NULL session (stats zeroed)");
    T_CHECK(t, llm_generate(s, NULL, &gd, NULL) == LLM_ERR_INVALID_ARG && llm_generate(s, smp, NULL, NULL) == LLM_ERR_INVALID_ARG,
            "generate NULL sampler / desc");
    T_CHECK(t, llm_generator_create(NULL, smp, &gd, (llm_generator **)&p, NULL) == LLM_ERR_INVALID_ARG && !p, "generator_create");
    T_CHECK(t, llm_generator_step(NULL, 0.01, &k) == LLM_ERR_INVALID_ARG && k == 0, "generator_step");
    llm_generator_stats(NULL, &st);
    llm_generator_stats(NULL, NULL);
    T_CHECK(t, st.n_prompt == 0 && llm_generator_last_error(NULL)[0], "generator accessors");
    gd.n_stop_tokens = 2;   /* a count without its array */
    T_CHECK(t, llm_generate(s, smp, &gd, NULL) == LLM_ERR_INVALID_ARG, "count without array accepted");
    T_CHECK(t, llm_beam_search(NULL, ids, 1, NULL, ids, 4, &k, NULL) == LLM_ERR_INVALID_ARG, "beam NULL session");
    T_CHECK(t, llm_beam_search(s, ids, 1, NULL, ids, 4, &k, NULL) == LLM_ERR_INVALID_ARG, "beam NULL desc");
    /* the kernels and the rest */
    T_CHECK(t, llm_gemm(NULL, NULL, 2, 2, 2, NULL, 2, 1, f, 2, 1, f, 2, 0) == LLM_ERR_INVALID_ARG, "gemm NULL A");
    T_CHECK(t, llm_gemm(NULL, NULL, -1, 2, 2, f, 2, 1, f, 2, 1, f, 2, 0) == LLM_ERR_INVALID_ARG, "gemm M < 0");
    llm_threadpool_run(NULL, NULL, NULL, 3);
    llm_rng_seed(NULL, 1);
    T_CHECK(t, llm_rng_u32(NULL) == 0 && llm_rng_float(NULL) == 0 && llm_rng_normal(NULL) == 0, "rng NULL");
    llm_sampler_free(smp); llm_session_free(s); llm_model_free(m);
}

/* buf NULL, cap 0: the size, with LLM_OK, for every whole-buffer call */
static void test_api_size_queries(t_ctx *t) {
    llm_model *m = ta_model(LLM_ARCH_GPT2, 257);
    llm_tokenizer *tok;
    llm_bpe_train_desc bd;
    llm_trainer *tr;
    llm_trainer_desc td;
    llm_session *s;
    llm_sampler *smp;
    size_t n = 0, need;
    int32_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    void *buf;
    memset(&bd, 0, sizeof bd); bd.text = "hello hello world"; bd.size = 17; bd.vocab_size = 257;
    T_CHECK(t, llm_tokenizer_train(&bd, &tok, NULL) == LLM_OK, "tokenizer");
    T_CHECK(t, llm_tokenize(tok, "hello", 5, 0, NULL, 0, &n) == LLM_OK && n == 5, "tokenize size query: %lu", (unsigned long)n);
    T_CHECK(t, llm_tokenize(tok, "hello", 5, 0, ids, 2, &n) == LLM_ERR_BUFFER_TOO_SMALL && n == 5, "tokenize small buffer");
    T_CHECK(t, llm_detokenize(tok, ids, 3, NULL, 0, &n) == LLM_OK && n == 3, "detokenize size query");
    T_CHECK(t, llm_tokenizer_save_mem(tok, NULL, 0, &n, NULL) == LLM_OK && n > 0, "tokenizer save_mem query");
    buf = malloc(n);
    T_CHECK(t, llm_tokenizer_save_mem(tok, buf, n - 1, &need, NULL) == LLM_ERR_BUFFER_TOO_SMALL && need == n, "tokenizer small buffer");
    T_CHECK(t, llm_tokenizer_save_mem(tok, buf, n, &need, NULL) == LLM_OK, "tokenizer save_mem");
    free(buf);
    T_CHECK(t, llm_model_set_tokenizer(m, tok, NULL) == LLM_OK, "set tokenizer");
    T_CHECK(t, llm_model_save_mem(m, NULL, 0, &n, NULL) == LLM_OK && n > 4 * llm_model_num_params(m), "model save_mem query");
    T_CHECK(t, llm_model_save_mem(m, NULL, 5, &n, NULL) == LLM_ERR_INVALID_ARG, "NULL buffer with a capacity");
    memset(&td, 0, sizeof td); td.batch = 1; td.seq_len = 8;
    T_CHECK(t, llm_trainer_create(m, &td, &tr, NULL) == LLM_OK, "trainer");
    T_CHECK(t, llm_trainer_step(tr, ids, ids, NULL) == LLM_OK, "step");
    T_CHECK(t, llm_trainer_save_mem(tr, NULL, 0, &need, 7) == LLM_OK && need > n, "trainer save_mem query");
    buf = malloc(need);
    T_CHECK(t, llm_trainer_save_mem(tr, buf, need, &n, 7) == LLM_OK, "trainer save_mem");
    {   /* and back: load_mem restores what save_mem wrote */
        uint64_t pos = 0;
        T_CHECK(t, llm_trainer_step(tr, ids, ids, NULL) == LLM_OK, "step");
        T_CHECK(t, llm_trainer_load_mem(tr, buf, n, &pos) == LLM_OK && pos == 7 && llm_trainer_step_count(tr) == 1,
                "trainer load_mem: %s", llm_trainer_last_error(tr));
        T_CHECK(t, llm_trainer_load_mem(tr, buf, n / 2, &pos) != LLM_OK, "a truncated checkpoint accepted");
    }
    free(buf);
    T_CHECK(t, llm_session_create(m, NULL, &s, NULL) == LLM_OK && llm_sampler_create(m, NULL, &smp, NULL) == LLM_OK, "session");
    llm_session_eval(s, ids, 4, NULL);
    T_CHECK(t, llm_session_save_mem(s, smp, NULL, 0, &n) == LLM_OK && n > 0, "session save_mem query");
    T_CHECK(t, llm_sampler_save_mem(smp, NULL, 0, &n) == LLM_OK && n == 32, "sampler save_mem query");
    llm_session_free(s); llm_sampler_free(smp); llm_trainer_free(tr); llm_tokenizer_free(tok); llm_model_free(m);
}

/* A sampler made for another vocabulary must not read past the logits. */
static void test_api_vocab_mismatch(t_ctx *t) {
    llm_model *m = ta_model(LLM_ARCH_GPT2, 300);
    llm_session *s;
    llm_sampler *big, *small;
    llm_sampler_desc sd;
    llm_generate_desc gd;
    llm_generate_stats st;
    llm_error e;
    int32_t prompt = 3;
    memset(&sd, 0, sizeof sd);
    sd.vocab_size = 50257; sd.temperature = 1;
    T_CHECK(t, llm_sampler_create(m, &sd, &big, &e) == LLM_ERR_INVALID_ARG && strstr(e.message, "50257"),
            "a 50257-token sampler for a 300-token model accepted");
    T_CHECK(t, llm_sampler_create(NULL, &sd, &big, NULL) == LLM_OK, "a sampler without a model");
    sd.vocab_size = 100;
    T_CHECK(t, llm_sampler_create(NULL, &sd, &small, NULL) == LLM_OK, "small sampler");
    T_CHECK(t, llm_session_create(m, NULL, &s, NULL) == LLM_OK, "session");
    memset(&gd, 0, sizeof gd); gd.prompt_ids = &prompt; gd.n_prompt_ids = 1; gd.max_tokens = 4;
    T_CHECK(t, llm_generate(s, big, &gd, &st) == LLM_ERR_INVALID_ARG && st.n_generated == 0,
            "generate with a larger sampler vocabulary");
    T_CHECK(t, strstr(llm_session_last_error(s), "vocab") != NULL, "message: %s", llm_session_last_error(s));
    T_CHECK(t, llm_generate(s, small, &gd, &st) == LLM_ERR_INVALID_ARG, "generate with a smaller sampler vocabulary");
    llm_sampler_free(big); llm_sampler_free(small);
    sd.vocab_size = 0;   /* 0: the model's */
    T_CHECK(t, llm_sampler_create(m, &sd, &big, NULL) == LLM_OK && llm_sampler_vocab_size(big) == 300, "vocab_size 0");
    T_CHECK(t, llm_generate(s, big, &gd, &st) == LLM_OK && st.n_generated == 4 && st.stop == LLM_STOP_MAX_TOKENS,
            "generate: %s", llm_session_last_error(s));
    llm_sampler_free(big); llm_session_free(s); llm_model_free(m);
}

static void test_api_misc_defects(t_ctx *t) {
    llm_model_desc d;
    llm_model *m;
    llm_error e;
    int i, j;
    /* every stop reason has a distinct name */
    for (i = LLM_STOP_NONE; i <= LLM_STOP_ERROR; i++) {
        const char *a = llm_stop_reason_string((llm_stop_reason)i);
        T_CHECK(t, a && a[0] && strcmp(a, "unknown stop reason") != 0, "reason %d", i);
        for (j = LLM_STOP_NONE; j < i; j++) T_CHECK(t, strcmp(a, llm_stop_reason_string((llm_stop_reason)j)) != 0, "duplicate name");
    }
    /* an architecture left unset is refused, not taken as GPT-2 */
    memset(&d, 0, sizeof d);
    d.config.n_layer = 2; d.config.n_head = 4; d.config.n_kv_head = 2; d.config.dim = 32; d.config.vocab_size = 64;
    d.config.max_seq_len = 16;
    T_CHECK(t, llm_model_create(&d, &m, &e) == LLM_ERR_INVALID_ARG && strstr(e.message, "arch"), "unset arch: %s", e.message);
    /* one tokenizer given to two models: each keeps its own copy (ASan would see a double free) */
    {
        llm_bpe_train_desc bd;
        llm_tokenizer *tok;
        llm_model *a = ta_model(LLM_ARCH_LLAMA, 256), *b = ta_model(LLM_ARCH_GPT2, 256);
        memset(&bd, 0, sizeof bd); bd.vocab_size = 256;   /* the byte tokenizer */
        T_CHECK(t, llm_tokenizer_train(&bd, &tok, NULL) == LLM_OK && llm_tokenizer_vocab_size(tok) == 256 &&
                   llm_tokenizer_eos(tok) == LLM_TOKEN_NONE, "byte tokenizer");
        T_CHECK(t, llm_model_set_tokenizer(a, tok, NULL) == LLM_OK && llm_model_set_tokenizer(b, tok, NULL) == LLM_OK, "set");
        T_CHECK(t, llm_model_tokenizer(a) != tok && llm_model_tokenizer(a) != llm_model_tokenizer(b), "copies");
        llm_tokenizer_free(tok);
        {
            int32_t ids[8];
            size_t n;
            T_CHECK(t, llm_tokenize(llm_model_tokenizer(a), "caf\xc3\xa9", 5, 0, ids, 8, &n) == LLM_OK && n == 5 &&
                       ids[3] == 0xc3, "bytes are the tokens");
        }
        T_CHECK(t, llm_model_set_tokenizer(a, NULL, NULL) == LLM_OK && llm_model_tokenizer(a) == NULL, "detach");
        llm_model_free(a); llm_model_free(b);
    }
}

/* The clock measures wall time, not CPU time: a thread that sleeps 1-2 s (on a condition
   variable with a deadline) must see llm_time_seconds advance. The suite builds this with
   -std=c99, where glibc hides clock_gettime (0.1 measured a 200 ms sleep as 0.1 ms). */
static void test_api_clock_wall_time(t_ctx *t) {
#if defined(_WIN32)
    double t0 = llm_time_seconds(), dt;
    Sleep(1500);
    dt = llm_time_seconds() - t0;
    T_NOTE(t, "slept %.3f s by llm_time_seconds", dt);
    T_CHECK(t, dt > 1.4 && dt < 3.0, "the clock measured %.3f s for a 1.5 s sleep", dt);
#elif !defined(LLM_NO_THREADS)
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    struct timespec ts;
    double t0, dt;
    clock_t c0 = clock();
    double cpu;
    ts.tv_sec = time(NULL) + 2;
    ts.tv_nsec = 0;
    t0 = llm_time_seconds();
    pthread_mutex_lock(&mu);
    while (pthread_cond_timedwait(&cv, &mu, &ts) == 0) {}
    pthread_mutex_unlock(&mu);
    dt = llm_time_seconds() - t0;
    cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    T_NOTE(t, "slept %.3f s by llm_time_seconds (%.3f s of CPU)", dt, cpu);
    T_CHECK(t, dt > 0.9 && dt < 3.0 && cpu < 0.5, "the clock measured %.3f s for a 1-2 s sleep", dt);
#else
    T_SKIP(t, "no threads");
#endif
}

/* llm_generator_step keeps its budget: a 15M-shaped Llama (llama2.c's stories15M: dim 288,
   6 layers, 6 heads, hidden 768, vocab 32000) prefills a 64-token prompt and generates, one
   step per "frame". The worst frame must stay within twice the budget. The budget is 4 ms,
   or 1.5 decode steps where one decode step takes longer (sanitizer builds). */
static void test_generator_frame_budget(t_ctx *t) {
    llm_model_desc d;
    llm_model *m;
    llm_session *s;
    llm_sampler *smp;
    llm_generator *g;
    llm_generate_desc gd;
    llm_generate_stats st;
    int32_t prompt[64], tok;
    double budget = 0.004, worst = 0, sum = 0, t0, decode;
    int i, frames = 0, done = 0, attempt;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_LLAMA; d.config.dim = 288; d.config.n_layer = 6; d.config.n_head = 6; d.config.ffn_dim = 768;
    d.config.vocab_size = 32000; d.config.max_seq_len = 256; d.seed = 1;
    T_CHECK(t, llm_model_create(&d, &m, NULL) == LLM_OK, "model");
    for (i = 0; i < 64; i++) prompt[i] = (int32_t)(1 + (i * 97) % 31999);
    T_CHECK(t, llm_session_create(m, NULL, &s, NULL) == LLM_OK && llm_sampler_create(m, NULL, &smp, NULL) == LLM_OK, "session");
    /* one decode step's cost (the fastest of 6, after a warm-up) */
    llm_session_eval(s, prompt, 1, NULL);
    tok = 5;
    decode = 1e30;
    for (i = 0; i < 8; i++) {
        t0 = llm_time_seconds();
        llm_session_eval(s, &tok, 1, NULL);
        if (i >= 2 && llm_time_seconds() - t0 < decode) decode = llm_time_seconds() - t0;
    }
    if (1.5 * decode > budget) budget = 1.5 * decode;
    memset(&gd, 0, sizeof gd);
    gd.prompt_ids = prompt; gd.n_prompt_ids = 64; gd.max_tokens = 24;
    for (attempt = 0; attempt < 3; attempt++) {   /* a busy machine may stall one frame: retry */
        llm_session_reset(s);
        llm_sampler_reset(smp);
        T_CHECK(t, llm_generator_create(s, smp, &gd, &g, NULL) == LLM_OK, "generator");
        worst = 0; sum = 0; frames = 0; done = 0;
        while (!done && frames < 1000) {
            double f0 = llm_time_seconds(), ms;
            T_CHECK(t, llm_generator_step(g, budget, &done) == LLM_OK, "step: %s", llm_generator_last_error(g));
            ms = llm_time_seconds() - f0;
            sum += ms;
            if (ms > worst) worst = ms;
            frames++;
        }
        llm_generator_stats(g, &st);
        llm_generator_free(g);
        if (worst <= 2 * budget) break;
    }
    T_NOTE(t, "budget %.1f ms: %d frames, mean %.2f ms, worst %.2f ms (decode step %.2f ms, %d tries)", budget * 1e3, frames,
           sum / frames * 1e3, worst * 1e3, decode * 1e3, attempt + (attempt < 3));
    T_CHECK(t, st.n_prompt == 64 && st.n_generated == 24, "prompt %d, generated %d", st.n_prompt, st.n_generated);
    T_CHECK(t, worst <= 2 * budget, "worst frame %.2f ms for a %.1f ms budget", worst * 1e3, budget * 1e3);
    llm_sampler_free(smp); llm_session_free(s); llm_model_free(m);
}

/* UTF-8 paths: a model saved under a name with non-ASCII characters loads back (Windows
   converts the path to UTF-16 for _wfopen / MoveFileExW; elsewhere the bytes go through). */
static void test_api_utf8_paths(t_ctx *t) {
    const char *path = "tests/tmp_mod\xc3\xa8le_\xe6\xa8\xa1\xe5\x9e\x8b.gguf";   /* "modèle_模型" */
    llm_model *m = t_small_model(LLM_ARCH_LLAMA, 3), *m2 = NULL;
    llm_error e;
    T_CHECK(t, m && llm_model_save(m, path, &e) == LLM_OK, "save: %s", e.message);
    T_CHECK(t, llm_model_load(path, NULL, &m2, &e) == LLM_OK, "load: %s", e.message);
    T_CHECK(t, memcmp(llm_model_params(m), llm_model_params(m2), llm_model_num_params(m) * sizeof(float)) == 0,
            "weights differ");
    T_CHECK(t, llm_model_save(m, path, &e) == LLM_OK, "saving over an existing file: %s", e.message);
    llm_model_free(m); llm_model_free(m2);
    llm__remove(path);
}
/* A pool with more threads than the machine runs: the same results, work split no finer than
   the machine's threads (whatever the pool size, one step gives the same bits). */
static void test_api_oversubscribed_pool(t_ctx *t) {
    llm_threadpool *p2 = NULL, *p64 = NULL;
    llm_model *a = t_small_model(LLM_ARCH_GPT2, 4), *b = t_small_model(LLM_ARCH_GPT2, 4);
    llm_trainer *ta = NULL, *tb = NULL;
    llm_trainer_desc td;
    llm_step_result ra, rb;
    int32_t in[2 * 16], tg[2 * 16];
    int i;
    T_CHECK(t, llm_threadpool_create(2, NULL, &p2, NULL) == LLM_OK && llm_threadpool_create(64, NULL, &p64, NULL) == LLM_OK,
            "pools");
#ifdef LLM_NO_THREADS
    T_CHECK(t, llm_threadpool_size(p64) == 1, "size %d without threads", llm_threadpool_size(p64));
#else
    T_CHECK(t, llm_threadpool_size(p64) == 64, "size %d", llm_threadpool_size(p64));
#endif
    for (i = 0; i < 32; i++) { in[i] = (i * 7) % 50; tg[i] = (i * 3 + 1) % 50; }
    memset(&td, 0, sizeof td);
    td.batch = 2; td.seq_len = 16; td.pool = p2;
    T_CHECK(t, llm_trainer_create(a, &td, &ta, NULL) == LLM_OK, "trainer");
    td.pool = p64;
    T_CHECK(t, llm_trainer_create(b, &td, &tb, NULL) == LLM_OK, "trainer");
    for (i = 0; i < 3; i++) {
        T_CHECK(t, llm_trainer_step(ta, in, tg, &ra) == LLM_OK && llm_trainer_step(tb, in, tg, &rb) == LLM_OK, "step");
        T_CHECK(t, ra.loss == rb.loss && ra.grad_norm == rb.grad_norm, "step %d: %.9g vs %.9g", i, (double)ra.loss,
                (double)rb.loss);
    }
    T_NOTE(t, "64 threads on this machine: work in %d parts; kernels: %s", llm__pool_width(p64),
           llm_threadpool_kernels(p64));
    llm_trainer_free(ta); llm_trainer_free(tb); llm_model_free(a); llm_model_free(b);
    llm_threadpool_free(p2); llm_threadpool_free(p64);
}

static const t_case api_tests[] = {
    {"api_utf8_paths", test_api_utf8_paths},
    {"api_oversubscribed_pool", test_api_oversubscribed_pool},
    {"api_null_arguments", test_api_null_arguments},
    {"api_size_queries", test_api_size_queries},
    {"api_sampler_vocab_mismatch", test_api_vocab_mismatch},
    {"api_misc_defects", test_api_misc_defects},
    {"api_clock_wall_time", test_api_clock_wall_time},
    {"generator_frame_budget", test_generator_frame_budget},
};
