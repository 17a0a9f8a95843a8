/* tests/test_adapt.c - adapting a model: instruction-tuning data (JSONL, templates, masked
   targets) and its loss; LoRA adapters (PyTorch fixtures of tests/ref/gen_lora_fixtures.py,
   gradient checks, sessions = merged models, GGUF round trips, refusals). */

static const char ta_text[] =
    "### System:\n### User:\n### Assistant:\nYou are terse. What is the capital of France? Paris. "
    "Name a colour. Blue. What is two plus two? Four. Say hello. Hello there! {}[]\":,\n\n";

static llm_tokenizer *ta_tokenizer(void) {
    llm_bpe_train_desc d;
    llm_tokenizer *t = NULL;
    memset(&d, 0, sizeof d);
    d.text = ta_text;
    d.size = sizeof ta_text - 1;
    d.vocab_size = 300;
    llm_tokenizer_train(&d, &t, NULL);
    return t;
}
/* the expected ids and learn flags of a piece, appended */
static void ta_piece(const llm_tokenizer *t, const char *s, int learn, int32_t *ids, unsigned char *lf, size_t *n) {
    size_t k = 0, i;
    llm_tokenize(t, s, strlen(s), 0, ids + *n, 4096 - *n, &k);
    for (i = 0; i < k; i++) lf[*n + i] = (unsigned char)learn;
    *n += k;
}

/* two examples (a prompt/response pair; a chat with a system turn and two exchanges) and a
   blank line: the tokens are the template's pieces and the contents, each encoded on its own;
   learned are exactly the assistant contents and the EOS after each */
static void test_sft_jsonl_masking(t_ctx *t) {
    static const char jsonl[] =
        "{\"prompt\": \"What is two plus two?\", \"response\": \"Four.\"}\n"
        "\n"
        "{\"messages\": [{\"role\": \"system\", \"content\": \"You are terse.\"}, {\"role\": \"user\", \"content\": "
        "\"Name a colour.\"}, {\"role\": \"assistant\", \"content\": \"Blue.\"}, {\"role\": \"user\", \"content\": "
        "\"Say hello.\"}, {\"role\": \"assistant\", \"content\": \"Hello there!\\u0021\"}]}\r\n";
    llm_tokenizer *tok = ta_tokenizer();
    llm_sft_data *d = NULL;
    llm_error e;
    int32_t ids[4096], eos, in[3 * 64], tg[3 * 64];
    unsigned char lf[4096];
    size_t n = 0, i, learned;
    int ok = 1, b;
    T_CHECK(t, tok != NULL, "tokenizer");
    eos = llm_tokenizer_eos(tok);
    T_CHECK(t, llm_sft_load_mem(tok, jsonl, sizeof jsonl - 1, NULL, NULL, &d, &e) == LLM_OK, "%s", e.message);
    ta_piece(tok, "### User:\n", 0, ids, lf, &n);
    ta_piece(tok, "What is two plus two?", 0, ids, lf, &n);
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    ta_piece(tok, "### Assistant:\n", 0, ids, lf, &n);
    ta_piece(tok, "Four.", 1, ids, lf, &n);
    ids[n] = eos;
    lf[n++] = 1;
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    T_CHECK(t, d->n_examples == 2 && d->start[1] == n, "%d examples, first ends at %d (want %d)", (int)d->n_examples,
            (int)d->start[1], (int)n);
    ta_piece(tok, "### System:\n", 0, ids, lf, &n);
    ta_piece(tok, "You are terse.", 0, ids, lf, &n);
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    ta_piece(tok, "### User:\n", 0, ids, lf, &n);
    ta_piece(tok, "Name a colour.", 0, ids, lf, &n);
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    ta_piece(tok, "### Assistant:\n", 0, ids, lf, &n);
    ta_piece(tok, "Blue.", 1, ids, lf, &n);
    ids[n] = eos;
    lf[n++] = 1;
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    ta_piece(tok, "### User:\n", 0, ids, lf, &n);
    ta_piece(tok, "Say hello.", 0, ids, lf, &n);
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    ta_piece(tok, "### Assistant:\n", 0, ids, lf, &n);
    ta_piece(tok, "Hello there!!", 1, ids, lf, &n);
    ids[n] = eos;
    lf[n++] = 1;
    ta_piece(tok, "\n\n", 0, ids, lf, &n);
    T_CHECK(t, d->n_tokens == n, "%d tokens, want %d", (int)d->n_tokens, (int)n);
    for (i = 0; i < n; i++) ok &= d->tokens[i] == ids[i] && d->learn[i] == lf[i];
    T_CHECK(t, ok, "tokens or learn flags differ");
    /* batches: row b = example (first + b) % 2, padded with EOS; targets only where learned */
    learned = llm_sft_batch(d, 1, 3, 64, in, tg);
    for (b = 0, ok = 1; b < 3; b++) {
        const size_t s0 = d->start[(1 + b) % 2], len = d->start[(1 + b) % 2 + 1] - s0;
        for (i = 0; i < 64; i++) {
            const int32_t want_in = i < len ? d->tokens[s0 + i] : eos;
            const int32_t want_tg = i + 1 < len && d->learn[s0 + i + 1] ? d->tokens[s0 + i + 1] : LLM_TARGET_IGNORE;
            ok &= in[b * 64 + i] == want_in && tg[b * 64 + i] == want_tg;
        }
    }
    T_CHECK(t, ok, "batch rows differ from the examples");
    { /* the learned targets: each row's learned tokens after its first, within T + 1 */
        size_t want = 0;
        for (b = 0; b < 3; b++) {
            const size_t s0 = d->start[(1 + b) % 2], len = d->start[(1 + b) % 2 + 1] - s0;
            for (i = 1; i < len && i <= 64; i++) want += d->learn[s0 + i];
        }
        T_CHECK(t, learned == want, "%d learned targets, want %d", (int)learned, (int)want);
    }
    { /* a short row: the example cut after T + 1 tokens */
        int32_t in2[8], tg2[8];
        llm_sft_batch(d, 0, 1, 8, in2, tg2);
        for (i = 0, ok = 1; i < 8; i++)
            ok &= in2[i] == d->tokens[i] && tg2[i] == (d->learn[i + 1] ? d->tokens[i + 1] : -1);
        T_CHECK(t, ok, "cut row");
    }
    { /* llm_chat_prompt writes what the data's user turns look like, ending in the assistant prefix */
        char buf[128];
        size_t need = llm_chat_prompt(NULL, NULL, "Say hello.", buf, sizeof buf);
        T_CHECK(t, need == strlen(buf) && strcmp(buf, "### User:\nSay hello.\n\n### Assistant:\n") == 0, "prompt '%s'",
                buf);
        T_CHECK(t,
                llm_chat_prompt(NULL, "S", "U", buf, 5) ==
                        strlen("### System:\nS\n\n### User:\nU\n\n### Assistant:\n") &&
                    strlen(buf) == 4,
                "truncated prompt");
    }
    T_NOTE(t, "2 examples, %d tokens, %d learned", (int)d->n_tokens, (int)d->n_learn);
    llm_sft_free(d);
    llm_tokenizer_free(tok);
}

