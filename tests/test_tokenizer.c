/* tests/test_tokenizer.c - tokenizers: exactness against the reference encoders (fixtures
   from tests/ref/gen_tokenizer_fixtures.py), decode round trips, streaming, training, the
   native file, bad files and random bytes. Included by tests/runner.c (unity build). */

/* ---- fixture helpers ------------------------------------------------------------------- */
typedef struct tk_lines { char *data; size_t size; char **line; size_t n; } tk_lines;

/* Reads tests/data/NAME (run from the repo root) and splits it into lines, dropping '#'
   comment lines. */
static int tk_read_lines(const char *name, tk_lines *L) {
    char path[512];
    void *data;
    size_t size, i, start;
    memset(L, 0, sizeof *L);
    snprintf(path, sizeof path, "tests/data/%s", name);
    if (llm_read_file(path, NULL, &data, &size, NULL) != LLM_OK) {
        snprintf(path, sizeof path, "data/%s", name);
        if (llm_read_file(path, NULL, &data, &size, NULL) != LLM_OK) return 0;
    }
    L->data = (char *)data; L->size = size;
    L->line = (char **)malloc((size + 2) * sizeof(char *));
    for (i = 0, start = 0; i <= size; i++) {
        if (i == size || L->data[i] == '\n') {
            if (i == size && start == size) break;
            L->data[i] = 0;
            if (L->data[start] != '#') L->line[L->n++] = L->data + start;
            start = i + 1;
        }
    }
    return 1;
}
static void tk_free_lines(tk_lines *L) { llm_free(NULL, L->data); free(L->line); }

static size_t tk_unhex(const char *h, unsigned char *out) {
    size_t n = 0;
    while (h[0] && h[1]) {
        int a = h[0] <= '9' ? h[0] - '0' : h[0] - 'a' + 10, b = h[1] <= '9' ? h[1] - '0' : h[1] - 'a' + 10;
        out[n++] = (unsigned char)(a * 16 + b);
        h += 2;
    }
    return n;
}
static size_t tk_parse_ids(const char *s, int32_t *ids, size_t cap) {
    size_t n = 0;
    while (*s) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e == s) { s++; continue; }
        if (n < cap) ids[n] = (int32_t)v;
        n++;
        s = e;
    }
    return n;
}

static llm_tokenizer *tk_load(const char *rel, const char *rel2) {
    llm_tokenizer_desc d;
    llm_tokenizer *t = NULL;
    char p1[1024], p2[1024];
    const char *q = t_data_path(rel);
    if (!q) return NULL;
    snprintf(p1, sizeof p1, "%s", q);
    memset(&d, 0, sizeof d);
    if (rel2) { q = t_data_path(rel2); if (!q) return NULL; snprintf(p2, sizeof p2, "%s", q); d.path2 = p2; }
    if (llm_tokenizer_load(p1, &d, &t, NULL) != LLM_OK) return NULL;
    return t;
}
static llm_tokenizer *tk_gpt2(void) { return tk_load("gpt2/encoder.json", "gpt2/vocab.bpe"); }

static int tk_valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    uint32_t cp;
    while (i < n) { size_t l = llm__utf8_decode(s + i, n - i, &cp); if (!l) return 0; i += l; }
    return 1;
}

/* Compares a tokenizer with an expectation file over every case; returns mismatches. */
static int tk_compare(t_ctx *t, llm_tokenizer *tok, const char *expect, size_t *n_cases, size_t *n_ids) {
    tk_lines C, E;
    size_t i, bad = 0;
    unsigned char *buf;
    int32_t *want, *got;
    *n_cases = *n_ids = 0;
    if (!tk_read_lines("tok_cases.txt", &C) || !tk_read_lines(expect, &E)) { T_NOTE(t, "fixtures missing"); return -1; }
    buf = (unsigned char *)malloc(C.size + 1);
    want = (int32_t *)malloc((E.size + 1) * sizeof(int32_t));
    got = (int32_t *)malloc((C.size + 16) * 4 * sizeof(int32_t));
    for (i = 0; i < C.n && i < E.n; i++) {
        size_t len = tk_unhex(C.line[i], buf), nw = tk_parse_ids(E.line[i], want, E.size + 1), ng = 0;
        llm_status st = llm_tokenize(tok, (const char *)buf, len, 0, got, (len + 16) * 4, &ng);
        if (st != LLM_OK || ng != nw || memcmp(got, want, nw * sizeof(int32_t)) != 0) {
            if (!bad) T_NOTE(t, "case %u differs (%u vs %u ids, status %d)", (unsigned)i, (unsigned)ng, (unsigned)nw, (int)st);
            bad++;
        }
        *n_ids += nw;
    }
    *n_cases = i;
    free(buf); free(want); free(got);
    tk_free_lines(&C); tk_free_lines(&E);
    return (int)bad;
}

