/* tests/test_hf.c - the model files people download: Hugging Face directories (config.json +
   safetensors, sharded too; tokenizer.json) and GGUF files of every tensor type as llama.cpp
   lays them out, against PyTorch logits (tests/ref/gen_hf_fixtures.py); export -> load round
   trips in both formats; damaged files refused with a status. */

typedef struct th_ref { int T, V; int32_t tok[64]; double *logits; } th_ref;
static int th_ref_load(const char *path, th_ref *r) {
    size_t n;
    void *buf;
    const unsigned char *p;
    int i;
    if (llm_read_file(path, NULL, &buf, &n, NULL) != LLM_OK) return 0;
    p = (const unsigned char *)buf;
    r->T = (int)llm__rd_u32(p + 4); r->V = (int)llm__rd_u32(p + 8);
    if (memcmp(p, "LLMR", 4) != 0 || r->T > 64 || n != 12 + 4 * (size_t)r->T + 8 * (size_t)r->T * (size_t)r->V) {
        llm_free(NULL, buf);
        return 0;
    }
    for (i = 0; i < r->T; i++) r->tok[i] = (int32_t)llm__rd_u32(p + 12 + 4 * i);
    r->logits = (double *)malloc(sizeof(double) * (size_t)r->T * (size_t)r->V);
    memcpy(r->logits, p + 12 + 4 * r->T, sizeof(double) * (size_t)r->T * (size_t)r->V);
    t_le(r->logits, (size_t)r->T * (size_t)r->V, 8);
    llm_free(NULL, buf);
    return 1;
}
/* max |a - ref| / max |ref| over all positions (a: float logits of the full forward) */
static double th_err(const float *a, const th_ref *r, size_t n) {
    double mx = 0, mr = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        mx = fmax(mx, fabs((double)a[i] - r->logits[i]));
        mr = fmax(mr, fabs(r->logits[i]));
    }
    return mx / mr;
}
/* the full forward's logits vs the reference; also the last position through a session */
static double th_forward_err(llm_model *m, const th_ref *r, double *sess_err) {
    float *lg = (float *)malloc(sizeof(float) * (size_t)r->T * (size_t)r->V);
    double e = 1e9;
    if (llm_model_forward(m, NULL, r->tok, 1, r->T, lg, NULL) == LLM_OK) e = th_err(lg, r, (size_t)r->T * (size_t)r->V);
    if (sess_err) {
        llm_session *s = NULL;
        th_ref last = *r;
        *sess_err = 1e9;
        last.logits = r->logits + (size_t)(r->T - 1) * (size_t)r->V;
        if (llm_session_create(m, NULL, &s, NULL) == LLM_OK && llm_session_eval(s, r->tok, r->T, NULL) == LLM_OK)
            *sess_err = th_err(llm_session_logits(s), &last, (size_t)r->V);
        llm_session_free(s);
    }
    free(lg);
    return e;
}

static void test_hf_safetensors(t_ctx *t) {
    static const char *const dirs[] = { "gpt2_f32", "gpt2_f16", "gpt2_bf16", "llama_f32", "llama_f16", "llama_bf16",
                                        "llama_sharded" };
    char path[256], note[400] = "";
    double worst = 0;
    size_t k;
    for (k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
        llm_model *m = NULL;
        llm_error e;
        th_ref r;
        double err;
        snprintf(path, sizeof path, "tests/data/hf/%s/model.ref", dirs[k]);
        if (!th_ref_load(path, &r)) T_SKIP(t, "tests/data/hf missing (tests/ref/gen_hf_fixtures.py)");
        snprintf(path, sizeof path, "tests/data/hf/%s", dirs[k]);
        T_CHECK(t, llm_model_load(path, NULL, &m, &e) == LLM_OK, "%s: %s", dirs[k], e.message);
        err = th_forward_err(m, &r, NULL);
        T_CHECK(t, err < 1e-5, "%s: logits rel err %.2e vs PyTorch", dirs[k], err);
        worst = fmax(worst, err);
        if (k == 0 || k == 3) {   /* the same through the path of the .safetensors file, and read instead of mapped */
            llm_model *m2 = NULL;
            llm_model_desc d;
            memset(&d, 0, sizeof d); d.no_mmap = 1;
            snprintf(path, sizeof path, "tests/data/hf/%s/model.safetensors", dirs[k]);
            T_CHECK(t, llm_model_load(path, &d, &m2, &e) == LLM_OK, "%s: %s", path, e.message);
            T_CHECK(t, memcmp(m2->params, m->params, m->n_params * sizeof(float)) == 0, "%s: weights differ", path);
            llm_model_free(m2);
        }
        if (k == 6)
            T_CHECK(t, !m->cfg.untied_head && fabsf(m->cfg.rope_theta - 500000.f) < 1 && fabs(m->cfg.norm_eps - 1e-6) < 1e-12,
                    "llama_sharded: config (tied head, rope_theta 500000, eps 1e-6) not taken");
        llm_model_free(m);
        free(r.logits);
    }
    snprintf(note, sizeof note, "GPT-2 and Llama in F32/F16/BF16 and 2 shards: worst logits rel err %.1e vs PyTorch",
             worst);
    T_NOTE(t, "%s", note);
}