/* the trainer's loss on an SFT batch = the mean cross-entropy of the response tokens, computed
   here by hand (double) from the logits of the same batch with every target counted */
static void test_sft_loss_by_hand(t_ctx *t) {
    static const char jsonl[] = "{\"prompt\": \"Name a colour.\", \"response\": \"Blue.\"}\n"
                                "{\"prompt\": \"What is the capital of France?\", \"response\": \"Paris.\"}\n";
    llm_tokenizer *tok = ta_tokenizer();
    llm_sft_data *d = NULL;
    llm_model_desc md;
    llm_model *m = NULL;
    llm_trainer_desc td;
    llm_trainer *tr = NULL;
    int32_t in[2 * 32], tg[2 * 32], all[2 * 32];
    float lm, lall, *logits;
    double want = 0;
    int i, j, n = 0;
    const int V = 300, N = 64;
    T_CHECK(t, tok && llm_sft_load_mem(tok, jsonl, sizeof jsonl - 1, NULL, NULL, &d, NULL) == LLM_OK, "load");
    memset(&md, 0, sizeof md);
    md.config.arch = LLM_ARCH_LLAMA;
    md.config.n_layer = 2;
    md.config.n_head = 2;
    md.config.dim = 32;
    md.config.vocab_size = V;
    md.config.max_seq_len = 32;
    md.seed = 9;
    T_CHECK(t, llm_model_create(&md, &m, NULL) == LLM_OK, "model");
    memset(&td, 0, sizeof td);
    td.batch = 2;
    td.seq_len = 32;
    T_CHECK(t, llm_trainer_create(m, &td, &tr, NULL) == LLM_OK, "trainer");
    llm_sft_batch(d, 0, 2, 32, in, tg);
    for (i = 0; i < N; i++) all[i] = i % 32 < 31 ? in[i + 1] : 0;
    T_CHECK(t, llm_trainer_eval(tr, in, all, &lall) == LLM_OK, "eval");
    logits = (float *)malloc((size_t)N * V * sizeof(float));
    memcpy(logits, llm_trainer_logits(tr), (size_t)N * V * sizeof(float));
    for (i = 0; i < N; i++) {
        double mx = -1e30, s = 0;
        if (tg[i] == LLM_TARGET_IGNORE) continue;
        for (j = 0; j < V; j++) mx = logits[i * V + j] > mx ? logits[i * V + j] : mx;
        for (j = 0; j < V; j++) s += exp(logits[i * V + j] - mx);
        want += mx + log(s) - logits[i * V + tg[i]];
        n++;
    }
    want /= n;
    T_CHECK(t, llm_trainer_eval(tr, in, tg, &lm) == LLM_OK, "masked eval");
    T_NOTE(t, "response-only loss %.6f, by hand %.6f over %d of %d positions (all positions: %.6f)", lm, want, n, N,
           lall);
    T_CHECK(t, n > 4 && fabs(lm - want) < 1e-5 * fabs(want), "loss %.7f, by hand %.7f", lm, want);
    free(logits);
    llm_trainer_free(tr);
    llm_model_free(m);
    llm_sft_free(d);
    llm_tokenizer_free(tok);
}

