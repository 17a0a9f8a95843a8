/* tests/test_arch.c - today's small model families from their files: Llama 3.x (llama3 and
   linear RoPE scaling, tied and untied), SmolLM2, Qwen2, Qwen3 and Gemma 3 as Hugging Face
   directories and as llama.cpp GGUF files (tests/ref/gen_arch_fixtures.py: float64 PyTorch
   logits of every position and greedy ids, written from the transformers semantics of each
   model type); export -> load round trips in both formats (GGUF tensors byte for byte as
   llama.cpp lays them out); configs and files llm.h cannot run refused, naming what. */

typedef struct ta_ref { int T, V, G; int32_t tok[32], greedy[32]; double *logits; } ta_ref;
static int ta_ref_load(const char *name, ta_ref *r) {
    char path[256];
    size_t n;
    void *buf;
    const unsigned char *p;
    int i;
    snprintf(path, sizeof path, "tests/data/arch/%s/model.ref", name);
    if (llm_read_file(path, NULL, &buf, &n, NULL) != LLM_OK) return 0;
    p = (const unsigned char *)buf;
    r->T = (int)llm__rd_u32(p + 4); r->V = (int)llm__rd_u32(p + 8); r->G = (int)llm__rd_u32(p + 12);
    if (n < 16 || memcmp(p, "LLMA", 4) != 0 || r->T > 32 || r->G > 32 ||
        n != 16 + 4 * (size_t)(r->T + r->G) + 8 * (size_t)r->T * (size_t)r->V) {
        llm_free(NULL, buf);
        return 0;
    }
    for (i = 0; i < r->T; i++) r->tok[i] = (int32_t)llm__rd_u32(p + 16 + 4 * i);
    r->logits = (double *)malloc(sizeof(double) * (size_t)r->T * (size_t)r->V);
    memcpy(r->logits, p + 16 + 4 * r->T, sizeof(double) * (size_t)r->T * (size_t)r->V);
    t_le(r->logits, (size_t)r->T * (size_t)r->V, 8);
    for (i = 0; i < r->G; i++)
        r->greedy[i] =
            (int32_t)llm__rd_u32(p + 16 + 4 * (size_t)r->T + 8 * (size_t)r->T * (size_t)r->V + 4 * (size_t)i);
    llm_free(NULL, buf);
    return 1;
}
/* max |a - ref| / max |ref| */
static double ta_err(const float *a, const double *ref, size_t n) {
    double mx = 0, mr = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        mx = fmax(mx, fabs((double)a[i] - ref[i]));
        mr = fmax(mr, fabs(ref[i]));
    }
    return mx / mr;
}
/* The full forward of every position against the reference (returns its error), the session's
   last logits (*serr) and the greedy continuation through the session (*greedy_ok). */
static double ta_check(llm_model *m, const ta_ref *r, double *serr, int *greedy_ok) {
    float *lg = (float *)malloc(sizeof(float) * (size_t)r->T * (size_t)r->V);
    double e = 1e9;
    llm_session *s = NULL;
    int g;
    *serr = 1e9; *greedy_ok = 0;
    if (llm_model_forward(m, NULL, r->tok, 1, r->T, lg, NULL) == LLM_OK) e = ta_err(lg, r->logits, (size_t)r->T * r->V);
    if (llm_session_create(m, NULL, &s, NULL) == LLM_OK && llm_session_eval(s, r->tok, r->T, NULL) == LLM_OK) {
        *serr = ta_err(llm_session_logits(s), r->logits + (size_t)(r->T - 1) * r->V, (size_t)r->V);
        for (g = 0; g < r->G; g++) {
            const float *l = llm_session_logits(s);
            int32_t best = 0, v;
            for (v = 1; v < r->V; v++) if (l[v] > l[best]) best = v;
            if (best != r->greedy[g] || llm_session_eval(s, &best, 1, NULL) != LLM_OK) break;
        }
        *greedy_ok = g == r->G;
    }
    llm_session_free(s);
    free(lg);
    return e;
}

static const char *const ta_names[] = { "llama3", "llama3_tied", "llama_linear", "smollm2", "qwen2", "qwen3", "gemma3",
                                        "gemma3_bf16" };
#define TA_N ((int)(sizeof ta_names / sizeof ta_names[0]))

/* both files of every fixture: logits of every position, the session, greedy ids; the GGUF's
   weights equal the safetensors' after the conversions (permutations, Gemma's + 1) */