static void test_hf_gguf_types(t_ctx *t) {
    static const char *const names[] = { "llama_f32", "llama_f16", "llama_bf16", "llama_q8_0", "llama_q4_0",
                                         "llama_q4_k_m" };
    /* sessions on quantized copies quantize activations to 8 bits per 32-block (as ggml does):
       their logits stay within a few percent of the reference; fp32 types match it */
    static const double sess_tol[] = { 1e-5, 1e-5, 1e-5, 2e-2, 3e-2, 3e-2 };
    char path[256], note[500] = "";
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        llm_model *m = NULL, *m2 = NULL, *m3 = NULL;
        llm_model_desc d;
        llm_error e;
        th_ref r;
        double err, serr;
        void *buf;
        size_t n;
        snprintf(path, sizeof path, "tests/data/hf/%s.ref", names[k]);
        if (!th_ref_load(path, &r)) T_SKIP(t, "tests/data/hf missing (tests/ref/gen_hf_fixtures.py)");
        snprintf(path, sizeof path, "tests/data/hf/%s.gguf", names[k]);
        T_CHECK(t, llm_model_load(path, NULL, &m, &e) == LLM_OK, "%s: %s", names[k], e.message);
        err = th_forward_err(m, &r, &serr);
        /* fp32 arithmetic: 1e-5 of the largest logit (the dim-256 K-quant model, whose logits reach 22, gets
           5e-5: its 256-long sums differ between GEMM variants by that much; 5e-6 on x86, 1.7e-5 in wasm) */
        T_CHECK(t, err < (k == 5 ? 5e-5 : 1e-5), "%s: full forward logits rel err %.2e", names[k], err);
        T_CHECK(t, serr < sess_tol[k], "%s: session logits rel err %.2e (tolerance %.0e)", names[k], serr, sess_tol[k]);
        T_CHECK(t, (k < 3) == (m->n_quant == 0), "%s: %d quantized copies", names[k], m->n_quant);
        /* read instead of mapped, and from memory: the same model */
        memset(&d, 0, sizeof d); d.no_mmap = 1;
        T_CHECK(t, llm_model_load(path, &d, &m2, &e) == LLM_OK, "%s: %s", names[k], e.message);
        T_CHECK(t, llm_read_file(path, NULL, &buf, &n, NULL) == LLM_OK, "read");
        T_CHECK(t, llm_model_load_mem(buf, n, NULL, &m3, &e) == LLM_OK, "%s: %s", names[k], e.message);
        memset(buf, 0, n);   /* the model keeps nothing of the buffer */
        llm_free(NULL, buf);
        T_CHECK(t, memcmp(m2->params, m->params, m->n_params * sizeof(float)) == 0 &&
                   memcmp(m3->params, m->params, m->n_params * sizeof(float)) == 0, "%s: weights differ", names[k]);
        if (m->n_quant) {
            double e2, e3;
            th_forward_err(m2, &r, &e2);
            th_forward_err(m3, &r, &e3);
            T_CHECK(t, e2 == serr && e3 == serr, "%s: sessions differ between mapped, read and memory", names[k]);
        }
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s %.0e/%.0e ", names[k] + 6, err, serr);
        llm_model_free(m); llm_model_free(m2); llm_model_free(m3);
        free(r.logits);
    }
    T_NOTE(t, "forward/session rel err: %s", note);
}

/* quantized_only: the quantized matrices keep only their blocks; sessions and the full forward
   run on them (prefill too), close to the reference; what needs fp32 is refused until
   llm_model_params / llm_model_quantize fills the values in, which then equal a normal load's */