/* ---- tests ------------------------------------------------------------------------------ */
static void test_tok_unicode_split(t_ctx *t) {
    tk_lines C, S;
    size_t i, bad = 0, pieces = 0;
    static unsigned char buf[65536];   /* (test-only statics: small stacks, as WebAssembly's, hold no 100 KB) */
    static int32_t want[8192];
    if (!tk_read_lines("tok_cases.txt", &C) || !tk_read_lines("tok_split.txt", &S)) T_SKIP(t, "fixtures missing");
    for (i = 0; i < C.n && i < S.n; i++) {
        size_t len = tk_unhex(C.line[i], buf), p;
        int pat;
        const char *e = S.line[i];
        for (pat = 0; pat < 2; pat++) {
            char *bar = strchr((char *)e, '|');
            size_t nw, k = 0, pos = 0;
            if (pat == 0 && bar) *bar = 0;
            nw = tk_parse_ids(e, want, 8192);
            for (pos = 0; pos < len; k++) {
                p = llm__split_next(pat ? LLM_PATTERN_GPT4 : LLM_PATTERN_GPT2, buf, len, pos);
                if (k >= nw || (size_t)want[k] != p - pos) break;
                pos = p;
            }
            if (pos < len || k != nw) { if (!bad) T_NOTE(t, "case %u pattern %s differs at piece %u", (unsigned)i, pat ? "gpt4" : "gpt2", (unsigned)k); bad++; }
            pieces += nw;
            if (bar) e = bar + 1;
        }
    }
    tk_free_lines(&C); tk_free_lines(&S);
    T_CHECK(t, bad == 0, "%u split mismatches: %s", (unsigned)bad, t->msg);
    T_NOTE(t, "%u cases, %u pieces, GPT-2 and cl100k patterns", (unsigned)i, (unsigned)pieces);
}

static void test_tok_gpt2_exact(t_ctx *t) {
    llm_tokenizer *tok = tk_gpt2();
    size_t nc, ni;
    int bad;
    if (!tok) T_SKIP(t, "GPT-2 vocabulary not found");
    T_CHECK(t, llm_tokenizer_vocab_size(tok) == 50257, "vocab %d", (int)llm_tokenizer_vocab_size(tok));
    T_CHECK(t, llm_tokenizer_eos(tok) == 50256, "eos %d", (int)llm_tokenizer_eos(tok));
    bad = tk_compare(t, tok, "tok_gpt2.txt", &nc, &ni);
    llm_tokenizer_free(tok);
    T_CHECK(t, bad == 0, "%d of %u cases differ: %s", bad, (unsigned)nc, t->msg);
    T_NOTE(t, "%u cases, %u ids equal", (unsigned)nc, (unsigned)ni);
}

static uint64_t tk_fnv_ids(const int32_t *ids, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;
    int k;
    for (i = 0; i < n; i++) for (k = 0; k < 4; k++) { h ^= (uint64_t)(((uint32_t)ids[i] >> (8 * k)) & 0xFF); h *= 0x100000001b3ULL; }
    return h;
}

