/* tests/test_generate.c - the generation helper (streamed UTF-8 text, stop strings split
   across tokens, stop tokens, EOS, max tokens, callback cancellation, bounded per-frame steps)
   and beam search, on hand-built "bigram" models whose next-token probabilities are known.

   The bigram model: a 1-layer Llama whose attention output and MLP output weights are zero,
   so the residual stream is just the token embedding. Embeddings are scaled one-hot vectors
   (dim >= vocab), RMSNorm turns e_i*s into e_i*sqrt(C), and the untied head holds
   log P(j | i) / sqrt(C): the logits after token i are log P(. | i). */
static llm_model *t_bigram(int V, const float *logp /* V x V, row = current token */) {
    llm_model_desc d;
    llm_model *m;
    float *P;
    int i, j, t, C = V % 2 ? V + 1 : V;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_LLAMA; d.config.n_layer = 1; d.config.n_head = 2; d.config.dim = C + (C / 2) % 2 * 2;
    d.config.ffn_dim = 8; d.config.vocab_size = V; d.config.max_seq_len = 64; d.config.untied_head = 1;
    if (llm_model_create(&d, &m, NULL) != LLM_OK) return NULL;
    C = d.config.dim;
    P = llm_model_params(m);
    for (t = 0; t < llm_model_num_tensors(m); t++) {
        const llm_tensor_info *ti = llm_model_tensor(m, t);
        float *w = P + ti->offset;
        memset(w, 0, ti->size * sizeof(float));
        if (strstr(ti->name, "norm.weight")) for (i = 0; i < (int)ti->size; i++) w[i] = 1.0f;
        if (!strcmp(ti->name, "token_embd.weight")) for (i = 0; i < V; i++) w[(size_t)i * C + i] = 10.0f;
        if (!strcmp(ti->name, "output.weight"))
            for (j = 0; j < V; j++) for (i = 0; i < V; i++) w[(size_t)j * C + i] = logp[(size_t)i * V + j] / sqrtf((float)C);
    }
    return m;
}

/* greedy and beam differ: S->A .6, S->B .4; A->C .35, A->D .35, A->E .3; B->F .9, B->EOS .1;
   C, D, E, F -> EOS. Greedy: A C EOS (p .21); beam 2: B F EOS (p .36). */
static void test_beam_search_known_answer(t_ctx *t) {
    enum { S, A, B, Cc, D, E, F, EOS, V };
    float lp[V * V];
    llm_model *m;
    llm_session *s;
    llm_beam_desc bd;
    int32_t prompt = S, out[8], g1, g2, eos = EOS;
    int n = 0, i;
    float score;
    for (i = 0; i < V * V; i++) lp[i] = -30.0f;
#define LP(a, b, p) lp[(a) * V + (b)] = logf(p)
    LP(S, A, .6f); LP(S, B, .4f); LP(A, Cc, .35f); LP(A, D, .35f); LP(A, E, .3f); LP(B, F, .9f); LP(B, EOS, .1f);
    LP(Cc, EOS, 1); LP(D, EOS, 1); LP(E, EOS, 1); LP(F, EOS, 1); LP(EOS, EOS, 1);
#undef LP
    m = t_bigram(V, lp);
    T_CHECK(t, m != NULL, "model");
    llm_session_create(m, NULL, &s, NULL);
    llm_session_eval(s, &prompt, 1, NULL);
    g1 = t_argmax(llm_session_logits(s), V);
    llm_session_eval(s, &g1, 1, NULL);
    g2 = t_argmax(llm_session_logits(s), V);
    T_CHECK(t, g1 == A && g2 == Cc, "greedy path is %d %d, expected A C", g1, g2);
    llm_session_reset(s);
    memset(&bd, 0, sizeof bd);
    bd.beam_size = 2; bd.max_tokens = 5; bd.stop_tokens = &eos; bd.n_stop_tokens = 1;
    T_CHECK(t, llm_beam_search(s, &prompt, 1, &bd, out, 8, &n, &score) == LLM_OK, "beam: %s", llm_session_last_error(s));
    T_CHECK(t, n == 3 && out[0] == B && out[1] == F && out[2] == EOS, "beam answer %d tokens: %d %d %d", n, out[0], out[1], n > 2 ? out[2] : -1);
    T_CHECK(t, fabsf(score - logf(.36f) / powf(8.0f / 6.0f, 0.6f)) < 1e-4f, "score %f", score);
    T_CHECK(t, llm_session_pos(s) == 1, "the session keeps only the prompt");
    bd.beam_size = 1;   /* beam 1 is greedy */
    llm_session_reset(s);
    T_CHECK(t, llm_beam_search(s, &prompt, 1, &bd, out, 8, &n, &score) == LLM_OK, "beam 1");
    T_CHECK(t, n == 3 && out[0] == A && out[1] == Cc, "beam 1 != greedy");
    llm_session_free(s); llm_model_free(m);
    T_NOTE(t, "greedy A C EOS (p .21), beam-2 B F EOS (p .36)");
}