/* malformed lines are refused with their line number */
static void test_sft_bad_jsonl(t_ctx *t) {
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\", \n", "line 2: not a JSON object"},
        {"\n\n{\"prompt\": \"a\"}\n", "line 3: expected"},
        {"{\"prompt\": 5, \"response\": \"b\"}", "line 1: expected"},
        {"{\"prompt\": \"a\", \"response\": [1]}", "line 1: \"response\" is not a string"},
        {"{\"messages\": {}}", "line 1: \"messages\" is not an array"},
        {"{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}", "line 1: a message's role"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": 3}]}", "line 1: a message's content"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "line 1: no assistant turn"},
        {"[1, 2]", "line 1: not a JSON object"},
        {"\n \n", "no examples"},
    };
    llm_tokenizer *tok = ta_tokenizer();
    llm_sft_data *d = NULL;
    llm_error e;
    size_t i;
    int ok = 1;
    T_CHECK(t, tok != NULL, "tokenizer");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        llm_status st = llm_sft_load_mem(tok, bad[i].text, strlen(bad[i].text), NULL, NULL, &d, &e);
        if (st != LLM_ERR_FORMAT || d || !strstr(e.message, bad[i].want)) {
            ok = 0;
            T_NOTE(t, "case %d: status %d, '%s' (want '%s')", (int)i, (int)st, e.message, bad[i].want);
        }
    }
    T_CHECK(t, ok, "a malformed line was not refused as expected");
    T_CHECK(t, llm_sft_load_mem(NULL, "{}", 2, NULL, NULL, &d, &e) == LLM_ERR_INVALID_ARG, "NULL tokenizer");
    T_CHECK(t, llm_sft_load(tok, "tests/no_such.jsonl", NULL, NULL, &d, &e) == LLM_ERR_IO, "missing file: %s",
            e.message);
    T_NOTE(t, "%d malformed inputs refused with their line", (int)(sizeof bad / sizeof bad[0]));
    llm_tokenizer_free(tok);
}

/* ---- LoRA ---- */

/* the PyTorch fixture of tests/ref/gen_lora_fixtures.py: AdamW steps on the adapter only, with
   ignored targets; the losses, norms and the adapter after the steps; the base untouched */