/* The whole of tinyshakespeare, compared by count and hash. */
static void tk_whole(t_ctx *t, llm_tokenizer *tok, const char *name) {
    tk_lines W;
    void *text;
    size_t size, n = 0, i;
    int32_t *ids;
    const char *p = t_data_path("tinyshakespeare.txt");
    double t0;
    if (!p || llm_read_file(p, NULL, &text, &size, NULL) != LLM_OK) { llm_tokenizer_free(tok); T_SKIP(t, "tinyshakespeare.txt not found"); }
    if (!tk_read_lines("tok_whole.txt", &W)) { llm_free(NULL, text); llm_tokenizer_free(tok); T_SKIP(t, "fixtures missing"); }
    ids = (int32_t *)malloc(size * sizeof(int32_t) + 64);
    t0 = llm_time_seconds();
    llm_tokenize(tok, (const char *)text, size, 0, ids, size + 16, &n);
    t0 = llm_time_seconds() - t0;
    for (i = 0; i < W.n; i++) {
        char nm[32]; unsigned long cnt; unsigned long long h;
        if (sscanf(W.line[i], "%31s %lu %llx", nm, &cnt, &h) == 3 && strcmp(nm, name) == 0) {
            uint64_t got = tk_fnv_ids(ids, n);
            free(ids); llm_free(NULL, text); tk_free_lines(&W); llm_tokenizer_free(tok);
            T_CHECK(t, n == cnt && got == (uint64_t)h, "%u ids (want %lu), hash %016llx (want %016llx)",
                    (unsigned)n, cnt, (unsigned long long)got, h);
            T_NOTE(t, "%u ids equal, %.1f MB/s", (unsigned)n, size / 1e6 / t0);
            return;
        }
    }
    free(ids); llm_free(NULL, text); tk_free_lines(&W); llm_tokenizer_free(tok);
    T_FAIL(t, "no '%s' line in tok_whole.txt", name);
}
static void test_tok_gpt2_whole_file(t_ctx *t) {
    llm_tokenizer *tok = tk_gpt2();
    if (!tok) T_SKIP(t, "GPT-2 vocabulary not found");
    tk_whole(t, tok, "gpt2");
}
static void test_tok_llama2_whole_file(t_ctx *t) {
    llm_tokenizer *tok = tk_load("llama2/tokenizer.model", NULL);
    if (!tok) T_SKIP(t, "tokenizer.model not found");
    tk_whole(t, tok, "llama2");
}

static void test_tok_llama2_exact(t_ctx *t) {
    const char *files[2] = { "llama2/tokenizer.model", "llama2/tokenizer.bin" };
    int f;
    size_t nc = 0, ni = 0;
    for (f = 0; f < 2; f++) {
        llm_tokenizer *tok = tk_load(files[f], NULL);
        int bad;
        if (!tok) T_SKIP(t, "%s not found", files[f]);
        T_CHECK(t, llm_tokenizer_vocab_size(tok) == 32000 && llm_tokenizer_bos(tok) == 1 && llm_tokenizer_eos(tok) == 2,
                "%s: vocab %d bos %d eos %d", files[f], (int)llm_tokenizer_vocab_size(tok), (int)llm_tokenizer_bos(tok), (int)llm_tokenizer_eos(tok));
        bad = tk_compare(t, tok, "tok_llama2.txt", &nc, &ni);
        llm_tokenizer_free(tok);
        T_CHECK(t, bad == 0, "%s: %d of %u cases differ: %s", files[f], bad, (unsigned)nc, t->msg);
    }
    T_NOTE(t, "%u cases, %u ids equal (.model and .bin)", (unsigned)nc, (unsigned)ni);
}

static void test_tok_llama2_flags_decode(t_ctx *t) {
    llm_tokenizer *tok = tk_load("llama2/tokenizer.model", NULL);
    int32_t ids[64];
    size_t n, k;
    char out[256];
    /* sentencepiece's DecodeIds results, measured with python3-sentencepiece */
    static const int32_t d1[] = { 35, 15043 }, d2[] = { 1, 15043 }, d3[] = { 15043, 0, 15043 }, d4[] = { 231, 15043 },
                         d5[] = { 0xE2 + 3, 0x82 + 3 };
    if (!tok) T_SKIP(t, "tokenizer.model not found");
    T_CHECK(t, llm_tokenize(tok, "hello world", 11, LLM_TOKENIZE_ADD_BOS | LLM_TOKENIZE_ADD_EOS, ids, 64, &n) == LLM_OK &&
            n == 4 && ids[0] == 1 && ids[1] == 22172 && ids[2] == 3186 && ids[3] == 2, "bos/eos: %u ids", (unsigned)n);
    T_CHECK(t, llm_tokenize(tok, "<s>hi", 5, LLM_TOKENIZE_ALLOW_SPECIAL, ids, 64, &n) == LLM_OK && n >= 2 && ids[0] == 1, "special <s>");
    T_CHECK(t, llm_tokenize(tok, "hello world", 11, 0, ids, 1, &n) == LLM_ERR_BUFFER_TOO_SMALL && n == 2, "too small: %u", (unsigned)n);
    T_CHECK(t, llm_detokenize(tok, d1, 2, out, sizeof out, &k) == LLM_OK && k == 7 && memcmp(out, "  Hello", 7) == 0, "d1 '%.*s'", (int)k, out);
    T_CHECK(t, llm_detokenize(tok, d2, 2, out, sizeof out, &k) == LLM_OK && k == 5 && memcmp(out, "Hello", 5) == 0, "d2 '%.*s'", (int)k, out);
    T_CHECK(t, llm_detokenize(tok, d3, 3, out, sizeof out, &k) == LLM_OK && k == 16 && memcmp(out, "Hello \xE2\x81\x87  Hello", 16) == 0, "d3 '%.*s'", (int)k, out);
    T_CHECK(t, llm_detokenize(tok, d4, 2, out, sizeof out, &k) == LLM_OK && k == 9 && memcmp(out, "\xEF\xBF\xBD Hello", 9) == 0, "d4 '%.*s'", (int)k, out);
    T_CHECK(t, llm_detokenize(tok, d5, 2, out, sizeof out, &k) == LLM_OK && k == 6 && memcmp(out, "\xEF\xBF\xBD\xEF\xBF\xBD", 6) == 0, "d5 '%.*s'", (int)k, out);
    llm_tokenizer_free(tok);
}