/* beam search on a real (random) model: the shared-prefix cache gives the same scores as
   recomputing each answer from scratch */
static void test_beam_search_scores_consistent(t_ctx *t) {
    llm_model *m = t_inf_model(LLM_ARCH_GPT2, 0);
    llm_session *s;
    llm_beam_desc bd;
    int32_t prompt[5] = {3, 1, 4, 1, 5}, out[16], seq[32];
    float score, *lg;
    double lp = 0;
    int n, i, j;
    llm_session_create(m, NULL, &s, NULL);
    memset(&bd, 0, sizeof bd);
    bd.beam_size = 4; bd.max_tokens = 6; bd.ignore_eos = 1; bd.length_penalty = -1;
    T_CHECK(t, llm_beam_search(s, prompt, 5, &bd, out, 16, &n, &score) == LLM_OK, "beam");
    T_CHECK(t, n == 6, "length %d", n);
    memcpy(seq, prompt, sizeof prompt); memcpy(seq + 5, out, (size_t)n * 4);
    lg = (float *)malloc((size_t)(5 + n) * 61 * 4);
    llm_model_forward(m, NULL, seq, 1, 5 + n, lg, NULL);
    for (i = 0; i < n; i++) {
        const float *row = lg + (size_t)(4 + i) * 61;
        double mx = -1e30, sum = 0;
        for (j = 0; j < 61; j++) mx = row[j] > mx ? row[j] : mx;
        for (j = 0; j < 61; j++) sum += exp(row[j] - mx);
        lp += row[out[i]] - mx - log(sum);
    }
    free(lg);
    llm_session_free(s); llm_model_free(m);
    T_NOTE(t, "beam score %.6f, recomputed %.6f", score, lp);
    T_CHECK(t, fabs(score - lp) < 1e-4, "failed");
}