static void test_arch_files(t_ctx *t) {
    char path[256], note[500] = "";
    double worst = 0, sworst = 0;
    int k, f;
    for (k = 0; k < TA_N; k++) {
        llm_model *m[2] = { NULL, NULL };
        ta_ref r;
        if (!ta_ref_load(ta_names[k], &r)) T_SKIP(t, "tests/data/arch missing (tests/ref/gen_arch_fixtures.py)");
        for (f = 0; f < 2; f++) {
            llm_error e;
            double err, serr;
            int gok;
            if (f == 1 && strcmp(ta_names[k], "gemma3_bf16") == 0) break;
            snprintf(path, sizeof path, f ? "tests/data/arch/%s/model.gguf" : "tests/data/arch/%s", ta_names[k]);
            T_CHECK(t, llm_model_load(path, NULL, &m[f], &e) == LLM_OK, "%s: %s", path, e.message);
            err = ta_check(m[f], &r, &serr, &gok);
            T_CHECK(t, err < 1e-5, "%s: logits rel err %.2e vs PyTorch", path, err);
            T_CHECK(t, serr < 1e-5, "%s: session logits rel err %.2e vs PyTorch", path, serr);
            T_CHECK(t, gok, "%s: greedy ids differ from PyTorch's", path);
            worst = fmax(worst, err); sworst = fmax(sworst, serr);
        }
        if (m[1])
            T_CHECK(t, m[0]->n_params == m[1]->n_params &&
                       memcmp(m[0]->params, m[1]->params, m[0]->n_params * sizeof(float)) == 0 &&
                       memcmp(&m[0]->cfg, &m[1]->cfg, sizeof m[0]->cfg) == 0,
                    "%s: the GGUF's weights or config differ from the safetensors'", ta_names[k]);
        llm_model_free(m[0]); llm_model_free(m[1]);
        free(r.logits);
    }
    snprintf(note, sizeof note, "%d fixtures x HF/GGUF: worst logits rel err %.1e (session %.1e) vs PyTorch, "
             "greedy ids equal", TA_N, worst, sworst);
    T_NOTE(t, "%s", note);
}

/* what the configs say arrives in llm_config */
static void test_arch_config(t_ctx *t) {
    llm_model *m = NULL;
    llm_error e;
    const llm_config *c;
    if (llm_model_load("tests/data/arch/llama3", NULL, &m, &e) != LLM_OK) T_SKIP(t, "tests/data/arch missing");
    c = llm_model_config(m);
    T_CHECK(t, c->arch == LLM_ARCH_LLAMA && c->rope_type == LLM_ROPE_LLAMA3 && c->rope_factor == 8 &&
               c->rope_low_freq_factor == 1 && c->rope_high_freq_factor == 4 && c->rope_orig_max_pos == 256 &&
               c->untied_head && c->rope_theta == 500000.f, "llama3: config not taken");
    llm_model_free(m);
    T_CHECK(t, llm_model_load("tests/data/arch/llama3_tied/model.gguf", NULL, &m, &e) == LLM_OK, "%s", e.message);
    c = llm_model_config(m);   /* rope_freqs.weight of a llama.cpp file: recognised as these parameters */
    T_CHECK(t, c->rope_type == LLM_ROPE_LLAMA3 && c->rope_factor == 32 && c->rope_orig_max_pos == 512 &&
               !c->untied_head, "llama3_tied.gguf: rope_freqs not recognised (factor %g, orig %d)",
            (double)c->rope_factor, c->rope_orig_max_pos);
    llm_model_free(m);
    T_CHECK(t, llm_model_load("tests/data/arch/llama_linear/model.gguf", NULL, &m, &e) == LLM_OK, "%s", e.message);
    c = llm_model_config(m);
    T_CHECK(t, c->rope_type == LLM_ROPE_LINEAR && c->rope_factor == 4, "llama_linear.gguf: linear scaling not taken");
    llm_model_free(m);
    {   /* the rope_freqs of Llama 3.1 8B (hs 128, factor 8) and 3.2 1B (hs 64, factor 32), as llama.cpp writes
           them (llm.h's llm.rope.* keys renamed away): recognised */
        static const int hs[2] = { 128, 64 };
        static const float fac[2] = { 8, 32 };
        int v;
        for (v = 0; v < 2; v++) {
            llm_model_desc d;
            size_t n = 0, i;
            unsigned char *buf;
            memset(&d, 0, sizeof d);
            d.config.arch = LLM_ARCH_LLAMA; d.config.n_layer = 1; d.config.n_head = 2; d.config.dim = 2 * hs[v];
            d.config.ffn_dim = 32; d.config.vocab_size = 8; d.config.max_seq_len = 16; d.config.rope_theta = 500000;
            d.config.rope_type = LLM_ROPE_LLAMA3; d.config.rope_factor = fac[v];
            T_CHECK(t, llm_model_create(&d, &m, &e) == LLM_OK, "create: %s", e.message);
            llm_model_save_mem(m, NULL, 0, &n, NULL);
            buf = (unsigned char *)malloc(n);
            T_CHECK(t, llm_model_save_mem(m, buf, n, &n, &e) == LLM_OK, "save: %s", e.message);
            llm_model_free(m); m = NULL;
            for (i = 0; i + 9 < n; i++)
                if (memcmp(buf + i, "llm.rope.", 9) == 0) buf[i + 4] = 'X';
            T_CHECK(t, llm_model_load_mem(buf, n, NULL, &m, &e) == LLM_OK, "load: %s", e.message);
            free(buf);
            c = llm_model_config(m);
            T_CHECK(t, c->rope_type == LLM_ROPE_LLAMA3 && c->rope_factor == fac[v] && c->rope_orig_max_pos == 8192 &&
                       c->rope_low_freq_factor == 1 && c->rope_high_freq_factor == 4,
                    "hs %d: rope_freqs not recognised as Llama 3's (factor %g, orig %d)", hs[v],
                    (double)c->rope_factor, c->rope_orig_max_pos);
            llm_model_free(m); m = NULL;
        }
    }
    T_CHECK(t, llm_model_load("tests/data/arch/qwen3", NULL, &m, &e) == LLM_OK, "%s", e.message);
    c = llm_model_config(m);
    T_CHECK(t, c->arch == LLM_ARCH_QWEN3 && c->head_dim == 16 && c->dim == 32 && c->n_head == 4 && !c->untied_head,
            "qwen3: config not taken");
    llm_model_free(m);
    T_CHECK(t, llm_model_load("tests/data/arch/gemma3", NULL, &m, &e) == LLM_OK, "%s", e.message);
    c = llm_model_config(m);
    T_CHECK(t, c->arch == LLM_ARCH_GEMMA3 && c->sliding_window == 4 && c->sliding_pattern == 3 &&
               c->rope_local_theta == 10000.f && fabsf(c->attn_scale - 1.0f / sqrtf(24.f)) < 1e-7f &&
               c->rope_type == LLM_ROPE_LINEAR && c->rope_factor == 8 && c->head_dim == 16 && c->norm_eps == 1e-6f,
            "gemma3: config not taken");
    llm_model_free(m);
}