static void t_lora_parity(t_ctx *t, const char *name) {
    char path[256];
    unsigned char *p;
    void *file = NULL;
    size_t size, off = 8, BT, n, nl;
    int32_t h[12], w[5];
    float o[7], alpha;
    int32_t *in, *tg;
    float *params, *lora0, *base_copy;
    double *losses, *norms, *final, e_loss = 0, e_norm = 0, e_final, worst = 0;
    char worst_name[64] = "";
    llm_model_desc md;
    llm_model *m = NULL;
    llm_lora_desc ld;
    llm_lora *lo = NULL;
    llm_trainer_desc td;
    llm_trainer *tr = NULL;
    llm_error e;
    int k;
    snprintf(path, sizeof path, "tests/data/%s", name);
    T_CHECK(t, llm_read_file(path, NULL, &file, &size, NULL) == LLM_OK, "cannot read %s", path);
    p = (unsigned char *)file;
    T_CHECK(t, memcmp(p, "LLMR", 4) == 0, "not a LoRA fixture");
    memcpy(h, p + off, sizeof h);
    off += sizeof h;
    memcpy(o, p + off, sizeof o);
    off += sizeof o;
    memcpy(w, p + off, sizeof w);
    off += sizeof w;
    memcpy(&alpha, p + off, 4);
    off += 4;
    t_le(h, 12, 4);
    t_le(o, 7, 4);
    t_le(w, 5, 4);
    t_le(&alpha, 1, 4);
    memset(&md, 0, sizeof md);
    md.config.arch = (llm_arch)(h[0] + 1);
    md.config.n_layer = h[1];
    md.config.n_head = h[2];
    md.config.n_kv_head = h[3];
    md.config.dim = h[4];
    md.config.ffn_dim = h[5];
    md.config.vocab_size = h[6];
    md.config.padded_vocab_size = h[7];
    md.config.max_seq_len = h[8];
    md.config.untied_head = h[9];
    T_CHECK(t, llm_model_create(&md, &m, &e) == LLM_OK, "%s", e.message);
    memset(&ld, 0, sizeof ld);
    ld.rank = w[3];
    ld.targets = (unsigned)w[4];
    ld.alpha = alpha;
    T_CHECK(t, llm_lora_create(m, &ld, &lo, &e) == LLM_OK, "%s", e.message);
    n = llm_model_num_params(m);
    nl = llm_lora_num_params(lo);
    BT = (size_t)h[10] * h[11];
    in = (int32_t *)(p + off);
    off += BT * 4;
    tg = (int32_t *)(p + off);
    off += BT * 4;
    params = (float *)(p + off);
    off += n * 4;
    lora0 = (float *)(p + off);
    off += nl * 4;
    T_CHECK(t, off + (2 * (size_t)w[2] + nl) * 8 == size, "fixture size %d, expected %d (adapter layout differs?)",
            (int)size, (int)(off + (2 * (size_t)w[2] + nl) * 8));
    losses = (double *)malloc((2 * (size_t)w[2] + nl) * 8); /* (the doubles are not 8-byte aligned in the file) */
    memcpy(losses, p + off, (2 * (size_t)w[2] + nl) * 8);
    norms = losses + w[2];
    final = norms + w[2];
    t_le(in, 2 * BT, 4);
    t_le(params, n + nl, 4);
    t_le(losses, 2 * (size_t)w[2] + nl, 8);
    memcpy(llm_model_params(m), params, n * sizeof(float));
    memcpy(llm_lora_params(lo), lora0, nl * sizeof(float));
    base_copy = (float *)malloc(n * sizeof(float));
    memcpy(base_copy, params, n * sizeof(float));
    memset(&td, 0, sizeof td);
    td.batch = h[10];
    td.seq_len = h[11];
    td.lr = o[0];
    td.weight_decay = o[1];
    td.grad_clip = o[2];
    td.beta1 = o[3];
    td.beta2 = o[4];
    td.eps = o[5];
    td.min_lr_frac = o[6];
    td.warmup_steps = w[0];
    td.total_steps = w[1];
    td.lora = lo;
    T_CHECK(t, llm_trainer_create(m, &td, &tr, &e) == LLM_OK, "%s", e.message);
    for (k = 0; k < w[2]; k++) {
        llm_step_result r;
        T_CHECK(t, llm_trainer_step(tr, in, tg, &r) == LLM_OK, "step %d: %s", k, llm_trainer_last_error(tr));
        e_loss = LLM__MAX(e_loss, fabs(r.loss - losses[k]) / losses[k]);
        e_norm = LLM__MAX(e_norm, fabs(r.grad_norm - norms[k]) / norms[k]);
    }
    e_final = t_rel_err(llm_lora_params(lo), final, nl);
    for (k = 0; k < llm_lora_num_tensors(lo); k++) { /* per tensor, relative to its own scale */
        const llm_tensor_info *ti = llm_lora_tensor(lo, k);
        const double et = t_rel_err(llm_lora_params(lo) + ti->offset, final + ti->offset, ti->size);
        if (et > worst) {
            worst = et;
            snprintf(worst_name, sizeof worst_name, "%s", ti->name);
        }
    }
    T_NOTE(t,
           "%d AdamW steps on %d adapter parameters (rank %d, %d tensors): rel err loss %.1e norm %.1e adapter %.1e "
           "(worst tensor %s %.1e); base unchanged",
           w[2], (int)nl, w[3], llm_lora_num_tensors(lo), e_loss, e_norm, e_final, worst_name, worst);
    T_CHECK(t, memcmp(llm_model_params(m), base_copy, n * sizeof(float)) == 0, "the base changed");
    /* (the adapter after the steps: 5e-4. At step 1 B = 0, so A's gradient is exactly 0, and
       for the next steps A's gradients are tiny: Adam's m / (sqrt(v) + eps) turns their fp32
       rounding into visible differences against float64, as for GPT-2's key bias in the core
       parity test; the losses and gradient norms agree to 1e-7) */
    T_CHECK(t, e_loss < 1e-5 && e_norm < 1e-5 && e_final < 5e-4, "failed");
    T_CHECK(t, llm_trainer_save_mem(tr, NULL, 0, &size, 0) == LLM_ERR_UNSUPPORTED, "a LoRA checkpoint was written");
    free(base_copy);
    free(losses);
    llm_trainer_free(tr);
    llm_lora_free(lo);
    llm_model_free(m);
    llm_free(NULL, file);
}
static void test_lora_parity_gpt2(t_ctx *t) { t_lora_parity(t, "gpt2_lora.bin"); }
static void test_lora_parity_llama(t_ctx *t) { t_lora_parity(t, "llama_lora.bin"); }

/* a small model and an adapter with random A and B on every matrix */
static void ta_lora_model(llm_arch arch, int rank, llm_model **m, llm_lora **lo, uint64_t seed) {
    llm_model_desc md;
    llm_lora_desc ld;
    llm_rng r;
    size_t i;
    memset(&md, 0, sizeof md);
    md.config.arch = arch;
    md.config.n_layer = 2;
    md.config.n_head = 4;
    md.config.n_kv_head = arch == LLM_ARCH_LLAMA ? 2 : 0;
    md.config.dim = 16;
    md.config.vocab_size = 13;
    md.config.max_seq_len = 12;
    md.seed = 5;
    if (arch > LLM_ARCH_LLAMA) {   /* the newer families: q (24, 16), attn_output (16, 24); Gemma's window 3 */
        md.config.n_kv_head = 2;
        md.config.head_dim = 6;
        if (arch == LLM_ARCH_GEMMA3) { md.config.sliding_window = 3; md.config.sliding_pattern = 2; }
    }
    *m = NULL;
    *lo = NULL;
    if (llm_model_create(&md, m, NULL) != LLM_OK) return;
    llm_rng_seed(&r, seed);
    for (i = 0; i < llm_model_num_params(*m); i++) llm_model_params(*m)[i] += 0.2f * llm_rng_normal(&r);
    memset(&ld, 0, sizeof ld);
    ld.rank = rank;
    ld.alpha = 2.0f * rank;
    ld.targets = 127u & (arch == LLM_ARCH_GPT2 ? ~16u : ~0u);
    ld.seed = seed;
    if (llm_lora_create(*m, &ld, lo, NULL) != LLM_OK) return;
    for (i = 0; i < llm_lora_num_params(*lo); i++) llm_lora_params(*lo)[i] = 0.15f * llm_rng_normal(&r);
}