/* decode(encode(x)) == x (GPT-2: any bytes; Llama: valid UTF-8 text minus the rules that
   sentencepiece does not invert), and streaming decode == whole decode, every chunk valid
   UTF-8 when the text is. */
static void tk_roundtrip(t_ctx *t, llm_tokenizer *tok, int exact_any, size_t *n_cases) {
    tk_lines C;
    size_t i;
    unsigned char *buf;
    char *dec, *stream;
    int32_t *ids;
    *n_cases = 0;
    if (!tk_read_lines("tok_cases.txt", &C)) T_SKIP(t, "fixtures missing");
    buf = (unsigned char *)malloc(C.size + 1);
    dec = (char *)malloc(C.size * 4 + 64);
    stream = (char *)malloc(C.size * 4 + 64);
    ids = (int32_t *)malloc((C.size + 16) * 4 * sizeof(int32_t));
    for (i = 0; i < C.n; i++) {
        size_t len = tk_unhex(C.line[i], buf), n = 0, k = 0, sn = 0, j;
        int valid = tk_valid_utf8(buf, len);
        llm_detok_state st;
        llm_tokenize(tok, (const char *)buf, len, 0, ids, (len + 16) * 4, &n);
        if (llm_detokenize(tok, ids, n, dec, C.size * 4 + 64, &k) != LLM_OK) { T_NOTE(t, "case %u: decode failed", (unsigned)i); break; }
        if ((exact_any || valid) && (k != len || memcmp(dec, buf, len) != 0)) {
            if (!exact_any && len > 0 && (buf[0] == ' ')) {} /* sentencepiece drops one leading space */
            else { T_NOTE(t, "case %u: decode(encode(x)) != x", (unsigned)i); break; }
        }
        llm_detok_init(&st);
        for (j = 0; j <= n; j++) {
            size_t m = 0;
            char chunk[512];
            llm_status s2 = j < n ? llm_detok_push(tok, &st, ids[j], chunk, sizeof chunk, &m)
                                  : llm_detok_flush(tok, &st, chunk, sizeof chunk, &m);
            if (s2 != LLM_OK) { T_NOTE(t, "case %u: stream status %d", (unsigned)i, (int)s2); goto out; }
            if (valid && !tk_valid_utf8((const unsigned char *)chunk, m)) { T_NOTE(t, "case %u: chunk %u is not valid UTF-8", (unsigned)i, (unsigned)j); goto out; }
            memcpy(stream + sn, chunk, m);
            sn += m;
        }
        if (sn != k || memcmp(stream, dec, k) != 0) { T_NOTE(t, "case %u: stream != whole decode", (unsigned)i); break; }
    }
out:
    *n_cases = i;
    if (i < C.n) t->failed = 1;
    free(buf); free(dec); free(stream); free(ids);
    tk_free_lines(&C);
}
static void test_tok_gpt2_roundtrip_stream(t_ctx *t) {
    llm_tokenizer *tok = tk_gpt2();
    size_t n;
    if (!tok) T_SKIP(t, "GPT-2 vocabulary not found");
    tk_roundtrip(t, tok, 1, &n);
    llm_tokenizer_free(tok);
    if (!t->failed) T_NOTE(t, "%u cases: exact round trip, stream == whole", (unsigned)n);
}
static void test_tok_llama2_stream(t_ctx *t) {
    llm_tokenizer *tok = tk_load("llama2/tokenizer.model", NULL);
    size_t n;
    if (!tok) T_SKIP(t, "tokenizer.model not found");
    tk_roundtrip(t, tok, 0, &n);
    llm_tokenizer_free(tok);
    if (!t->failed) T_NOTE(t, "%u cases: stream == whole", (unsigned)n);
}