/* text streaming: a byte-level tokenizer (bytes = ids) and a chain that spells a message */
typedef struct t_stream { char text[256]; size_t len; int pieces, bad_utf8, stop_after; } t_stream;
static int t_utf8_ok(const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        int k = p[i] < 0x80 ? 1 : (p[i] >> 5) == 6 ? 2 : (p[i] >> 4) == 14 ? 3 : (p[i] >> 3) == 30 ? 4 : 0, j;
        if (!k || i + (size_t)k > n) return 0;
        for (j = 1; j < k; j++) if ((p[i + j] & 0xC0) != 0x80) return 0;
        i += (size_t)k;
    }
    return 1;
}
static int t_on_text(const char *text, size_t len, int32_t tok, void *u) {
    t_stream *s = (t_stream *)u;
    (void)tok;
    if (!t_utf8_ok((const unsigned char *)text, len)) s->bad_utf8++;
    if (s->len + len < sizeof s->text) { memcpy(s->text + s->len, text, len); s->len += len; s->text[s->len] = 0; }
    s->pieces++;
    return s->stop_after && s->pieces >= s->stop_after;
}
static void test_generate_stream_and_stops(t_ctx *t) {
    const char *msg = "Hi \xc3\xa9!<END>xyz";   /* every byte distinct: a bigram chain */
    const int V = 257;
    float *lp = (float *)malloc((size_t)V * V * sizeof(float));
    llm_model *m;
    llm_tokenizer *tok;
    llm_bpe_train_desc bd;
    llm_sampler *smp;
    llm_sampler_desc sd;
    llm_session *s;
    llm_generate_desc gd;
    llm_generate_stats st;
    t_stream out;
    int i, n = (int)strlen(msg);
    int32_t start = (unsigned char)msg[0];
    const char *stops[1];
    for (i = 0; i < V * V; i++) lp[i] = -30.0f;
    for (i = 0; i + 1 < n; i++) lp[(size_t)(unsigned char)msg[i] * V + (unsigned char)msg[i + 1]] = 0.0f;
    lp[(size_t)(unsigned char)msg[n - 1] * V + 256] = 0.0f;   /* then <|endoftext|> */
    m = t_bigram(V, lp);
    free(lp);
    memset(&bd, 0, sizeof bd); bd.text = msg; bd.size = (size_t)n; bd.vocab_size = 257;
    T_CHECK(t, llm_tokenizer_train(&bd, &tok, NULL) == LLM_OK, "tokenizer");
    T_CHECK(t, llm_tokenizer_eos(tok) == 256, "eos id %d", llm_tokenizer_eos(tok));
    T_CHECK(t, llm_model_set_tokenizer(m, tok, NULL) == LLM_OK, "set tokenizer");
    llm_tokenizer_free(tok);
    memset(&sd, 0, sizeof sd);
    llm_sampler_create(m, &sd, &smp, NULL);
    llm_session_create(m, NULL, &s, NULL);
    /* 1: no stops: the whole message, UTF-8 complete pieces, ends at EOS */
    memset(&gd, 0, sizeof gd); memset(&out, 0, sizeof out);
    gd.prompt_ids = &start; gd.n_prompt_ids = 1; gd.on_text = t_on_text; gd.user_data = &out;
    T_CHECK(t, llm_generate(s, smp, &gd, &st) == LLM_OK, "generate: %s", llm_session_last_error(s));
    T_CHECK(t, strcmp(out.text, msg + 1) == 0 && st.stop == LLM_STOP_EOS && !out.bad_utf8, "got '%s' stop %d bad %d", out.text, st.stop, out.bad_utf8);
    /* 2: a stop string spread over five tokens: never emitted, nor its first bytes */
    llm_session_reset(s); memset(&out, 0, sizeof out);
    stops[0] = "<END>"; gd.stop_strings = stops; gd.n_stop_strings = 1;
    llm_generate(s, smp, &gd, &st);
    T_CHECK(t, strcmp(out.text, "i \xc3\xa9!") == 0 && st.stop == LLM_STOP_STRING, "stop string: got '%s' stop %d", out.text, st.stop);
    /* 3: a stop string that is only a prefix match first ("<EN" then "D>") */
    llm_session_reset(s); memset(&out, 0, sizeof out);
    stops[0] = "<ENDx";
    llm_generate(s, smp, &gd, &st);
    T_CHECK(t, strcmp(out.text, msg + 1) == 0 && st.stop == LLM_STOP_EOS, "false prefix: got '%s'", out.text);
    /* 4: stop token, max tokens, callback cancellation */
    llm_session_reset(s); memset(&out, 0, sizeof out);
    { int32_t stop_tok = '!'; gd.n_stop_strings = 0; gd.stop_tokens = &stop_tok; gd.n_stop_tokens = 1;
      llm_generate(s, smp, &gd, &st); gd.n_stop_tokens = 0; }
    T_CHECK(t, strcmp(out.text, "i \xc3\xa9") == 0 && st.stop == LLM_STOP_TOKEN, "stop token: '%s'", out.text);
    llm_session_reset(s); memset(&out, 0, sizeof out);
    gd.max_tokens = 3;
    llm_generate(s, smp, &gd, &st);
    /* the third token is the first byte of "\xc3\xa9": cut there, it becomes U+FFFD */
    T_CHECK(t, strcmp(out.text, "i \xef\xbf\xbd") == 0 && st.stop == LLM_STOP_MAX_TOKENS && st.n_generated == 3 && !out.bad_utf8,
            "max tokens: '%s' (%d)", out.text, st.n_generated);
    llm_session_reset(s); memset(&out, 0, sizeof out);
    gd.max_tokens = 0; out.stop_after = 2;
    llm_generate(s, smp, &gd, &st);
    T_CHECK(t, st.stop == LLM_STOP_CALLBACK && out.pieces == 2, "callback stop: %d pieces, stop %d", out.pieces, st.stop);
    /* 5: the per-frame helper: a zero budget does one unit of work per call (the prefill
       chunk, the logits after it, then one decode step per call) */
    {
        llm_generator *g;
        int done = 0, calls = 0;
        llm_session_reset(s); memset(&out, 0, sizeof out); out.stop_after = 0;
        T_CHECK(t, llm_generator_create(s, smp, &gd, &g, NULL) == LLM_OK, "generator");
        while (!done && calls < 100) { llm_generator_step(g, 0.0, &done); calls++; }
        llm_generator_stats(g, &st);
        llm_generator_free(g);
        T_CHECK(t, strcmp(out.text, msg + 1) == 0 && calls == 1 + 1 + (n - 1) + 1, "stepwise: '%s' in %d calls", out.text, calls);
    }
    /* 6: a text prompt goes through the tokenizer */
    llm_session_reset(s); memset(&out, 0, sizeof out);
    memset(&gd, 0, sizeof gd); gd.prompt = "Hi \xc3\xa9"; gd.on_text = t_on_text; gd.user_data = &out;
    llm_generate(s, smp, &gd, &st);
    T_CHECK(t, strcmp(out.text, "!<END>xyz") == 0 && st.n_prompt == 5, "text prompt: '%s' (%d prompt tokens)", out.text, st.n_prompt);
    llm_session_free(s); llm_sampler_free(smp); llm_model_free(m);
}