/* finite differences of the (masked) loss w.r.t. sampled adapter parameters */
static void t_lora_gc(t_ctx *t, llm_arch arch) {
    llm_model *m;
    llm_lora *lo;
    llm_trainer *tr;
    llm_trainer_desc td;
    llm_rng r;
    int32_t in[2 * 9], tg[2 * 9];
    float *g, *p, loss;
    double worst = 0;
    int i, s;
    ta_lora_model(arch, 3, &m, &lo, 21);
    T_CHECK(t, m && lo, "model or adapter");
    llm_rng_seed(&r, 6);
    for (i = 0; i < 18; i++) {
        in[i] = (int32_t)(llm_rng_u32(&r) % 13);
        tg[i] = i % 9 < 3 ? LLM_TARGET_IGNORE : (int32_t)(llm_rng_u32(&r) % 13);
    }
    memset(&td, 0, sizeof td);
    td.batch = 2;
    td.seq_len = 9;
    td.lora = lo;
    T_CHECK(t, llm_trainer_create(m, &td, &tr, NULL) == LLM_OK, "trainer");
    T_CHECK(t, llm_trainer_accumulate(tr, in, tg, &loss) == LLM_OK, "accumulate");
    g = (float *)malloc(llm_lora_num_params(lo) * 4);
    memcpy(g, llm_trainer_grads(tr), llm_lora_num_params(lo) * 4);
    p = llm_lora_params(lo);
    for (s = 0; s < 150; s++) {
        const size_t j = llm_rng_u32(&r) % llm_lora_num_params(lo);
        float x0 = p[j], h = 1e-2f, lp, lm;
        double num, err;
        p[j] = x0 + h;
        llm_trainer_eval(tr, in, tg, &lp);
        p[j] = x0 - h;
        llm_trainer_eval(tr, in, tg, &lm);
        p[j] = x0;
        num = ((double)lp - lm) / (2.0 * h);
        err = fabs(num - g[j]) / (fabs(num) + fabs(g[j]) + 3e-2);
        if (err > worst) worst = err;
    }
    free(g);
    T_NOTE(t, "max rel err over 150 sampled adapter parameters (of %d, %d tensors) %.1e", (int)llm_lora_num_params(lo),
           llm_lora_num_tensors(lo), worst);
    T_CHECK(t, worst < 2e-2, "failed");
    llm_trainer_free(tr);
    llm_lora_free(lo);
    llm_model_free(m);
}
static void test_lora_gradcheck_gpt2(t_ctx *t) { t_lora_gc(t, LLM_ARCH_GPT2); }
static void test_lora_gradcheck_llama(t_ctx *t) { t_lora_gc(t, LLM_ARCH_LLAMA); }
static void test_lora_gradcheck_qwen2(t_ctx *t) { t_lora_gc(t, LLM_ARCH_QWEN2); }
static void test_lora_gradcheck_qwen3(t_ctx *t) { t_lora_gc(t, LLM_ARCH_QWEN3); }
static void test_lora_gradcheck_gemma3(t_ctx *t) { t_lora_gc(t, LLM_ARCH_GEMMA3); }

/* the adapter path alone (llm__lora_fwd / llm__lora_bwd on Llama's fused gate|up matrix:
   two adapters on one input), with dropout on (p = 0.3, fixed masks) and off: finite
   differences of sum(out * R) w.r.t. the input, every A and every B */
typedef struct gc_lora {
    gc_op op;
    llm__lora_run lr;
    float *x;
    int N, OC;
    llm__ctx ctx;   /* one context: its kernels are chosen once */
} gc_lora;
static void gc_lora_fwd(gc_op *o) {
    gc_lora *g = (gc_lora *)o;
    memset(o->out, 0, (size_t)g->N * g->OC * sizeof(float));
    llm__lora_fwd(&g->ctx, &g->lr, 1, LLM__LM_FC, o->out, g->x, (size_t)g->N, g->OC);
}
static void t_lora_op_gc(t_ctx *t, float p) {
    llm_model *m;
    llm_lora *lo;
    gc_lora g;
    llm_rng r;
    float *dx, *grads;
    double ex, ep;
    const int N = 6;
    int C, H;
    ta_lora_model(LLM_ARCH_LLAMA, 3, &m, &lo, 55);
    T_CHECK(t, m && lo, "model");
    C = llm_model_config(m)->dim;
    H = llm_model_config(m)->ffn_dim;
    lo->dropout = p;
    memset(&g, 0, sizeof g);
    llm_rng_seed(&r, 9);
    g.N = N;
    g.OC = 2 * H;
    g.op.fwd = gc_lora_fwd;
    g.op.n_out = (size_t)N * 2 * H;
    g.x = (float *)malloc((size_t)N * C * 4);
    g.op.out = (float *)malloc((size_t)N * 2 * H * 4);
    g.op.R = (float *)malloc((size_t)N * 2 * H * 4);
    dx = (float *)calloc((size_t)N * C, 4);
    grads = (float *)calloc(llm_lora_num_params(lo), 4);
    g.lr.lo = lo;
    g.lr.scale = 1.7f;
    g.lr.drop = p > 0;
    g.lr.drop_seed = 1234;
    g.lr.u = (float *)malloc((size_t)N * 3 * 4);
    g.lr.du = (float *)malloc((size_t)N * 3 * 4);
    g.lr.xd = (float *)malloc((size_t)N * (C > H ? C : H) * 4);
    g.lr.g = grads;
    t_fill(g.x, (size_t)N * C, &r, 1);
    t_fill(g.op.R, g.op.n_out, &r, 1);
    g.ctx = t_cpu(NULL, 1, 1, 1, 1);
    gc_lora_fwd(&g.op);
    llm__lora_bwd(&g.ctx, &g.lr, 1, LLM__LM_FC, dx, g.op.R, g.x, (size_t)N, g.OC);
    ex = gc_compare(&g.op, g.x, dx, (size_t)N * C, &r, 60);
    ep = gc_compare(&g.op, llm_lora_params(lo), grads, llm_lora_num_params(lo), &r, 200);
    T_NOTE(t, "dropout %.1f: max rel err dx %.1e, dA/dB %.1e", (double)p, ex, ep);
    T_CHECK(t, ex < 1e-2 && ep < 1e-2, "failed");
    llm__ctx_free(&g.ctx);
    free(g.x);
    free(g.op.out);
    free(g.op.R);
    free(dx);
    free(grads);
    free(g.lr.u);
    free(g.lr.du);
    free(g.lr.xd);
    llm_lora_free(lo);
    llm_model_free(m);
}
static void test_lora_op_gradcheck(t_ctx *t) { t_lora_op_gc(t, 0.0f); }
static void test_lora_op_gradcheck_dropout(t_ctx *t) { t_lora_op_gc(t, 0.3f); }