static void test_hf_quantized_only(t_ctx *t) {
    static const char *const names[] = { "llama_q8_0", "llama_q4_0", "llama_q4_k_m" };
    char path[256], note[300] = "";
    size_t k;
    for (k = 0; k < 3; k++) {
        llm_model *m = NULL, *full = NULL, *back = NULL;
        llm_model_desc d;
        llm_export_desc ed;
        llm_session_desc sd;
        llm_session *s = NULL;
        llm_trainer_desc td;
        llm_trainer *tr = NULL;
        llm_error e;
        th_ref r;
        double err, serr;
        int i, lazy = 0;
        snprintf(path, sizeof path, "tests/data/hf/%s.ref", names[k]);
        if (!th_ref_load(path, &r)) T_SKIP(t, "tests/data/hf missing");
        snprintf(path, sizeof path, "tests/data/hf/%s.gguf", names[k]);
        memset(&d, 0, sizeof d); d.quantized_only = 1;
        T_CHECK(t, llm_model_load(path, &d, &m, &e) == LLM_OK, "%s: %s", names[k], e.message);
        T_CHECK(t, llm_model_load(path, NULL, &full, &e) == LLM_OK, "%s", e.message);
        for (i = 1; i < m->n_tensors; i++) lazy += m->no_fp32 && m->no_fp32[i];
        T_CHECK(t, m->lazy && lazy == m->n_quant - 1, "%s: %d of %d copies without fp32", names[k], lazy, m->n_quant);
        err = th_forward_err(m, &r, &serr);
        /* every product with 8-bit activations: on this dim-32 model (one block per row) that costs
           up to 7e-2 of the largest logit; the same numbers as decoding token by token */
        T_CHECK(t, err < 0.1 && serr < 0.1, "%s: forward %.2e, session %.2e", names[k], err, serr);
        {
            float *lg = (float *)malloc(sizeof(float) * (size_t)r.T * (size_t)r.V);
            double diff = 0;
            int tk, j;
            llm_model_forward(m, NULL, r.tok, 1, r.T, lg, NULL);
            T_CHECK(t, llm_session_create(full, NULL, &s, &e) == LLM_OK, "%s", e.message);
            for (tk = 0; tk < r.T; tk++) {
                const float *l;
                llm_session_eval(s, r.tok + tk, 1, NULL);
                l = llm_session_logits(s);
                for (j = 0; j < r.V; j++) diff = fmax(diff, fabs((double)l[j] - lg[(size_t)tk * r.V + j]));
            }
            llm_session_free(s);
            s = NULL;
            free(lg);
            T_CHECK(t, diff == 0, "%s: the forward on the blocks differs from token-by-token decoding by %.2e",
                    names[k], diff);
        }
        memset(&ed, 0, sizeof ed);
        T_CHECK(t, llm_model_export(m, "tests/tmp_qo.gguf", &ed, &e) == LLM_ERR_UNSUPPORTED, "export accepted");
        memset(&td, 0, sizeof td); td.batch = 1; td.seq_len = 4;
        T_CHECK(t, llm_trainer_create(m, &td, &tr, &e) == LLM_ERR_UNSUPPORTED && !tr, "trainer accepted");
        memset(&sd, 0, sizeof sd); sd.backend = LLM_BACKEND_CUDA;
        if (llm_session_create(m, &sd, &s, &e) == LLM_OK) llm_session_free(s);   /* (refused either way) */
        else T_CHECK(t, e.message[0], "no message");
        /* saved as it is, it loads back as the normal load */
        T_CHECK(t, llm_model_save(m, "tests/tmp_qo.gguf", &e) == LLM_OK, "save: %s", e.message);
        T_CHECK(t, llm_model_load("tests/tmp_qo.gguf", NULL, &back, &e) == LLM_OK, "%s", e.message);
        T_CHECK(t, memcmp(back->params, full->params, full->n_params * sizeof(float)) == 0, "saved copy differs");
        llm_model_free(back);
        remove("tests/tmp_qo.gguf");
        /* llm_model_params fills in the fp32 values: then it is the normal load */
        T_CHECK(t, llm_model_params(m) && !m->lazy, "still lazy");
        T_CHECK(t, memcmp(m->params, full->params, full->n_params * sizeof(float)) == 0, "filled values differ");
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s %.0e/%.0e ", names[k] + 6, err, serr);
        llm_model_free(m); llm_model_free(full);
        free(r.logits);
    }
    T_NOTE(t, "forward/session rel err on the blocks alone: %s", note);
}