/* the tensors of GGUF b are in GGUF a, byte for byte (all F32) */
static int ta_gguf_same(const char *a, const char *b, char *why, size_t cap) {
    llm__src sa, sb;
    llm__gguf ga, gb;
    size_t i;
    int ok = 1;
    memset(&ga, 0, sizeof ga); memset(&gb, 0, sizeof gb);
    memset(&sa, 0, sizeof sa); memset(&sb, 0, sizeof sb);
    snprintf(why, cap, "cannot open or parse the files");
    if (llm__src_open_map(&sa, a, NULL, 0, 0, NULL) != LLM_OK ||
        llm__src_open_map(&sb, b, NULL, 0, 0, NULL) != LLM_OK ||
        llm__gguf_open(&ga, &sa, NULL, NULL) != LLM_OK || llm__gguf_open(&gb, &sb, NULL, NULL) != LLM_OK)
        ok = 0;
    for (i = 0; ok && i < gb.n_t; i++) {
        const llm__gguf_tensor *tb = &gb.t[i], *ta;
        char nm[96];
        size_t bytes;
        unsigned char *x, *y;
        snprintf(nm, sizeof nm, "%.*s", (int)tb->nlen, tb->name);
        ta = llm__gguf_tensor_find(&ga, nm);
        if (!ta || ta->type != tb->type || ta->nelem != tb->nelem || tb->type != 0) {
            snprintf(why, cap, "tensor %s missing or of another shape or type", nm);
            ok = 0;
            break;
        }
        bytes = (size_t)tb->nelem * 4;
        x = (unsigned char *)malloc(bytes); y = (unsigned char *)malloc(bytes);
        if (llm__src_read(&sa, ta->offset, x, bytes, NULL) != LLM_OK ||
            llm__src_read(&sb, tb->offset, y, bytes, NULL) != LLM_OK || memcmp(x, y, bytes) != 0) {
            snprintf(why, cap, "tensor %s differs", nm);
            ok = 0;
        }
        free(x); free(y);
    }
    llm__gguf_close(&ga); llm__gguf_close(&gb);
    llm__src_close(&sa); llm__src_close(&sb);
    return ok;
}

/* export -> load: HF (F32) and GGUF (F32) give the same weights and config back; llm_model_save
   too; the GGUF export's tensors are the llama.cpp file's, byte for byte (permutations back to
   NEOX order, Gemma's + 1, rope_freqs.weight) */
static void test_arch_roundtrip(t_ctx *t) {
    const char *dir = "tests/tmp_arch_export", *gg = "tests/tmp_arch_export.gguf";
    char path[256], why[200];
    int k, f;
    for (k = 0; k < TA_N - 1; k++) {   /* (gemma3_bf16: the same model as gemma3) */
        llm_model *m = NULL;
        llm_error e;
        snprintf(path, sizeof path, "tests/data/arch/%s", ta_names[k]);
        if (llm_model_load(path, NULL, &m, &e) != LLM_OK) T_SKIP(t, "tests/data/arch missing");
        for (f = 0; f < 3; f++) {
            llm_model *b = NULL;
            llm_export_desc ed;
            memset(&ed, 0, sizeof ed);
            ed.format = f == 0 ? LLM_FORMAT_SAFETENSORS : LLM_FORMAT_GGUF;
            T_CHECK(t, (f == 2 ? llm_model_save(m, gg, &e) : llm_model_export(m, f == 0 ? dir : gg, &ed, &e)) == LLM_OK,
                    "%s: export %d: %s", ta_names[k], f, e.message);
            T_CHECK(t, llm_model_load(f == 0 ? dir : gg, NULL, &b, &e) == LLM_OK, "%s: reload %d: %s", ta_names[k], f,
                    e.message);
            T_CHECK(t, b->n_params == m->n_params && memcmp(&b->cfg, &m->cfg, sizeof m->cfg) == 0,
                    "%s: format %d: the config differs after the round trip", ta_names[k], f);
            T_CHECK(t, memcmp(b->params, m->params, m->n_params * sizeof(float)) == 0,
                    "%s: format %d: the weights differ after the round trip", ta_names[k], f);
            llm_model_free(b);
            if (f == 1) {
                snprintf(path, sizeof path, "tests/data/arch/%s/model.gguf", ta_names[k]);
                T_CHECK(t, ta_gguf_same(gg, path, why, sizeof why), "%s: GGUF export vs llama.cpp's layout: %s",
                        ta_names[k], why);
            }
        }
        llm_model_free(m);
    }
    snprintf(path, sizeof path, "%s/config.json", dir); remove(path);
    snprintf(path, sizeof path, "%s/model.safetensors", dir); remove(path);
    remove(dir); remove(gg);
    T_NOTE(t, "%d families: HF, GGUF export and save -> load exact; GGUF tensors = llama.cpp's", TA_N - 1);
}