/* dropout: deterministic per step, off in evaluation, and it changes the training gradient */
static void test_lora_dropout_trainer(t_ctx *t) {
    llm_model *m;
    llm_lora *lo;
    llm_trainer *tr;
    llm_trainer_desc td;
    int32_t in[16], tg[16];
    float l0, l1, l2, *g0, *g1;
    size_t n, i;
    int diff = 0, same = 1;
    ta_lora_model(LLM_ARCH_GPT2, 2, &m, &lo, 66);
    T_CHECK(t, m && lo, "model");
    n = llm_lora_num_params(lo);
    for (i = 0; i < 16; i++) {
        in[i] = (int32_t)((i * 5) % 13);
        tg[i] = (int32_t)((i * 3 + 1) % 13);
    }
    memset(&td, 0, sizeof td);
    td.batch = 2;
    td.seq_len = 8;
    td.lora = lo;
    g0 = (float *)malloc(n * 4);
    g1 = (float *)malloc(n * 4);
    T_CHECK(t, llm_trainer_create(m, &td, &tr, NULL) == LLM_OK, "trainer");
    llm_trainer_eval(tr, in, tg, &l0);
    llm_trainer_accumulate(tr, in, tg, NULL);
    memcpy(g0, llm_trainer_grads(tr), n * 4);
    llm_trainer_free(tr);
    lo->dropout = 0.5f;
    T_CHECK(t, llm_trainer_create(m, &td, &tr, NULL) == LLM_OK, "trainer with dropout");
    llm_trainer_eval(tr, in, tg, &l1);
    llm_trainer_accumulate(tr, in, tg, &l2);
    memcpy(g1, llm_trainer_grads(tr), n * 4);
    for (i = 0; i < n; i++) diff |= g0[i] != g1[i];
    llm_trainer_free(tr);
    T_CHECK(t, llm_trainer_create(m, &td, &tr, NULL) == LLM_OK, "again"); /* the same masks: the same gradients */
    llm_trainer_accumulate(tr, in, tg, NULL);
    for (i = 0; i < n; i++) same &= g1[i] == llm_trainer_grads(tr)[i];
    llm_trainer_free(tr);
    T_NOTE(t, "eval loss %.6f with and %.6f without dropout; a training forward with dropout %.6f", l1, l0, l2);
    T_CHECK(t, l0 == l1 && l2 != l1 && diff && same, "dropout: eval %d, train differs %d, repeatable %d", l0 == l1,
            diff, same);
    { /* a bad dropout is refused */
        llm_lora_desc ld;
        llm_lora *x = NULL;
        memset(&ld, 0, sizeof ld);
        ld.dropout = 1.0f;
        T_CHECK(t, llm_lora_create(m, &ld, &x, NULL) == LLM_ERR_INVALID_ARG, "dropout 1 accepted");
    }
    free(g0);
    free(g1);
    llm_lora_free(lo);
    llm_model_free(m);
}

/* sessions with an adapter against the merged model's full forward; a new adapter (B = 0)
   changes nothing; GGUF round trip; two sessions over one model with different adapters */