/* load -> export (safetensors F32/F16/BF16, GGUF) -> load: the same weights (or their rounding) */
static void test_hf_export_roundtrip(t_ctx *t) {
    static const char *const dirs[] = { "gpt2_f32", "llama_f32" };
    static const llm_type types[] = { LLM_TYPE_F32, LLM_TYPE_F16, LLM_TYPE_BF16 };
    const char *out = "tests/tmp_hf_export";
    char path[256];
    size_t k, j, i;
    for (k = 0; k < 2; k++) {
        llm_model *m = NULL;
        llm_error e;
        th_ref r;
        snprintf(path, sizeof path, "tests/data/hf/%s/model.ref", dirs[k]);
        if (!th_ref_load(path, &r)) T_SKIP(t, "tests/data/hf missing");
        snprintf(path, sizeof path, "tests/data/hf/%s", dirs[k]);
        T_CHECK(t, llm_model_load(path, NULL, &m, &e) == LLM_OK, "%s", e.message);
        for (j = 0; j < 3; j++) {
            llm_export_desc ed;
            llm_model *b = NULL;
            double err;
            memset(&ed, 0, sizeof ed);
            ed.format = LLM_FORMAT_SAFETENSORS; ed.type = types[j];
            T_CHECK(t, llm_model_export(m, out, &ed, &e) == LLM_OK, "export: %s", e.message);
            T_CHECK(t, llm_model_load(out, NULL, &b, &e) == LLM_OK, "load the export: %s", e.message);
            for (i = 0; i < m->n_params; i++) {
                unsigned char q[4];
                float back;
                llm__quant_row((int)types[j], m->params + i, q, 1);
                llm__dequant_row((int)types[j], q, &back, 1);
                if (back != b->params[i]) break;
            }
            T_CHECK(t, i == m->n_params, "%s %s: parameter %d differs after the round trip", dirs[k],
                    llm_type_name(types[j]), (int)i);
            err = th_forward_err(b, &r, NULL);
            T_CHECK(t, err < (j == 0 ? 1e-5 : j == 1 ? 1e-2 : 5e-2), "%s %s: logits rel err %.2e", dirs[k],
                    llm_type_name(types[j]), err);
            llm_model_free(b);
        }
        {   /* and a GGUF from a safetensors model */
            llm_model *b = NULL;
            snprintf(path, sizeof path, "%s/x.gguf", out);
            T_CHECK(t, llm_model_export(m, path, NULL, &e) == LLM_OK && llm_model_load(path, NULL, &b, &e) == LLM_OK,
                    "%s", e.message);
            T_CHECK(t, memcmp(b->params, m->params, m->n_params * sizeof(float)) == 0, "GGUF round trip differs");
            llm_model_free(b);
            remove(path);
        }
        llm_model_free(m);
        free(r.logits);
    }
    snprintf(path, sizeof path, "%s/config.json", out); remove(path);
    snprintf(path, sizeof path, "%s/model.safetensors", out); remove(path);
    {
        llm_export_desc ed;
        llm_error e;
        llm_model *m = NULL;
        llm_model_load("tests/data/hf/llama_f32", NULL, &m, NULL);
        memset(&ed, 0, sizeof ed); ed.format = LLM_FORMAT_SAFETENSORS; ed.type = LLM_TYPE_Q8_0;
        T_CHECK(t, llm_model_export(m, out, &ed, &e) == LLM_ERR_UNSUPPORTED, "Q8_0 safetensors accepted");
        llm_model_free(m);
    }
    T_NOTE(t, "GPT-2 and Llama: safetensors F32 exact, F16/BF16 = the rounded weights, GGUF exact");
}