/* config.json: one edit of a fixture's config each, refused with the status and a message
   naming what */
static int ta_copy(const char *from, const char *to, const char *find, const char *repl) {
    void *buf;
    size_t n;
    FILE *f;
    char *p;
    if (llm_read_file(from, NULL, &buf, &n, NULL) != LLM_OK) return 0;
    f = fopen(to, "wb");
    if (!f) { llm_free(NULL, buf); return 0; }
    p = find ? strstr((char *)buf, find) : NULL;   /* (config.json: text without NULs; a file: find == NULL) */
    if (find && (!p || (size_t)(p - (char *)buf) >= n)) { fclose(f); llm_free(NULL, buf); return 0; }
    if (p) {
        fwrite(buf, 1, (size_t)(p - (char *)buf), f);
        fputs(repl, f);
        fwrite(p + strlen(find), 1, n - (size_t)(p - (char *)buf) - strlen(find), f);
    } else fwrite(buf, 1, n, f);
    fclose(f);
    llm_free(NULL, buf);
    return 1;
}
static void test_arch_refused(t_ctx *t) {
    static const struct { const char *src, *find, *repl; llm_status want; const char *names; } cases[] = {
        { "qwen2", "\"model_type\": \"qwen2\"", "\"model_type\": \"mistral\"", LLM_ERR_UNSUPPORTED, "mistral" },
        { "qwen2", "\"Qwen2ForCausalLM\"", "\"Qwen2MoeForCausalLM\"", LLM_ERR_UNSUPPORTED, "Qwen2MoeForCausalLM" },
        { "qwen2", "\"use_sliding_window\": false", "\"use_sliding_window\": true", LLM_ERR_UNSUPPORTED,
          "use_sliding_window" },
        { "qwen3", "\"vocab_size\"", "\"moe_intermediate_size\": 8, \"vocab_size\"", LLM_ERR_UNSUPPORTED,
          "moe_intermediate_size" },
        { "qwen3", "\"attention_bias\": false", "\"attention_bias\": true", LLM_ERR_UNSUPPORTED, "attention_bias" },
        { "llama3", "\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\"", LLM_ERR_UNSUPPORTED, "yarn" },
        { "llama3", "\"factor\": 8.0,", "\"factor\": 8.0, \"attention_factor\": 2.0,", LLM_ERR_UNSUPPORTED,
          "attention_factor" },
        { "llama3", "\"original_max_position_embeddings\": 256", "\"x\": 1", LLM_ERR_UNSUPPORTED, "\"x\"" },
        { "llama3", "\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"", LLM_ERR_UNSUPPORTED, "silu" },
        { "llama3", "\"mlp_bias\": false", "\"mlp_bias\": true", LLM_ERR_UNSUPPORTED, "mlp_bias" },
        { "smollm2", "\"rope_interleaved\": false", "\"rope_interleaved\": true", LLM_ERR_UNSUPPORTED,
          "rope_interleaved" },
        { "gemma3", "\"final_logit_softcapping\": null", "\"final_logit_softcapping\": 30.0", LLM_ERR_UNSUPPORTED,
          "soft-capping" },
        { "gemma3", "\"sliding_attention\"", "\"full_attention\"", LLM_ERR_UNSUPPORTED, "layer_types" },
        { "gemma3", "\"gelu_pytorch_tanh\"", "\"gelu\"", LLM_ERR_UNSUPPORTED, "gelu_pytorch_tanh" },
        { "gemma3", "\"gemma3_text\"", "\"gemma3\"", LLM_ERR_UNSUPPORTED, "gemma3" },
        { "gemma3", "\"rope_type\": \"linear\"", "\"rope_type\": \"dynamic\"", LLM_ERR_UNSUPPORTED, "dynamic" },
    };
    const char *dir = "tests/tmp_arch_bad";
    char a[256], b[256];
    size_t k;
    llm__mkdir(dir);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        llm_model *m = NULL;
        llm_error e;
        llm_status s;
        snprintf(a, sizeof a, "tests/data/arch/%s/model.safetensors", cases[k].src);
        snprintf(b, sizeof b, "%s/model.safetensors", dir);
        if (!ta_copy(a, b, NULL, NULL)) T_SKIP(t, "tests/data/arch missing");
        snprintf(a, sizeof a, "tests/data/arch/%s/config.json", cases[k].src);
        snprintf(b, sizeof b, "%s/config.json", dir);
        T_CHECK(t, ta_copy(a, b, cases[k].find, cases[k].repl), "case %d: '%s' not in %s", (int)k, cases[k].find, a);
        s = llm_model_load(dir, NULL, &m, &e);
        T_CHECK(t, s == cases[k].want && !m && strstr(e.message, cases[k].names),
                "case %d (%s): status %d, message '%s'", (int)k, cases[k].repl, (int)s, s ? e.message : "");
    }
    snprintf(b, sizeof b, "%s/config.json", dir); remove(b);
    snprintf(b, sizeof b, "%s/model.safetensors", dir); remove(b);
    remove(dir);
    T_NOTE(t, "%d config.json edits refused, each naming what", (int)(sizeof cases / sizeof cases[0]));
}