static void t_lora_apply(t_ctx *t, llm_arch arch) {
    llm_model *m, *merged = NULL;
    llm_lora *lo, *back = NULL, *fresh = NULL;
    llm_session *s1 = NULL, *s2 = NULL;
    llm_session_desc sd;
    int32_t tok[7] = {3, 1, 4, 1, 5, 9, 2};
    float full[7 * 13], l1[7 * 13], l0[7 * 13], l2[7 * 13];
    size_t n = 0, i;
    unsigned char *buf;
    double e_merge = 0, e_half = 0;
    llm_error e;
    llm_model_desc md;
    ta_lora_model(arch, 2, &m, &lo, 33);
    T_CHECK(t, m && lo, "model or adapter");
    memset(&sd, 0, sizeof sd);
    sd.n_ctx = 12;
    sd.n_batch = 4;
    sd.backend = LLM_BACKEND_CPU;
    T_CHECK(t, llm_session_create(m, &sd, &s1, NULL) == LLM_OK && llm_session_create(m, &sd, &s2, NULL) == LLM_OK,
            "sessions");
    T_CHECK(t, llm_session_eval(s2, tok, 7, l0) == LLM_OK, "eval"); /* no adapter */
    T_CHECK(t, llm_session_set_lora(s1, lo, 1.0f) == LLM_OK, "set_lora");
    T_CHECK(t,
            llm_session_eval(s1, tok, 3, l1) == LLM_OK && llm_session_eval(s1, tok + 3, 1, l1 + 3 * 13) == LLM_OK &&
                llm_session_eval(s1, tok + 4, 3, l1 + 4 * 13) == LLM_OK,
            "eval with adapter");
    /* merged: a copy of the model with W + s B A */
    memset(&md, 0, sizeof md);
    md.config = *llm_model_config(m);
    T_CHECK(t, llm_model_create(&md, &merged, NULL) == LLM_OK, "copy");
    memcpy(llm_model_params(merged), llm_model_params(m), llm_model_num_params(m) * 4);
    T_CHECK(t, llm_lora_merge(merged, lo, 1.0f, &e) == LLM_OK, "%s", e.message);
    T_CHECK(t, llm_model_forward(merged, NULL, tok, 1, 7, full, NULL) == LLM_OK, "forward");
    for (i = 0; i < 7 * 13; i++) e_merge = LLM__MAX(e_merge, fabs(full[i] - l1[i]));
    { /* the other session is unaffected; with the adapter at half scale = merged at half scale */
        float half[7 * 13];
        llm_session_reset(s2);
        T_CHECK(t, llm_session_set_lora(s2, lo, 0.5f) == LLM_OK && llm_session_eval(s2, tok, 7, l2) == LLM_OK, "half");
        memcpy(llm_model_params(merged), llm_model_params(m), llm_model_num_params(m) * 4);
        llm_lora_merge(merged, lo, 0.5f, NULL);
        llm_model_forward(merged, NULL, tok, 1, 7, half, NULL);
        for (i = 0; i < 7 * 13; i++) e_half = LLM__MAX(e_half, fabs(half[i] - l2[i]));
    }
    T_NOTE(t, "session with adapter vs merged model: max |dlogit| %.1e (scale 1), %.1e (scale 0.5)", e_merge, e_half);
    T_CHECK(t, e_merge < 1e-5 && e_half < 1e-5, "merged logits differ");
    /* GGUF round trip: same parameters, same logits */
    T_CHECK(t, llm_lora_save_mem(lo, NULL, 0, &n, &e) == LLM_OK, "%s", e.message);
    buf = (unsigned char *)malloc(n);
    T_CHECK(t, llm_lora_save_mem(lo, buf, n, &n, &e) == LLM_OK, "%s", e.message);
    T_CHECK(t, llm_lora_load_mem(m, buf, n, NULL, &back, &e) == LLM_OK, "%s", e.message);
    T_CHECK(t,
            llm_lora_num_params(back) == llm_lora_num_params(lo) && llm_lora_rank(back) == 2 &&
                llm_lora_alpha(back) == 4.0f && llm_lora_targets(back) == llm_lora_targets(lo) &&
                memcmp(llm_lora_params(back), llm_lora_params(lo), llm_lora_num_params(lo) * 4) == 0,
            "round trip differs");
    llm_session_reset(s1);
    llm_session_set_lora(s1, back, 1.0f);
    T_CHECK(t, llm_session_eval(s1, tok, 7, l2) == LLM_OK, "eval with the loaded adapter");
    for (i = 0, e_merge = 0; i < 7 * 13; i++) e_merge = LLM__MAX(e_merge, fabs(l2[i] - l1[i]));
    T_CHECK(t, e_merge < 1e-6, "loaded adapter logits differ by %.1e", e_merge);
    /* a new adapter (B = 0) changes nothing */
    {
        llm_lora_desc ld;
        memset(&ld, 0, sizeof ld);
        ld.rank = 4;
        ld.targets = llm_lora_targets(lo);
        T_CHECK(t, llm_lora_create(m, &ld, &fresh, NULL) == LLM_OK, "fresh");
        llm_session_reset(s1);
        llm_session_set_lora(s1, fresh, 1.0f);
        T_CHECK(t, llm_session_eval(s1, tok, 7, l2) == LLM_OK, "eval");
        T_CHECK(t, memcmp(l2, l0, sizeof l0) == 0, "a new adapter changed the logits");
    }
    T_CHECK(t, llm_session_set_lora(s1, NULL, 0) == LLM_OK, "remove");
    free(buf);
    llm_session_free(s1);
    llm_session_free(s2);
    llm_lora_free(fresh);
    llm_lora_free(back);
    llm_lora_free(lo);
    llm_model_free(merged);
    llm_model_free(m);
}
static void test_lora_apply_gpt2(t_ctx *t) { t_lora_apply(t, LLM_ARCH_GPT2); }
static void test_lora_apply_llama(t_ctx *t) { t_lora_apply(t, LLM_ARCH_LLAMA); }
static void test_lora_apply_qwen3(t_ctx *t) { t_lora_apply(t, LLM_ARCH_QWEN3); }
static void test_lora_apply_gemma3(t_ctx *t) { t_lora_apply(t, LLM_ARCH_GEMMA3); }