/* copies a file, optionally changing bytes: at `at` (negative: from the end) write `patch`, or cut at `cut` */
static int th_copy(const char *from, const char *to, long at, const char *patch, long cut) {
    void *buf;
    size_t n;
    FILE *f;
    if (llm_read_file(from, NULL, &buf, &n, NULL) != LLM_OK) return 0;
    if (patch) {
        size_t pos = at < 0 ? n - (size_t)(-at) : (size_t)at;
        memcpy((char *)buf + pos, patch, strlen(patch));
    }
    if (cut >= 0 && (size_t)cut < n) n = (size_t)cut;
    f = fopen(to, "wb");
    if (f) { fwrite(buf, 1, n, f); fclose(f); }
    llm_free(NULL, buf);
    return f != NULL;
}
static void test_hf_damaged(t_ctx *t) {
    const char *dir = "tests/tmp_hf_bad", *src = "tests/data/hf/llama_f32";
    char a[256], b[256], cfg[256], st[256];
    struct { const char *what; int file; long at; const char *patch; long cut; } cases[] = {
        { "truncated data", 1, 0, NULL, 3000 },
        { "header size past the end", 1, 0, "\xff\xff\xff\x00", -1 },
        { "header size too small", 1, 0, "\x01\x00\x00\x00\x00\x00\x00\x00", -1 },
        { "truncated header", 1, 0, NULL, 200 },
        { "bad JSON in the header", 1, 8, "[", -1 },
        { "config: wrong model_type", 0, 0, "{\"model_type\": \"bert\"}", -1 },
        { "config: not JSON", 0, 0, "{\"model_type\": \"llama\", ", -1 },
    };
    size_t k;
    int refused = 0;
    llm__mkdir(dir);
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    snprintf(st, sizeof st, "%s/model.safetensors", dir);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        llm_model *m = NULL;
        llm_error e;
        llm_status s;
        snprintf(a, sizeof a, "%s/config.json", src);
        snprintf(b, sizeof b, "%s/model.safetensors", src);
        if (!th_copy(a, cfg, 0, NULL, -1) || !th_copy(b, st, 0, NULL, -1)) T_SKIP(t, "tests/data/hf missing");
        if (cases[k].file == 0) {   /* replace config.json */
            FILE *f = fopen(cfg, "wb");
            fputs(cases[k].patch, f);
            fclose(f);
        } else {
            th_copy(b, st, cases[k].at, cases[k].patch, cases[k].cut);
        }
        s = llm_model_load(dir, NULL, &m, &e);
        T_CHECK(t, s != LLM_OK && !m && e.message[0], "%s: accepted", cases[k].what);
        refused++;
    }
    {   /* a shape that does not fit the config, and a tensor missing: patch a name / a shape digit */
        llm_model *m = NULL;
        llm_error e;
        void *buf;
        size_t n;
        char *h;
        th_copy(a, cfg, 0, NULL, -1);
        llm_read_file(b, NULL, &buf, &n, NULL);
        h = strstr((char *)buf + 8, "model.norm.weight");
        if (h) h[6] = 'N';   /* model.Norm.weight */
        { FILE *f = fopen(st, "wb"); fwrite(buf, 1, n, f); fclose(f); }
        T_CHECK(t, llm_model_load(dir, NULL, &m, &e) == LLM_ERR_FORMAT && strstr(e.message, "model.norm.weight"),
                "missing tensor: %s", e.message);
        llm_free(NULL, buf);
        refused++;
        llm_read_file(b, NULL, &buf, &n, NULL);
        h = strstr((char *)buf + 8, "\"shape\":[64,32]");
        if (!h) h = strstr((char *)buf + 8, "\"shape\": [64, 32]");
        T_CHECK(t, h != NULL, "no shape to patch");
        h[strlen(h) > 10 && h[8] == '[' ? 9 : 10] = '3';   /* [34, 32]: bytes no longer match */
        { FILE *f = fopen(st, "wb"); fwrite(buf, 1, n, f); fclose(f); }
        T_CHECK(t, llm_model_load(dir, NULL, &m, &e) == LLM_ERR_FORMAT, "bad shape accepted");
        llm_free(NULL, buf);
        refused++;
    }
    {   /* an index naming a missing shard, or a path outside the directory */
        llm_model *m = NULL;
        llm_error e;
        FILE *f;
        char idx[256];
        snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", dir);
        f = fopen(idx, "wb");
        fputs("{\"weight_map\": {\"model.norm.weight\": \"nope.safetensors\"}}", f);
        fclose(f);
        T_CHECK(t, llm_model_load(dir, NULL, &m, &e) == LLM_ERR_IO, "missing shard: %s", e.message);
        f = fopen(idx, "wb");
        fputs("{\"weight_map\": {\"model.norm.weight\": \"../llama_f32/model.safetensors\"}}", f);
        fclose(f);
        T_CHECK(t, llm_model_load(dir, NULL, &m, &e) == LLM_ERR_FORMAT, "a shard outside the directory: %s", e.message);
        remove(idx);
        refused += 2;
    }
    {   /* safetensors bytes from memory: needs its config.json */
        llm_model *m = NULL;
        llm_error e;
        void *buf;
        size_t n;
        llm_read_file(b, NULL, &buf, &n, NULL);
        T_CHECK(t, llm_model_load_mem(buf, n, NULL, &m, &e) == LLM_ERR_UNSUPPORTED && strstr(e.message, "config.json"),
                "from memory: %s", e.message);
        llm_free(NULL, buf);
        refused++;
    }
    remove(cfg); remove(st);
    T_NOTE(t, "%d damaged directories refused", refused);
}