/* GGUF: an unknown architecture, an unknown <arch>.* key, a rope scaling type, a tensor the
   family has not, a rope_freqs.weight that is not Llama 3's */
static void test_arch_gguf_refused(t_ctx *t) {
    static const struct { const char *src, *find, *repl; int all; const char *names; } cases[] = {
        { "qwen3", "qwen3", "qwenX", 1, "qwenX" },
        { "qwen3", "qwen3.rope.freq_base", "qwen3.rope.freq_bXse", 0, "qwen3.rope.freq_bXse" },
        { "llama_linear", "linear", "yarnxx", 0, "yarnxx" },
        { "qwen2", "blk.0.attn_output.weight", "blk.0.attn_outpXt.weight", 0, "blk.0.attn_outpXt.weight" },
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        void *buf;
        size_t n, i, l = strlen(cases[k].find);
        unsigned char *p;
        llm_model *m = NULL;
        llm_error e;
        llm_status s;
        char path[256];
        int hit = 0;
        snprintf(path, sizeof path, "tests/data/arch/%s/model.gguf", cases[k].src);
        if (llm_read_file(path, NULL, &buf, &n, NULL) != LLM_OK) T_SKIP(t, "tests/data/arch missing");
        p = (unsigned char *)buf;
        for (i = 0; i + l <= n; i++)
            if (memcmp(p + i, cases[k].find, l) == 0 && (cases[k].all || !hit)) {
                memcpy(p + i, cases[k].repl, l);
                hit++;
            }
        s = hit ? llm_model_load_mem(buf, n, NULL, &m, &e) : LLM_OK;
        llm_free(NULL, buf);
        T_CHECK(t, hit && s == LLM_ERR_UNSUPPORTED && !m && strstr(e.message, cases[k].names),
                "case %d: status %d, message '%s'", (int)k, (int)s, s ? e.message : "");
    }
    {   /* rope_freqs.weight of llama3: one factor changed, then all set to 2 */
        void *buf;
        size_t n;
        llm__src src;
        llm__gguf g;
        const llm__gguf_tensor *rf;
        llm_model *m = NULL;
        llm_error e;
        llm_status s;
        float two = 2.0f;
        uint64_t off = 0;
        int pass;
        if (llm_read_file("tests/data/arch/llama3/model.gguf", NULL, &buf, &n, NULL) != LLM_OK)
            T_SKIP(t, "tests/data/arch missing");
        if (llm__src_open(&src, NULL, buf, n, NULL) == LLM_OK && llm__gguf_open(&g, &src, NULL, NULL) == LLM_OK) {
            if ((rf = llm__gguf_tensor_find(&g, "rope_freqs.weight")) != NULL) off = rf->offset;
            llm__gguf_close(&g);
        }
        T_CHECK(t, off > 0, "llama3/model.gguf: no rope_freqs.weight");
        for (pass = 0; pass < 2; pass++) {
            unsigned char *p = (unsigned char *)buf + off;
            int j;
            if (pass == 0) { float f; memcpy(&f, p + 4, 4); f *= 1.01f; memcpy(p + 4, &f, 4); }
            else for (j = 0; j < 4; j++) memcpy(p + 4 * j, &two, 4);
            s = llm_model_load_mem(buf, n, NULL, &m, &e);
            T_CHECK(t, s == LLM_ERR_UNSUPPORTED && !m && strstr(e.message, "rope_freqs"), "rope_freqs pass %d: %d %s",
                    pass, (int)s, s ? e.message : "");
        }
        llm_free(NULL, buf);
    }
    T_NOTE(t, "unknown architecture / key / rope scaling / tensor, and foreign rope_freqs refused");
}

/* Quantized GGUF of the families whose q/k rows are permuted on the way (their blocks are
   moved with them): a Q8_0 export reloads (mapped, and quantized_only) identical
   block for block to the in-memory quantized model's; a LoRA adapter of q/k round-trips its (permuted) rows */