/* adapters for another model shape, model files, broken files and bad descs are refused */
static void test_lora_refused(t_ctx *t) {
    llm_model *m, *other;
    llm_lora *lo, *x = NULL;
    llm_session *s = NULL;
    llm_lora_desc ld;
    llm_model_desc md;
    llm_trainer_desc td;
    llm_trainer *tr = NULL;
    unsigned char *buf, *mb;
    size_t n = 0, mn = 0, i;
    llm_error e;
    int ok = 1, refused = 0;
    ta_lora_model(LLM_ARCH_LLAMA, 2, &m, &lo, 44);
    memset(&md, 0, sizeof md);
    md.config = *llm_model_config(m);
    md.config.dim = 32;
    T_CHECK(t, m && lo && llm_model_create(&md, &other, NULL) == LLM_OK, "models");
    llm_lora_save_mem(lo, NULL, 0, &n, NULL);
    buf = (unsigned char *)malloc(n);
    llm_lora_save_mem(lo, buf, n, &n, NULL);
    T_CHECK(t, llm_lora_load_mem(other, buf, n, NULL, &x, &e) == LLM_ERR_FORMAT && !x && strstr(e.message, "another"),
            "other shape: %s", e.message);
    T_NOTE(t, "%s", e.message);
    memset(&td, 0, sizeof td);
    td.batch = 1;
    td.seq_len = 4;
    td.lora = lo;
    T_CHECK(t, llm_trainer_create(other, &td, &tr, &e) == LLM_ERR_INVALID_ARG && !tr, "trainer on another shape");
    T_CHECK(t, llm_lora_merge(other, lo, 1, &e) == LLM_ERR_INVALID_ARG, "merge into another shape");
    T_CHECK(t,
            llm_session_create(other, NULL, &s, NULL) == LLM_OK &&
                llm_session_set_lora(s, lo, 1) == LLM_ERR_INVALID_ARG,
            "session of another shape");
    llm_session_free(s);
    llm_model_save_mem(m, NULL, 0, &mn, NULL); /* a model file is not an adapter */
    mb = (unsigned char *)malloc(mn);
    llm_model_save_mem(m, mb, mn, &mn, NULL);
    T_CHECK(t, llm_lora_load_mem(m, mb, mn, NULL, &x, &e) == LLM_ERR_FORMAT && strstr(e.message, "adapter"),
            "model: %s", e.message);
    for (i = 0; i < n; i += 7) { /* every cut of the adapter file is refused */
        llm_status st = llm_lora_load_mem(m, buf, i, NULL, &x, &e);
        if (st == LLM_OK) {
            ok = 0;
            llm_lora_free(x);
            x = NULL;
        }
        refused++;
    }
    T_CHECK(t, ok, "a truncated adapter loaded");
    memset(&ld, 0, sizeof ld);
    ld.rank = 2000;
    T_CHECK(t, llm_lora_create(m, &ld, &x, &e) == LLM_ERR_INVALID_ARG, "rank 2000");
    ld.rank = 2;
    ld.targets = 256;
    T_CHECK(t, llm_lora_create(m, &ld, &x, &e) == LLM_ERR_INVALID_ARG, "targets 256");
    ld.targets = LLM_LORA_GATE;
    T_CHECK(t, llm_lora_create(other, &ld, &x, &e) == LLM_OK, "Llama gate");
    llm_lora_free(x);
    x = NULL;
    T_NOTE(t, "%d truncations refused", refused);
    free(buf);
    free(mb);
    llm_lora_free(lo);
    llm_model_free(other);
    llm_model_free(m);
}

static const t_case adapt_tests[] = {
    {"sft_jsonl_masking", test_sft_jsonl_masking},
    {"sft_loss_by_hand", test_sft_loss_by_hand},
    {"sft_bad_jsonl", test_sft_bad_jsonl},
    {"lora_parity_pytorch_gpt2", test_lora_parity_gpt2},
    {"lora_parity_pytorch_llama", test_lora_parity_llama},
    {"lora_gradcheck_gpt2", test_lora_gradcheck_gpt2},
    {"lora_gradcheck_llama", test_lora_gradcheck_llama},
    {"lora_gradcheck_qwen2", test_lora_gradcheck_qwen2},
    {"lora_gradcheck_qwen3", test_lora_gradcheck_qwen3},
    {"lora_gradcheck_gemma3", test_lora_gradcheck_gemma3},
    {"lora_apply_merge_roundtrip_gpt2", test_lora_apply_gpt2},
    {"lora_apply_merge_roundtrip_llama", test_lora_apply_llama},
    {"lora_apply_merge_roundtrip_qwen3", test_lora_apply_qwen3},
    {"lora_apply_merge_roundtrip_gemma3", test_lora_apply_gemma3},
    {"lora_refused", test_lora_refused},
    {"lora_op_gradcheck", test_lora_op_gradcheck},
    {"lora_op_gradcheck_dropout", test_lora_op_gradcheck_dropout},
    {"lora_dropout_trainer", test_lora_dropout_trainer},
};