/* tokenizer.json: GPT-2's vocabulary written as Hugging Face writes it gives the same ids as
   encoder.json + vocab.bpe; a small handwritten one with escapes and ["a", "b"] merges */
static void test_hf_tokenizer_json(t_ctx *t) {
    llm_tokenizer *tk = NULL;
    llm_error e;
    int32_t ids[16];
    size_t n = 0;
    const char *enc_p = t_data_path("gpt2/encoder.json");
    char enc_buf[1024];
    const char *enc = enc_p ? strcpy(enc_buf, enc_p) : NULL;   /* (t_data_path's buffer is reused) */
    char small[8192];
    {   /* the 256 byte tokens in GPT-2's alphabet (as \uXXXX escapes), then "ab", "\u0120ab", "<|end|>" */
        uint32_t b2u[256];
        int16_t u2b[324];
        int b, len;
        llm__gpt2_byte_map(b2u, u2b);
        len = snprintf(
            small, sizeof small,
            "{\"version\": \"1.0\", \"added_tokens\": [{\"id\": 258, \"content\": \"<|end|>\", \"special\": true}],\n"
            " \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true},\n"
            " \"model\": {\"type\": \"BPE\", \"vocab\": {");
        for (b = 0; b < 256; b++)
            len += snprintf(small + len, sizeof small - (size_t)len, "\"\\u%04x\": %d, ", (unsigned)b2u[b], b);
        snprintf(small + len, sizeof small - (size_t)len,
                 "\"ab\": 256, \"\\u0120ab\": 257, \"<|end|>\": 258},\n  \"merges\": [[\"a\", \"b\"], \"\\u0120 "
                 "ab\"]}}");
    }
    T_CHECK(t, llm_tokenizer_load_mem(small, strlen(small), NULL, &tk, &e) == LLM_OK, "small: %s", e.message);
    T_CHECK(t, llm_tokenize(tk, "ab abc<|end|>", 13, LLM_TOKENIZE_ALLOW_SPECIAL, ids, 16, &n) == LLM_OK, "tokenize");
    T_CHECK(t, n == 4 && ids[0] == 256 && ids[1] == 257 && ids[2] == 'c' && ids[3] == 258,
            "small: 'ab abc<|end|>' gave %d ids (%d %d %d %d)", (int)n, ids[0], ids[1], ids[2], ids[3]);
    llm_tokenizer_free(tk);
    {   /* broken ones */
        static const char *const bad[] = {
            "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}",
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}", /* no pre_tokenizer */
            "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, "
            "\"merges\": [\"a q\"]}}", /* a merge of unknown tokens */
            "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, "
            "\"merges\": [",
        };
        size_t k;
        for (k = 0; k < 4; k++) {
            tk = NULL;
            T_CHECK(t, llm_tokenizer_load_mem(bad[k], strlen(bad[k]), NULL, &tk, &e) != LLM_OK && !tk,
                    "bad %d accepted", (int)k);
        }
    }
    {   /* a Llama directory: tokenizer.json is SentencePiece-style (byte_fallback), so tokenizer.model is read */
        const char *spm = t_data_path("llama2/tokenizer.model");
        if (spm) {
            const char *dir = "tests/tmp_tok_dir";
            char a[256];
            FILE *f;
            llm__mkdir(dir);
            snprintf(a, sizeof a, "%s/tokenizer.json", dir);
            f = fopen(a, "wb");
            fputs("{\"pre_tokenizer\": null, \"model\": {\"type\": \"BPE\", \"byte_fallback\": true, \"vocab\": {}, "
                  "\"merges\": []}}", f);
            fclose(f);
            snprintf(a, sizeof a, "%s/tokenizer.model", dir);
            th_copy(spm, a, 0, NULL, -1);
            tk = NULL;
            T_CHECK(t, llm_tokenizer_load(dir, NULL, &tk, &e) == LLM_OK && llm_tokenizer_vocab_size(tk) == 32000,
                    "Llama dir: %s", e.message);
            llm_tokenizer_free(tk);
            remove(a);
            snprintf(a, sizeof a, "%s/tokenizer.json", dir);
            T_CHECK(t,
                    llm_tokenizer_load(dir, NULL, &tk, &e) == LLM_ERR_UNSUPPORTED &&
                        strstr(e.message, "tokenizer.model"),
                    "byte_fallback tokenizer.json alone: %s", e.message);
            remove(a);
        }
    }
    if (!enc) T_SKIP(t, "small tokenizer.json ok; GPT-2 vocabulary not found for the full check");
    {
        void *ej, *vb;
        size_t en, vn, i, pos = 0;
        char vbp[1024];
        llm_tokenizer *ref = NULL;
        llm_tokenizer_desc d;
        FILE *f;
        const char *tj = "tests/tmp_tokenizer.json";
        static const char *const texts[] = { "Hello world! It's 2026, isn't it?  Spaces   and\ttabs\n\nnew lines",
                                             "naïve café — 日本語 🎉 <|endoftext|> end" };
        memcpy(vbp, enc, strlen(enc) - strlen("encoder.json"));
        strcpy(vbp + strlen(enc) - strlen("encoder.json"), "vocab.bpe");
        llm_read_file(enc, NULL, &ej, &en, NULL);
        llm_read_file(vbp, NULL, &vb, &vn, NULL);
        f = fopen(tj, "wb");
        fputs("{\"version\": \"1.0\", \"added_tokens\": [{\"id\": 50256, \"content\": \"<|endoftext|>\", \"special\": "
              "true}],"
              " \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, "
              "\"use_regex\": true}, \"model\": {\"type\": \"BPE\", \"dropout\": null, \"vocab\": ",
              f);
        fwrite(ej, 1, en, f);
        fputs(", \"merges\": [", f);
        for (i = 0; i < vn;) {   /* each vocab.bpe line after the first as a JSON string */
            size_t e2 = i;
            while (e2 < vn && ((char *)vb)[e2] != '\n') e2++;
            if (i > 0 && e2 > i) {
                size_t j;
                fputs(pos++ ? ", \"" : "\"", f);
                for (j = i; j < e2; j++) {
                    const unsigned char c = ((unsigned char *)vb)[j];
                    if (c == '"' || c == '\\') fputc('\\', f);
                    fputc(c, f);
                }
                fputc('"', f);
            }
            i = e2 + 1;
        }
        fputs("]}}", f);
        fclose(f);
        llm_free(NULL, ej); llm_free(NULL, vb);
        memset(&d, 0, sizeof d); d.path2 = vbp;
        T_CHECK(t, llm_tokenizer_load(enc, &d, &ref, &e) == LLM_OK, "%s", e.message);
        T_CHECK(t, llm_tokenizer_load(tj, NULL, &tk, &e) == LLM_OK, "tokenizer.json: %s", e.message);
        for (i = 0; i < 2; i++) {
            int32_t a[256], b[256];
            size_t na = 0, nb = 0, j;
            llm_tokenize(ref, texts[i], strlen(texts[i]), LLM_TOKENIZE_ALLOW_SPECIAL, a, 256, &na);
            llm_tokenize(tk, texts[i], strlen(texts[i]), LLM_TOKENIZE_ALLOW_SPECIAL, b, 256, &nb);
            T_CHECK(t, na == nb && na > 10, "text %d: %d vs %d ids", (int)i, (int)na, (int)nb);
            for (j = 0; j < na; j++) T_CHECK(t, a[j] == b[j], "text %d id %d: %d vs %d", (int)i, (int)j, a[j], b[j]);
        }
        T_CHECK(t, llm_tokenizer_eos(tk) == 50256, "eos %d", llm_tokenizer_eos(tk));
        llm_tokenizer_free(tk); llm_tokenizer_free(ref);
        remove(tj);
        (void)pos;
    }
    T_NOTE(t, "handwritten tokenizer.json + GPT-2's 50257 tokens / 50000 merges as tokenizer.json: same ids");
}