/* context_shift also makes room for a prompt that does not fit; without it the prompt is refused */
static void test_generate_prompt_shift(t_ctx *t) {
    llm_model_desc d;
    llm_model *m = NULL;
    llm_session *s = NULL;
    llm_sampler *smp = NULL;
    llm_session_desc sd;
    llm_generate_desc gd;
    llm_generate_stats st;
    int32_t ids[40];
    int i;
    memset(&d, 0, sizeof d);
    d.config.arch = LLM_ARCH_LLAMA; d.config.n_layer = 1; d.config.n_head = 2; d.config.dim = 16;
    d.config.vocab_size = 11; d.config.max_seq_len = 32; d.seed = 2;
    T_CHECK(t, llm_model_create(&d, &m, NULL) == LLM_OK, "model");
    memset(&sd, 0, sizeof sd); sd.n_ctx = 32;
    T_CHECK(t, llm_session_create(m, &sd, &s, NULL) == LLM_OK && llm_sampler_create(m, NULL, &smp, NULL) == LLM_OK, "session");
    for (i = 0; i < 40; i++) ids[i] = i % 11;
    T_CHECK(t, llm_session_eval(s, ids, 28, NULL) == LLM_OK, "eval");
    memset(&gd, 0, sizeof gd); gd.prompt_ids = ids; gd.n_prompt_ids = 10; gd.max_tokens = 2; gd.ignore_eos = 1;
    T_CHECK(t, llm_generate(s, smp, &gd, &st) == LLM_ERR_CONTEXT_FULL && llm_session_pos(s) == 28, "refused without shift");
    gd.context_shift = 1; gd.n_keep = 4;
    T_CHECK(t, llm_generate(s, smp, &gd, &st) == LLM_OK && st.n_shifts >= 1 && st.n_generated == 2,
            "with context_shift: %s (%d shifts)", llm_session_last_error(s), st.n_shifts);
    i = st.n_shifts;
    T_CHECK(t, memcmp(llm_session_tokens(s), ids, 4 * sizeof(int32_t)) == 0, "n_keep tokens kept");
    gd.n_prompt_ids = 29;   /* more than fits after n_keep: refused */
    T_CHECK(t, llm_generate(s, smp, &gd, &st) == LLM_ERR_CONTEXT_FULL, "a prompt longer than the room after n_keep");
    T_NOTE(t, "a 10-token prompt at position 28 of 32: %d shift(s), then generated", i);
    llm_sampler_free(smp); llm_session_free(s); llm_model_free(m);
}

static const t_case generate_tests[] = {
    {"generate_prompt_context_shift", test_generate_prompt_shift},
    {"beam_search_known_answer", test_beam_search_known_answer},
    {"beam_search_scores_consistent", test_beam_search_scores_consistent},
    {"generate_stream_stops_cancel", test_generate_stream_and_stops},
};