static void test_tok_gpt2_special(t_ctx *t) {
    llm_tokenizer *tok = tk_gpt2();
    int32_t ids[64];
    size_t n, k;
    char out[64];
    if (!tok) T_SKIP(t, "GPT-2 vocabulary not found");
    llm_tokenize(tok, "a<|endoftext|>b", 15, LLM_TOKENIZE_ALLOW_SPECIAL, ids, 64, &n);
    T_CHECK(t, n == 3 && ids[1] == 50256, "with ALLOW_SPECIAL: %u ids", (unsigned)n);
    llm_tokenize(tok, "a<|endoftext|>b", 15, 0, ids, 64, &n);
    T_CHECK(t, n > 3, "without: %u ids", (unsigned)n);
    T_CHECK(t, llm_detokenize(tok, ids, n, out, sizeof out, &k) == LLM_OK && k == 15 && memcmp(out, "a<|endoftext|>b", 15) == 0, "decode");
    /* buffer protocol: count only, then too small */
    T_CHECK(t, llm_tokenize(tok, "hello world", 11, 0, NULL, 0, &n) == LLM_OK && n == 2, "count only: %u", (unsigned)n);
    T_CHECK(t, llm_detokenize(tok, ids, 3, out, 1, &k) == LLM_ERR_BUFFER_TOO_SMALL && k >= 2, "decode too small");
    T_CHECK(t, llm_detokenize(tok, ids, 1, NULL, 0, &k) == LLM_OK && k == 1, "decode count");
    ids[0] = 50257;
    T_CHECK(t, llm_detokenize(tok, ids, 1, out, sizeof out, &k) == LLM_ERR_OUT_OF_RANGE, "bad id");
    llm_tokenizer_free(tok);
}

/* Streaming holds back partial characters: "€" is E2 82 AC, fed one byte token at a time. */
static void test_tok_stream_partial(t_ctx *t) {
    llm_tokenizer *tok = tk_gpt2();
    llm_detok_state st;
    char out[64];
    size_t n, i;
    static const unsigned char euro[3] = { 0xE2, 0x82, 0xAC };
    int32_t ids[3];
    if (!tok) T_SKIP(t, "GPT-2 vocabulary not found");
    for (i = 0; i < 3; i++) ids[i] = llm_tokenizer_find(tok, (const char *)euro + i, 1);
    llm_detok_init(&st);
    T_CHECK(t, llm_detok_push(tok, &st, ids[0], out, sizeof out, &n) == LLM_OK && n == 0, "held 1: %u", (unsigned)n);
    T_CHECK(t, llm_detok_push(tok, &st, ids[1], out, sizeof out, &n) == LLM_OK && n == 0, "held 2");
    T_CHECK(t, llm_detok_push(tok, &st, ids[2], out, 2, &n) == LLM_ERR_BUFFER_TOO_SMALL && n == 3, "too small keeps state");
    T_CHECK(t, llm_detok_push(tok, &st, ids[2], out, sizeof out, &n) == LLM_OK && n == 3 && memcmp(out, euro, 3) == 0, "emitted");
    /* an interrupted character is emitted raw (byte-level) as soon as it cannot complete */
    llm_detok_push(tok, &st, ids[0], out, sizeof out, &n);
    T_CHECK(t, llm_detok_push(tok, &st, llm_tokenizer_find(tok, "A", 1), out, sizeof out, &n) == LLM_OK && n == 2 &&
            (unsigned char)out[0] == 0xE2 && out[1] == 'A', "invalid raw");
    llm_detok_push(tok, &st, ids[0], out, sizeof out, &n);
    T_CHECK(t, llm_detok_flush(tok, &st, out, sizeof out, &n) == LLM_OK && n == 1 && (unsigned char)out[0] == 0xE2, "flush");
    llm_tokenizer_free(tok);
}

static int tk_cancel_cb(float f, void *ud) { (void)f; ++*(int *)ud; return 1; }