static void test_arch_quant_lora(t_ctx *t) {
    static const char *const names[] = { "qwen2", "qwen3", "gemma3", "llama3" };
    const char *gg = "tests/tmp_arch_q8.gguf";
    char path[256], note[300] = "";
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        llm_model *m = NULL, *q = NULL, *qo = NULL;
        llm_export_desc ed;
        llm_model_desc d;
        llm_lora_desc ld;
        llm_lora *lo = NULL, *lo2 = NULL;
        llm_error e;
        ta_ref r;
        double serr[3];
        int gok, i;
        void *buf;
        size_t n, need = 0;
        if (!ta_ref_load(names[k], &r)) T_SKIP(t, "tests/data/arch missing");
        snprintf(path, sizeof path, "tests/data/arch/%s", names[k]);
        T_CHECK(t, llm_model_load(path, NULL, &m, &e) == LLM_OK, "%s: %s", path, e.message);
        memset(&ed, 0, sizeof ed); ed.format = LLM_FORMAT_GGUF; ed.type = LLM_TYPE_Q8_0;
        T_CHECK(t, llm_model_export(m, gg, &ed, &e) == LLM_OK, "%s: export Q8_0: %s", names[k], e.message);
        memset(&d, 0, sizeof d); d.quantized_only = 1;
        T_CHECK(t, llm_model_load(gg, NULL, &q, &e) == LLM_OK && llm_model_load(gg, &d, &qo, &e) == LLM_OK,
                "%s: reload Q8_0: %s", names[k], e.message);
        T_CHECK(t, llm_model_quantize(m, LLM_TYPE_Q8_0, &e) == LLM_OK, "%s: quantize: %s", names[k], e.message);
        for (i = 0; i < m->n_tensors; i++) {   /* the same blocks, row for row; the fp32 values are theirs */
            const llm_tensor_info *ti = &m->tensors[i];
            const size_t rb = llm__row_bytes((int)ti->type, (size_t)ti->shape[1]);
            float row[256];
            int64_t rr;
            if (!m->qdata[i]) continue;
            T_CHECK(t, q->qdata[i] && qo->qdata[i] &&
                       memcmp(m->qdata[i], q->qdata[i], rb * (size_t)ti->shape[0]) == 0 &&
                       memcmp(m->qdata[i], qo->qdata[i], rb * (size_t)ti->shape[0]) == 0,
                    "%s: %s: the reloaded blocks differ", names[k], ti->name);
            for (rr = 0; rr < ti->shape[0] && ti->shape[1] <= 256; rr++) {
                llm__dequant_row((int)ti->type, q->qdata[i] + (size_t)rr * rb, row, (size_t)ti->shape[1]);
                T_CHECK(t, memcmp(row, q->params + ti->offset + (size_t)(rr * ti->shape[1]),
                                  (size_t)ti->shape[1] * sizeof(float)) == 0,
                        "%s: %s: fp32 row %d is not its blocks'", names[k], ti->name, (int)rr);
            }
        }
        ta_check(m, &r, &serr[0], &gok);
        ta_check(q, &r, &serr[1], &gok);
        ta_check(qo, &r, &serr[2], &gok);
        T_CHECK(t, serr[0] < 3e-2 && serr[1] < 5e-2 && serr[2] < 1e-1,
                "%s: Q8_0 session rel err %.2e in memory, %.2e reloaded, %.2e quantized_only", names[k], serr[0],
                serr[1], serr[2]);
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s %.0e/%.0e/%.0e ", names[k], serr[0], serr[1],
                 serr[2]);
        llm_model_free(q); llm_model_free(qo);
        /* LoRA of q and k: saved (halves order in the file) and read back */
        memset(&ld, 0, sizeof ld); ld.rank = 2; ld.alpha = 4; ld.targets = LLM_LORA_Q | LLM_LORA_K | LLM_LORA_V;
        T_CHECK(t, llm_lora_create(m, &ld, &lo, &e) == LLM_OK, "%s: lora_create: %s", names[k], e.message);
        for (i = 0; i < (int)llm_lora_num_params(lo); i++) llm_lora_params(lo)[i] = (float)((i * 37 % 101) - 50) / 64.f;
        llm_lora_save_mem(lo, NULL, 0, &need, NULL);
        buf = malloc(need);
        T_CHECK(t, llm_lora_save_mem(lo, buf, need, &n, &e) == LLM_OK && llm_lora_load_mem(m, buf, n, NULL, &lo2, &e) ==
                   LLM_OK, "%s: LoRA round trip: %s", names[k], e.message);
        T_CHECK(t, llm_lora_num_params(lo2) == llm_lora_num_params(lo) &&
                   memcmp(llm_lora_params(lo2), llm_lora_params(lo), llm_lora_num_params(lo) * sizeof(float)) == 0,
                "%s: LoRA weights differ after the round trip", names[k]);
        free(buf);
        llm_lora_free(lo); llm_lora_free(lo2);
        llm_model_free(m);
        free(r.logits);
    }
    remove(gg);
    T_NOTE(t, "Q8_0 blocks equal after export+reload; session rel err memory/reload/quantized_only: %s; LoRA ok",
           note);
}

/* AdamW steps (decay, clipping below the norm, warmup + cosine) from each HF file's weights:
   the loss and gradient norm of every step against PyTorch's on the transformers forward
   (tests/ref/gen_arch_fixtures.py, model.train): the backward of every family's features */
