/* tests/fuzz/fuzz_encode.c - tokenizing arbitrary bytes (invalid UTF-8 included) with a
   byte-level BPE (GPT-2 and GPT-4 pre-splits, special tokens allowed or not; or, when the first byte's
   bits 1-2 are 1, 0, a Hugging Face tokenizer.json of Qwen's shape: NFC, a Split regex, ByteLevel):
   decoding the ids must give the bytes back exactly (after NFC for the latter), in one call and
   streamed piece by piece. */
#include "fuzz.h"

static llm_tokenizer *fz_tok(llm_pattern pattern) {
    static const char text[] = "the quick brown fox jumps over the lazy dog; 1234567 naive cafe\n\n  x\ty";
    llm_bpe_train_desc bd;
    llm_tokenizer *t = NULL;
    memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 300; bd.pattern = pattern;
    llm_tokenizer_train(&bd, &t, NULL);
    return t;
}

static llm_tokenizer *fz_tok_json(void) {   /* NFC, Llama 3's Split regex, ByteLevel; BPE with one merge */
    static const char head[] =
        "{\"added_tokens\": [{\"id\": 258, \"content\": \"<|im_end|>\", \"special\": true}], \"normalizer\": "
        "{\"type\": \"NFC\"}, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": "
        "\"Split\", \"pattern\": {\"Regex\": \"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?"
        "\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|"
        "\\\\s+(?!\\\\S)|\\\\s+\"}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": "
        "\"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}, \"decoder\": {\"type\": "
        "\"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"ignore_merges\": true, \"vocab\": {";
    static const char tail[] = ", \"ab\": 256, \"aab\": 257}, \"merges\": [[\"a\", \"b\"]]}}";
    static char js[8192];
    uint32_t b2u[256];
    int16_t u2b[324];
    int i, l = snprintf(js, sizeof js, "%s", head);
    llm_tokenizer *t = NULL;
    llm__gpt2_byte_map(b2u, u2b);
    for (i = 0; i < 256; i++)
        l += snprintf(js + l, sizeof js - (size_t)l, "%s\"\\u%04x\": %d", i ? ", " : "", (unsigned)b2u[i], i);
    l += snprintf(js + l, sizeof js - (size_t)l, "%s", tail);
    llm_tokenizer_load_mem(js, (size_t)l, NULL, &t, NULL);
    return t;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    const int hf = size && (data[0] & 6) == 2;
    llm_tokenizer *t = hf ? fz_tok_json() : fz_tok(size && (data[0] & 1) ? LLM_PATTERN_GPT4 : LLM_PATTERN_GPT2);
    int32_t *ids;
    char *out;
    size_t n = 0, k = 0, i, at = 0, nn = 0, cap = 0;
    llm_detok_state st;
    unsigned char *nb = NULL;
    const unsigned char *want;
    if (!t) {
        if (hf) abort();   /* the tokenizer.json must load */
        return 0;
    }
    if (size > 4096) size = 4096;
    want = data; nn = size;
    if (hf && llm__nfc(NULL, data, size, &nb, &cap, &want, &nn) != LLM_OK) abort();
    ids = (int32_t *)malloc((nn + 2) * sizeof(int32_t));
    out = (char *)malloc(nn + 64);
    if (llm_tokenize(t, (const char *)data, size, 0, ids, nn + 2, &n) == LLM_OK) {
        if (llm_detokenize(t, ids, n, out, nn + 64, &k) != LLM_OK || k != nn || (nn && memcmp(out, want, nn)))
            abort();   /* byte-level BPE must give the bytes back */
        memset(&st, 0, sizeof st);
        for (i = 0; i < n; i++) {   /* streamed: only whole UTF-8 characters come out, the same bytes in the end */
            size_t got = 0;
            if (llm_detok_push(t, &st, ids[i], out + at, nn + 64 - at, &got) != LLM_OK) abort();
            at += got;
        }
        {
            size_t got = 0;
            llm_detok_flush(t, &st, out + at, nn + 64 - at, &got);
            at += got;
        }
        if (at != nn || (nn && memcmp(out, want, nn))) abort();
    }
    free(ids); free(out); llm__dealloc(NULL, nb);
    llm_tokenizer_free(t);
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char a[] = "Hello world! It's 2026 -- naïve café 日本語 🎉\r\n\n  tabs\tand 12345 numbers",
                      b[] = "\xff\xfe\xc3(\xe2\x82 ok \xf0\x9f\x98";
    static const char c[] = "\002It's NFD: cafe\xcc\x81 A\xcc\x8a \xe1\x84\x80\xe1\x85\xa1 \xe0\xa4\x95\xe0\xa4\xbc "
                            "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb  x\r\n\n 12345 <|im_end|> \xc3(\xe2\x82\xff",
                      d[] = "\002\xcc\x81\xcc\x81" "e\xcc\xa3\xcc\x87\xef\xbc\xa1 \xe2\x84\xab\xe2\x84\xa6 "
                            "\xf0\x9d\x85\x97";
    return fz_write(dir, "text", a, sizeof a - 1) && fz_write(dir, "invalid_utf8", b, sizeof b - 1) &&
           fz_write(dir, "hf_nfc_regex", c, sizeof c - 1) && fz_write(dir, "hf_nfc_marks", d, sizeof d - 1);
}
#endif