static void test_tok_train_small(t_ctx *t) {
    llm_bpe_train_desc d;
    llm_tokenizer *tok, *tok2;
    int32_t ids[32];
    size_t n, k;
    char out[32];
    int calls = 0;
    memset(&d, 0, sizeof d);
    d.text = "aaabdaaabac"; d.size = 11; d.vocab_size = 261;
    T_CHECK(t, llm_tokenizer_train(&d, &tok, NULL) == LLM_OK, "train");
    /* merges, by hand: aa (count 4); then ab vs (aa)a tie at 2 -> smallest ids (97,98);
       then (aa)(ab) = "aaab" (2); then all count 1: smallest pair (97,99) = "ac" */
    T_CHECK(t, llm_tokenizer_vocab_size(tok) == 261, "vocab %d", (int)llm_tokenizer_vocab_size(tok));
    T_CHECK(t, llm_tokenizer_find(tok, "aa", 2) == 256 && llm_tokenizer_find(tok, "ab", 2) == 257 &&
            llm_tokenizer_find(tok, "aaab", 4) == 258 && llm_tokenizer_find(tok, "ac", 2) == 259 &&
            llm_tokenizer_find(tok, "<|endoftext|>", 13) == 260, "merges differ");
    llm_tokenize(tok, "aaabdaaabac", 11, 0, ids, 32, &n);
    T_CHECK(t, n == 4 && ids[0] == 258 && ids[1] == 'd' && ids[2] == 258 && ids[3] == 259, "encode: %u ids", (unsigned)n);
    llm_detokenize(tok, ids, n, out, sizeof out, &k);
    T_CHECK(t, k == 11 && memcmp(out, "aaabdaaabac", 11) == 0, "decode");
    /* same input, same result */
    T_CHECK(t, llm_tokenizer_train(&d, &tok2, NULL) == LLM_OK && tok2->off[tok2->n] == tok->off[tok->n] &&
            memcmp(tok2->text, tok->text, tok->off[tok->n]) == 0, "not deterministic");
    llm_tokenizer_free(tok2);
    llm_tokenizer_free(tok);
    d.progress = tk_cancel_cb; d.progress_user_data = &calls;
    d.text = "the cat sat on the mat with the hat; that is that"; d.size = strlen((const char *)d.text); d.vocab_size = 300;
    T_CHECK(t, llm_tokenizer_train(&d, &tok, NULL) == LLM_ERR_CANCELLED, "cancel");
    d.vocab_size = 100;
    T_CHECK(t, llm_tokenizer_train(&d, &tok, NULL) == LLM_ERR_INVALID_ARG, "vocab < 257 accepted");
}

static void test_tok_train_shakespeare(t_ctx *t) {
    llm_bpe_train_desc d;
    llm_tokenizer *tok;
    void *text;
    size_t size, n = 0, k = 0;
    int32_t *ids;
    char *dec;
    double t0;
    const char *p = t_data_path("tinyshakespeare.txt");
    if (!p || llm_read_file(p, NULL, &text, &size, NULL) != LLM_OK) T_SKIP(t, "tinyshakespeare.txt not found");
    memset(&d, 0, sizeof d);
    d.text = text; d.size = size; d.vocab_size = 1024; d.pattern = LLM_PATTERN_GPT4;
    t0 = llm_time_seconds();
    if (llm_tokenizer_train(&d, &tok, NULL) != LLM_OK) { llm_free(NULL, text); T_FAIL(t, "train failed"); }
    t0 = llm_time_seconds() - t0;
    ids = (int32_t *)malloc(size * sizeof(int32_t));
    dec = (char *)malloc(size + 1);
    llm_tokenize(tok, (const char *)text, size, 0, ids, size, &n);
    llm_detokenize(tok, ids, n, dec, size + 1, &k);
    T_CHECK(t, k == size && memcmp(dec, text, size) == 0, "round trip");
    T_CHECK(t, llm_tokenizer_vocab_size(tok) == 1024, "vocab %d", (int)llm_tokenizer_vocab_size(tok));
    T_NOTE(t, "1024 tokens in %.2fs, %.2f bytes/token", t0, (double)size / (double)n);
    free(ids); free(dec); llm_free(NULL, text); llm_tokenizer_free(tok);
}