static void test_arch_train(t_ctx *t) {
    char path[256], note[400] = "";
    double worst_l = 0, worst_n = 0;
    int k;
    for (k = 0; k < TA_N - 1; k++) {
        llm_model *m = NULL;
        llm_trainer *tr = NULL;
        llm_trainer_desc td;
        llm_error e;
        void *buf;
        size_t n;
        const unsigned char *p;
        int B, T, S, i, s;
        float o[7];
        int32_t inp[64], tgt[64];
        double loss, norm;
        snprintf(path, sizeof path, "tests/data/arch/%s/model.train", ta_names[k]);
        if (llm_read_file(path, NULL, &buf, &n, NULL) != LLM_OK) T_SKIP(t, "tests/data/arch missing");
        p = (const unsigned char *)buf;
        B = (int)llm__rd_u32(p + 4); T = (int)llm__rd_u32(p + 8); S = (int)llm__rd_u32(p + 12);
        if (n < 52 || memcmp(p, "LLMT", 4) != 0 || B * T > 64 || S > 16 ||
            n != 52 + 8 * (size_t)(B * T) + 16 * (size_t)S) {
            llm_free(NULL, buf);
            T_FAIL(t, "%s: not a training fixture", path);
        }
        for (i = 0; i < 7; i++) { uint32_t u = llm__rd_u32(p + 16 + 4 * i); memcpy(&o[i], &u, 4); }
        for (i = 0; i < B * T; i++) {
            inp[i] = (int32_t)llm__rd_u32(p + 52 + 4 * i);
            tgt[i] = (int32_t)llm__rd_u32(p + 52 + 4 * (size_t)(B * T) + 4 * i);
        }
        snprintf(path, sizeof path, "tests/data/arch/%s", ta_names[k]);
        T_CHECK(t, llm_model_load(path, NULL, &m, &e) == LLM_OK, "%s: %s", path, e.message);
        memset(&td, 0, sizeof td);
        td.batch = B; td.seq_len = T; td.lr = o[0]; td.weight_decay = o[1]; td.grad_clip = o[2];
        td.beta1 = o[3]; td.beta2 = o[4]; td.eps = o[5]; td.min_lr_frac = o[6];
        td.warmup_steps = (int)llm__rd_u32(p + 44); td.total_steps = (int)llm__rd_u32(p + 48);
        T_CHECK(t, llm_trainer_create(m, &td, &tr, &e) == LLM_OK, "%s: trainer: %s", ta_names[k], e.message);
        for (s = 0; s < S; s++) {
            llm_step_result r;
            const unsigned char *q = p + 52 + 8 * (size_t)(B * T);
            uint64_t lb = llm__rd_u64(q + 8 * (size_t)s), nb = llm__rd_u64(q + 8 * (size_t)(S + s));
            memcpy(&loss, &lb, 8); memcpy(&norm, &nb, 8);
            T_CHECK(t, llm_trainer_step(tr, inp, tgt, &r) == LLM_OK, "%s: step %d", ta_names[k], s);
            worst_l = fmax(worst_l, fabs(r.loss - loss) / loss);
            worst_n = fmax(worst_n, fabs(r.grad_norm - norm) / norm);
            T_CHECK(t, fabs(r.loss - loss) < 1e-4 * loss && fabs(r.grad_norm - norm) < 1e-4 * norm,
                    "%s: step %d: loss %.7f (PyTorch %.7f), grad norm %.6f (PyTorch %.6f)", ta_names[k], s, r.loss,
                    loss, r.grad_norm, norm);
        }
        {   /* a checkpoint (GGUF: q/k rows and their optimizer state in the file's order) resumes exactly */
            llm_model *m2 = NULL;
            llm_trainer *tr2 = NULL;
            llm_step_result r1, r2;
            size_t need = 0, got;
            unsigned char *ck;
            llm_trainer_save_mem(tr, NULL, 0, &need, 0);
            ck = (unsigned char *)malloc(need);
            T_CHECK(t, llm_trainer_save_mem(tr, ck, need, &got, 0) == LLM_OK, "%s: checkpoint", ta_names[k]);
            T_CHECK(t, llm_model_load(path, NULL, &m2, &e) == LLM_OK, "%s: %s", ta_names[k], e.message);
            T_CHECK(t, llm_trainer_create(m2, &td, &tr2, &e) == LLM_OK, "%s: %s", ta_names[k], e.message);
            T_CHECK(t, llm_trainer_load_mem(tr2, ck, got, NULL) == LLM_OK, "%s: resume: %s", ta_names[k],
                    llm_trainer_last_error(tr2));
            free(ck);
            T_CHECK(t, llm_trainer_step(tr, inp, tgt, &r1) == LLM_OK &&
                       llm_trainer_step(tr2, inp, tgt, &r2) == LLM_OK && r1.loss == r2.loss &&
                       r1.grad_norm == r2.grad_norm &&
                       memcmp(m->params, m2->params, m->n_params * sizeof(float)) == 0,
                    "%s: the resumed trainer's step differs", ta_names[k]);
            llm_trainer_free(tr2);
            llm_model_free(m2);
        }
        llm_trainer_free(tr);
        llm_model_free(m);
        llm_free(NULL, buf);
    }
    snprintf(note, sizeof note, "%d families x 4 AdamW steps from the HF files: loss rel err %.1e, grad norm %.1e; "
             "checkpoints resume exactly",
             TA_N - 1, worst_l, worst_n);
    T_NOTE(t, "%s", note);
}

/* config.json variants that say the same (transformers 5's rope_parameters, old "type" keys,
   a pattern instead of layer_types, keys on the ignored list): the same model */