/* what a wrong file is told: a llama2.c file of any size but its own, text, a directory, a
   missing file, an empty buffer */
static void test_load_messages(t_ctx *t) {
    const int32_t h[7] = { 16, 32, 1, 2, 2, 8, 4 };   /* dim, hidden, layers, heads, kv heads, vocab (shared), seq */
    const size_t nf = 8 * 16 + 16 + 3 * 16 * 16 + 16 * 16 + 16 + 3 * 32 * 16 + 16, rope = 4 * 8;
    unsigned char *b = (unsigned char *)calloc(28 + 4 * (nf + rope) + 64, 1);
    llm_model *m = NULL;
    llm_error e;
    int i, k;
    for (i = 0; i < 7; i++) llm__put_le(b + 4 * i, (uint32_t)h[i], 4);
    for (k = 0; k < 2; k++) {   /* with and without the RoPE tables: loads */
        const size_t n = 28 + 4 * (nf + (k ? 0 : rope));
        T_CHECK(t, llm_model_load_mem(b, n, NULL, &m, &e) == LLM_OK, "llama2.c %s RoPE tables: %s",
                k ? "without" : "with", e.message);
        llm_model_free(m);
        m = NULL;
        T_CHECK(t, llm_model_load_mem(b, n + 4, NULL, &m, &e) == LLM_ERR_FORMAT && strstr(e.message, "needs"),
                "a longer llama2.c file: %s", e.message);
        T_CHECK(t, llm_model_load_mem(b, n - 4, NULL, &m, &e) == LLM_ERR_FORMAT, "a shorter one: %s", e.message);
    }
    llm__put_le(b + 20, 3, 4);   /* vocab 3 in a file holding 8 rows */
    T_CHECK(t, llm_model_load_mem(b, 28 + 4 * (nf + rope), NULL, &m, &e) == LLM_ERR_FORMAT && !m, "vocab 3 accepted");
    free(b);
    T_CHECK(t,
            llm_model_load("README.md", NULL, &m, &e) == LLM_ERR_FORMAT && strstr(e.message, "not a recognised model"),
            "text: %s", e.message);
    T_CHECK(t, llm_model_load("tests", NULL, &m, &e) == LLM_ERR_IO && strstr(e.message, "directory"), "dir: %s",
            e.message);
    T_CHECK(t,
            llm_model_load("tests/no_such_file.gguf", NULL, &m, &e) == LLM_ERR_IO &&
                strstr(e.message, "cannot open '") && strlen(e.message) > 40,
            "missing: %s", e.message);
    T_CHECK(t, llm_model_load_mem("", 0, NULL, &m, &e) == LLM_ERR_FORMAT && strstr(e.message, "0 bytes"), "empty: %s",
            e.message);
    {   /* a GGUF whose keys ask for more parameters than its tensors hold is refused before allocating */
        llm_model_desc d;
        size_t n = 0;
        unsigned char *g;
        char *k;
        memset(&d, 0, sizeof d);
        d.config.arch = LLM_ARCH_LLAMA; d.config.n_layer = 1; d.config.n_head = 2; d.config.dim = 32;
        d.config.vocab_size = 64; d.config.max_seq_len = 16;
        llm_model_create(&d, &m, NULL);
        llm_model_save_mem(m, NULL, 0, &n, NULL);
        g = (unsigned char *)malloc(n);
        llm_model_save_mem(m, g, n, &n, NULL);
        llm_model_free(m);
        m = NULL;
        for (k = (char *)g; k + 17 < (char *)g + n && memcmp(k, "llama.block_count", 17) != 0; k++) {}
        T_CHECK(t, k + 17 < (char *)g + n, "no block_count key");
        llm__put_le((unsigned char *)k + 17 + 4, 1000, 4);   /* (after the key: u32 type, then the value) */
        T_CHECK(t, llm_model_load_mem(g, n, NULL, &m, &e) == LLM_ERR_FORMAT && strstr(e.message, "the config needs"),
                "1000 layers from a %d-byte file: %s", (int)n, e.message);
        llm__put_le((unsigned char *)k + 17 + 4, 1, 4);
        T_CHECK(t, llm_model_load_mem(g, n, NULL, &m, &e) == LLM_OK, "restored: %s", e.message);
        llm_model_free(m);
        m = NULL;
        /* padded vocabulary rows (not stored) count up to as many values as the file holds, no more:
           found by fuzz_model, a 6 KB file with llm.padded_vocab_size 16449600 allocated 2.1 GB */
        for (k = (char *)g; k + 21 < (char *)g + n && memcmp(k, "llm.padded_vocab_size", 21) != 0; k++) {}
        T_CHECK(t, k + 21 < (char *)g + n, "no padded_vocab_size key");
        llm__put_le((unsigned char *)k + 21 + 4, 16449600, 4);
        T_CHECK(t, llm_model_load_mem(g, n, NULL, &m, &e) == LLM_ERR_FORMAT && strstr(e.message, "the config needs"),
                "padded vocabulary 16449600 from a %d-byte file: %s", (int)n, e.message);
        free(g);
    }
    T_NOTE(t, "%s", e.message);
}

static const t_case hf_tests[] = {
    {"load_messages", test_load_messages},
    {"hf_safetensors_vs_torch", test_hf_safetensors},
    {"hf_gguf_types_vs_torch", test_hf_gguf_types},
    {"hf_quantized_only", test_hf_quantized_only},
    {"hf_export_roundtrip", test_hf_export_roundtrip},
    {"hf_damaged_refused", test_hf_damaged},
    {"hf_tokenizer_json", test_hf_tokenizer_json},
};