/* Save + load gives the same tokens for every case (trained, GPT-2 and Llama 2). */
static void test_tok_native_roundtrip(t_ctx *t) {
    llm_tokenizer *src[3] = { NULL, NULL, NULL };
    llm_bpe_train_desc d;
    tk_lines C;
    int k;
    size_t i, total = 0;
    const char *path = "tok_test_native.gguf";
    unsigned char *buf;
    int32_t *a, *b;
    memset(&d, 0, sizeof d);
    d.text = "Hello hello world! It's 2024, isn't it? Numbers 12345 and more words words words.";
    d.size = strlen((const char *)d.text); d.vocab_size = 300; d.pattern = LLM_PATTERN_GPT4;
    T_CHECK(t, llm_tokenizer_train(&d, &src[0], NULL) == LLM_OK, "train");
    src[1] = tk_gpt2();
    src[2] = tk_load("llama2/tokenizer.model", NULL);
    if (!tk_read_lines("tok_cases.txt", &C)) T_SKIP(t, "fixtures missing");
    buf = (unsigned char *)malloc(C.size + 1);
    a = (int32_t *)malloc((C.size + 16) * 4 * sizeof(int32_t));
    b = (int32_t *)malloc((C.size + 16) * 4 * sizeof(int32_t));
    for (k = 0; k < 3; k++) {
        llm_tokenizer *back = NULL;
        llm_error err;
        if (!src[k]) continue;
        if (llm_tokenizer_save(src[k], path, &err) != LLM_OK) { T_NOTE(t, "save: %s", err.message); t->failed = 1; break; }
        if (llm_tokenizer_load(path, NULL, &back, &err) != LLM_OK) { T_NOTE(t, "load: %s", err.message); t->failed = 1; break; }
        if (llm_tokenizer_vocab_size(back) != llm_tokenizer_vocab_size(src[k]) || llm_tokenizer_kind(back) != llm_tokenizer_kind(src[k]) ||
            llm_tokenizer_bos(back) != llm_tokenizer_bos(src[k]) || llm_tokenizer_eos(back) != llm_tokenizer_eos(src[k])) {
            T_NOTE(t, "tokenizer %d: header differs", k); t->failed = 1;
        }
        for (i = 0; i < C.n && !t->failed; i++) {
            size_t len = tk_unhex(C.line[i], buf), na = 0, nb = 0;
            llm_tokenize(src[k], (const char *)buf, len, 0, a, (len + 16) * 4, &na);
            llm_tokenize(back, (const char *)buf, len, 0, b, (len + 16) * 4, &nb);
            if (na != nb || memcmp(a, b, na * sizeof(int32_t)) != 0) { T_NOTE(t, "tokenizer %d case %u differs", k, (unsigned)i); t->failed = 1; }
            total++;
        }
        llm_tokenizer_free(back);
    }
    remove(path);
    for (k = 0; k < 3; k++) llm_tokenizer_free(src[k]);
    free(buf); free(a); free(b); tk_free_lines(&C);
    if (!t->failed) T_NOTE(t, "%u encodings equal after save/load", (unsigned)total);
}

/* Truncated and corrupted files fail cleanly (run under ASan to see that nothing leaks). */
static void test_tok_bad_files(t_ctx *t) {
    const char *files[3] = { "llama2/tokenizer.model", "llama2/tokenizer.bin", "gpt2/encoder.json" };
    int f, found = 0;
    llm_rng rng;
    llm_rng_seed(&rng, 7);
    for (f = 0; f < 3; f++) {
        void *data, *bpe = NULL;
        size_t size, bsize = 0, cut;
        int trial;
        const char *p = t_data_path(files[f]);
        if (!p || llm_read_file(p, NULL, &data, &size, NULL) != LLM_OK) continue;
        found++;
        if (f == 2) { p = t_data_path("gpt2/vocab.bpe"); if (!p || llm_read_file(p, NULL, &bpe, &bsize, NULL) != LLM_OK) { llm_free(NULL, data); continue; } }
        for (trial = 0; trial < 40; trial++) {
            llm_tokenizer_desc d;
            llm_tokenizer *tok = NULL;
            llm_error err;
            llm_status st;
            unsigned char *copy = (unsigned char *)malloc(size + 1);
            memcpy(copy, data, size);
            memset(&d, 0, sizeof d);
            d.data2 = bpe; d.size2 = bsize;
            cut = size;
            if (trial < 20) cut = (size_t)(llm_rng_u32(&rng) % size);        /* truncation */
            else { int m; for (m = 0; m < 1 + trial % 8; m++) copy[llm_rng_u32(&rng) % (size < 4096 ? size : 4096)] = (unsigned char)llm_rng_u32(&rng); }
            st = llm_tokenizer_load_mem(copy, cut, &d, &tok, &err);
            if (st == LLM_OK) { /* a corruption may still be a valid file: it must work */
                int32_t ids[64]; size_t n;
                llm_tokenize(tok, "hello world", 11, 0, ids, 64, &n);
                llm_tokenizer_free(tok);
            } else if (trial < 20 && cut > 4) {
                T_CHECK(t, st == LLM_ERR_FORMAT && err.message[0], "%s cut at %u: status %d", files[f], (unsigned)cut, (int)st);
            }
            if (trial < 20 && f == 0) T_CHECK(t, st != LLM_OK || cut == size, "%s cut at %u loaded", files[f], (unsigned)cut);
            free(copy);
        }
        llm_free(NULL, data); llm_free(NULL, bpe);
    }
    {   /* absurd length in a protobuf piece, and garbage */
        static const unsigned char pb[] = { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x0A, 0x01, 'a' };
        static const unsigned char bin[] = { 8, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 'x' };
        llm_tokenizer *tok = NULL;
        T_CHECK(t, llm_tokenizer_load_mem(pb, sizeof pb, NULL, &tok, NULL) == LLM_ERR_FORMAT, "bad protobuf");
        T_CHECK(t, llm_tokenizer_load_mem(bin, sizeof bin, NULL, &tok, NULL) == LLM_ERR_FORMAT, "bad tokenizer.bin");
        T_CHECK(t, llm_tokenizer_load_mem("{\"a\": 0", 7, NULL, &tok, NULL) != LLM_OK, "bad json");
        T_CHECK(t, llm_tokenizer_load_mem("GGUF\3\0\0\0", 8, NULL, &tok, NULL) == LLM_ERR_FORMAT, "bad gguf");
    }
    if (!found) T_SKIP(t, "no tokenizer files found");
}