static void test_arch_config_variants(t_ctx *t) {
    static const struct { const char *src, *find, *repl; } cases[] = {
        { "qwen3", "\"rope_theta\": 1000000.0",
          "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 1e6}" },
        { "llama3", "\"rope_scaling\": {",
          "\"rope_parameters\": {\"rope_theta\": 500000.0, \"partial_rotary_factor\": 1.0," },
        { "gemma3", "\"rope_scaling\": {\n    \"factor\": 8.0,\n    \"rope_type\": \"linear\"\n  }",
          "\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"linear\", \"factor\": 8.0, "
          "\"rope_theta\": 1e6}, "
          "\"sliding_attention\": {\"rope_type\": \"default\", \"rope_theta\": 10000.0}}" },
        /* (no layer_types: sliding_window_pattern says it; the list under a key on the ignored list) */
        { "gemma3", "\"layer_types\"", "\"_name_or_path\": \"x\", \"pretraining_tp\"" },
        { "llama_linear", "\"type\": \"linear\"", "\"rope_type\": \"linear\"" },
        { "qwen2", "\"use_cache\": true", "\"use_cache\": false, \"attention_bias\": true, \"layer_types\": "
          "[\"full_attention\", \"full_attention\"]" },
    };
    const char *dir = "tests/tmp_arch_var";
    char a[256], b[256];
    size_t k;
    llm__mkdir(dir);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        llm_model *m = NULL, *ref = NULL;
        llm_error e;
        snprintf(a, sizeof a, "tests/data/arch/%s", cases[k].src);
        if (llm_model_load(a, NULL, &ref, &e) != LLM_OK) T_SKIP(t, "tests/data/arch missing");
        snprintf(a, sizeof a, "tests/data/arch/%s/model.safetensors", cases[k].src);
        snprintf(b, sizeof b, "%s/model.safetensors", dir);
        T_CHECK(t, ta_copy(a, b, NULL, NULL), "copy");
        snprintf(a, sizeof a, "tests/data/arch/%s/config.json", cases[k].src);
        snprintf(b, sizeof b, "%s/config.json", dir);
        T_CHECK(t, ta_copy(a, b, cases[k].find, cases[k].repl), "case %d: '%s' not in %s", (int)k, cases[k].find, a);
        T_CHECK(t, llm_model_load(dir, NULL, &m, &e) == LLM_OK, "case %d: %s", (int)k, e.message);
        T_CHECK(t, memcmp(&m->cfg, &ref->cfg, sizeof m->cfg) == 0 && m->n_params == ref->n_params &&
                   memcmp(m->params, ref->params, m->n_params * sizeof(float)) == 0,
                "case %d (%s): another model than the original config's", (int)k, cases[k].repl);
        llm_model_free(m); llm_model_free(ref);
    }
    snprintf(b, sizeof b, "%s/config.json", dir); remove(b);
    snprintf(b, sizeof b, "%s/model.safetensors", dir); remove(b);
    remove(dir);
    T_NOTE(t, "%d equivalent config.json forms: the same model", (int)(sizeof cases / sizeof cases[0]));
}

/* GGUF files quantized by llama.cpp's llama-quantize (Q8_0, tokenizer.ggml.model "no_vocab";
   tests/ref/llamacpp/run.sh): they load, their blocks are llm.h's own Q8_0 of the same weights
   byte for byte once q/k rows are in llm.h's order, and their sessions follow PyTorch */
static void test_arch_llamacpp_quantized(t_ctx *t) {
    static const char *const names[] = { "llama3", "qwen3", "gemma3" };
    char path[256], note[200] = "";
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        llm_model *m = NULL, *q = NULL;
        llm_error e;
        ta_ref r;
        double serr;
        int gok, i, same = 0;
        snprintf(path, sizeof path, "tests/data/arch/%s/llamacpp_q8_0.gguf", names[k]);
        if (!ta_ref_load(names[k], &r)) T_SKIP(t, "tests/data/arch missing");
        T_CHECK(t, llm_model_load(path, NULL, &q, &e) == LLM_OK, "%s: %s", path, e.message);
        snprintf(path, sizeof path, "tests/data/arch/%s", names[k]);
        T_CHECK(t, llm_model_load(path, NULL, &m, &e) == LLM_OK && llm_model_quantize(m, LLM_TYPE_Q8_0, &e) == LLM_OK,
                "%s: %s", path, e.message);
        T_CHECK(t, memcmp(&m->cfg, &q->cfg, sizeof m->cfg) == 0, "%s: another config than the F32 file's", names[k]);
        for (i = 0; i < m->n_tensors; i++) {
            const llm_tensor_info *ti = &m->tensors[i];
            if (!q->qdata || !q->qdata[i]) continue;
            T_CHECK(t, q->tensors[i].type == LLM_TYPE_Q8_0 && m->qdata[i] &&
                       memcmp(m->qdata[i], q->qdata[i], llm__row_bytes(LLM_TYPE_Q8_0, (size_t)ti->shape[1]) *
                                                            (size_t)llm__saved_rows(m, ti)) == 0,
                    "%s: %s: llama.cpp's Q8_0 blocks differ from llm.h's", names[k], ti->name);
            same++;
        }
        T_CHECK(t, same >= 7, "%s: only %d quantized matrices", names[k], same);
        ta_check(q, &r, &serr, &gok);
        T_CHECK(t, serr < 5e-2, "%s: session logits rel err %.2e", names[k], serr);
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s %d matrices, %.0e; ", names[k], same, serr);
        llm_model_free(m); llm_model_free(q);
        free(r.logits);
    }
    T_NOTE(t, "llama-quantize Q8_0 = llm.h's blocks: %s", note);
}

static const t_case arch_tests[] = {
    {"arch_files_vs_torch", test_arch_files},
    {"arch_config", test_arch_config},
    {"arch_export_roundtrip", test_arch_roundtrip},
    {"arch_config_refused", test_arch_refused},
    {"arch_config_variants", test_arch_config_variants},
    {"arch_gguf_refused", test_arch_gguf_refused},
    {"arch_quant_lora", test_arch_quant_lora},
    {"arch_llamacpp_quantized", test_arch_llamacpp_quantized},
    {"arch_train_vs_torch", test_arch_train},
};
