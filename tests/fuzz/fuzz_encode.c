/* tests/fuzz/fuzz_encode.c - tokenizing arbitrary bytes (invalid UTF-8 included) with a
   byte-level BPE (GPT-2 and GPT-4 pre-splits, special tokens allowed or not): decoding the ids
   must give the bytes back exactly, in one call and streamed piece by piece. */
#include "fuzz.h"

static llm_tokenizer *fz_tok(llm_pattern pattern) {
    static const char text[] = "the quick brown fox jumps over the lazy dog; 1234567 naive cafe\n\n  x\ty";
    llm_bpe_train_desc bd;
    llm_tokenizer *t = NULL;
    memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 300; bd.pattern = pattern;
    llm_tokenizer_train(&bd, &t, NULL);
    return t;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    llm_tokenizer *t = fz_tok(size && (data[0] & 1) ? LLM_PATTERN_GPT4 : LLM_PATTERN_GPT2);
    int32_t *ids;
    char *out;
    size_t n = 0, k = 0, i, at = 0;
    llm_detok_state st;
    if (!t) return 0;
    if (size > 4096) size = 4096;
    ids = (int32_t *)malloc((size + 2) * sizeof(int32_t));
    out = (char *)malloc(size + 64);
    if (llm_tokenize(t, (const char *)data, size, 0, ids, size + 2, &n) == LLM_OK) {
        if (llm_detokenize(t, ids, n, out, size + 64, &k) != LLM_OK || k != size || (size && memcmp(out, data, size)))
            abort();   /* byte-level BPE must give the bytes back */
        memset(&st, 0, sizeof st);
        for (i = 0; i < n; i++) {   /* streamed: only whole UTF-8 characters come out, the same bytes in the end */
            size_t got = 0;
            if (llm_detok_push(t, &st, ids[i], out + at, size + 64 - at, &got) != LLM_OK) abort();
            at += got;
        }
        {
            size_t got = 0;
            llm_detok_flush(t, &st, out + at, size + 64 - at, &got);
            at += got;
        }
        if (at != size || (size && memcmp(out, data, size))) abort();
    }
    free(ids); free(out);
    llm_tokenizer_free(t);
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char a[] = "Hello world! It's 2026 -- naïve café 日本語 🎉\r\n\n  tabs\tand 12345 numbers",
                      b[] = "\xff\xfe\xc3(\xe2\x82 ok \xf0\x9f\x98";
    return fz_write(dir, "text", a, sizeof a - 1) && fz_write(dir, "invalid_utf8", b, sizeof b - 1);
}
#endif