/* Random bytes through every tokenizer: no crash, decode(encode(x)) == x for byte-level. */
static void test_tok_fuzz(t_ctx *t) {
    llm_tokenizer *toks[2];
    llm_rng rng;
    int k, iter;
    unsigned char buf[600];
    int32_t ids[2400];
    char out[4096];
    static const char alphabet[] = " \n\t'sa1\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9\xFF\x80<|endoftext|></s>\xE2\x96\x81";
    toks[0] = tk_gpt2();
    toks[1] = tk_load("llama2/tokenizer.model", NULL);
    if (!toks[0] && !toks[1]) T_SKIP(t, "no tokenizers found");
    llm_rng_seed(&rng, 42);
    for (k = 0; k < 2; k++) {
        if (!toks[k]) continue;
        for (iter = 0; iter < 400; iter++) {
            size_t len = llm_rng_u32(&rng) % sizeof buf, i, n = 0, m = 0;
            int flags = (int)(llm_rng_u32(&rng) % 8);
            for (i = 0; i < len; i++)
                buf[i] = iter % 2 ? (unsigned char)llm_rng_u32(&rng) : (unsigned char)alphabet[llm_rng_u32(&rng) % (sizeof alphabet - 1)];
            T_CHECK(t, llm_tokenize(toks[k], (const char *)buf, len, flags, ids, 2400, &n) == LLM_OK, "encode");
            T_CHECK(t, llm_detokenize(toks[k], ids, n, out, sizeof out, &m) == LLM_OK, "decode");
            if (k == 0 && !(flags & 3)) T_CHECK(t, m == len && memcmp(out, buf, len) == 0, "iter %d: round trip", iter);
        }
    }
    for (k = 0; k < 2; k++) llm_tokenizer_free(toks[k]);
    T_NOTE(t, "800 random inputs");
}

static const t_case tokenizer_tests[] = {
    { "tok_unicode_split", test_tok_unicode_split },
    { "tok_gpt2_exact", test_tok_gpt2_exact },
    { "tok_gpt2_whole_file", test_tok_gpt2_whole_file },
    { "tok_gpt2_roundtrip_stream", test_tok_gpt2_roundtrip_stream },
    { "tok_gpt2_special", test_tok_gpt2_special },
    { "tok_stream_partial", test_tok_stream_partial },
    { "tok_llama2_exact", test_tok_llama2_exact },
    { "tok_llama2_whole_file", test_tok_llama2_whole_file },
    { "tok_llama2_flags_decode", test_tok_llama2_flags_decode },
    { "tok_llama2_stream", test_tok_llama2_stream },
    { "tok_train_small", test_tok_train_small },
    { "tok_train_shakespeare", test_tok_train_shakespeare },
    { "tok_native_roundtrip", test_tok_native_roundtrip },
    { "tok_bad_files", test_tok_bad_files },
    { "tok_fuzz", test_tok_fuzz },
};
