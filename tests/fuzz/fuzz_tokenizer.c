/* tests/fuzz/fuzz_tokenizer.c - tokenizer files from memory: native GGUF, llama2.c tokenizer.bin,
   SentencePiece .model, Hugging Face tokenizer.json, GPT-2 encoder.json + vocab.bpe (the input
   split at its first NUL byte into the two files). A tokenizer that loads encodes and decodes a
   text and the input itself, writes a conversation in its chat format (a GGUF's
   tokenizer.chat_template), then takes the input as its chat template and writes it again.
   An input that begins "\0rx:" is a Split regex and a text instead ("\0rx:" PATTERN "\0" TEXT): the
   pattern is compiled as tokenizer.json's Split patterns are, every match in the text found, and
   the text put through NFC. */
#include "fuzz.h"

static void fz_regex(const unsigned char *data, size_t size) {   /* data: PATTERN \0 TEXT */
    const unsigned char *nul = (const unsigned char *)memchr(data, 0, size);
    const size_t pl = nul ? (size_t)(nul - data) : size;
    const unsigned char *text = nul ? nul + 1 : data, *o;
    const size_t tl = nul ? size - pl - 1 : size;
    llm__regex *re = NULL;
    llm__rx_scratch sc;
    unsigned char *nb = NULL;
    size_t from = 0, ms, me, cap = 0, on;
    int r, k = 0;
    memset(&sc, 0, sizeof sc);
    if (llm__regex_compile(NULL, (const char *)data, pl, 0, &re, NULL) == LLM_OK) {
        while (k++ < 100000 && (r = llm__regex_find(re, text, tl, from, &sc, &ms, &me)) == 1) {
            if (ms < from || me <= ms || me > tl) abort();   /* a match is non-empty, after from, inside the text */
            from = me;
        }
        llm__regex_free(re);
    }
    llm__rx_scratch_free(&sc);
    llm__nfc(NULL, text, tl, &nb, &cap, &o, &on);
    llm__dealloc(NULL, nb);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    llm_tokenizer *t = NULL;
    llm_tokenizer_desc d;
    const unsigned char *nul = size ? (const unsigned char *)memchr(data, 0, size) : NULL;
    memset(&d, 0, sizeof d);
    if (size >= 4 && memcmp(data, "\0rx:", 4) == 0) {
        fz_regex(data + 4, size - 4);
        return 0;
    }
    if (nul && size && data[0] == '{') {   /* encoder.json \0 vocab.bpe */
        d.data2 = nul + 1; d.size2 = size - (size_t)(nul + 1 - data);
        size = (size_t)(nul - data);
    }
    if (llm_tokenizer_load_mem(data, size, &d, &t, NULL) == LLM_OK) {
        int32_t ids[256];
        char out[1024];
        size_t n = 0, k = 0;
        llm_tokenize(t, (const char *)data, size < 200 ? size : 200, LLM_TOKENIZE_ALLOW_SPECIAL, ids, 256, &n);
        if (n > 256) n = 256;
        llm_tokenize(t, (const char *)data + size / 2, size - size / 2 < 200 ? size - size / 2 : 200, 0, ids, 256, &k);
        llm_detokenize(t, ids, n, out, sizeof out, &k);
        llm_tokenizer_save_mem(t, NULL, 0, &k, NULL);
        {   /* chat formats */
            llm_chat_message m[3];
            char *j = (char *)malloc(size + 1);
            m[0].role = LLM_CHAT_SYSTEM; m[0].content = "sys";
            m[1].role = LLM_CHAT_USER; m[1].content = "<|im_start|> hi </think>";
            m[2].role = LLM_CHAT_ASSISTANT; m[2].content = "<think>a</think>b";
            llm_chat_tokenize(t, NULL, m, 3, 1, ids, 256, &n);
            if (j) {
                memcpy(j, data, size);
                j[size] = 0;
                llm_tokenizer_set_chat_template(t, j, NULL, NULL);
                llm_chat_tokenize(t, NULL, m, 3, 1, ids, 256, &n);
                free(j);
            }
        }
        llm_tokenizer_free(t);
    }
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char tj[] =
        "{\"added_tokens\": [{\"id\": 3, \"content\": \"<e>\", \"special\": true}], \"pre_tokenizer\": {\"type\": "
        "\"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"<e>\": 3}, "
        "\"merges\": [\"a b\", [\"a\", \"b\"]]}}";
    static const char ej[] = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"\\u0120\": 3}\0#version: 0.2\na b\n";
    unsigned char tb[256];
    size_t n, at = 12;
    static const char text[] = "the quick brown fox jumps over the lazy dog; the dog sleeps. 1234 ++ -- ok";
    llm_bpe_train_desc bd;
    llm_tokenizer *t = NULL;
    unsigned char *g = NULL;
    int ok = 0, i;
    memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 270;
    if (llm_tokenizer_train(&bd, &t, NULL) == LLM_OK && llm_tokenizer_save_mem(t, NULL, 0, &n, NULL) == LLM_OK &&
        (g = (unsigned char *)malloc(n)) && llm_tokenizer_save_mem(t, g, n, &n, NULL) == LLM_OK)
        ok = fz_write(dir, "native.gguf", g, n);
    free(g);
    g = NULL;
    if (ok && llm_tokenizer_set_chat_template(t, "{{ '<|im_start|>system\\nYou are a fuzzer.<|im_end|>\\n' }}</think>",
                                              NULL, NULL) == LLM_OK &&
        llm_tokenizer_save_mem(t, NULL, 0, &n, NULL) == LLM_OK && (g = (unsigned char *)malloc(n)) &&
        llm_tokenizer_save_mem(t, g, n, &n, NULL) == LLM_OK)
        ok = fz_write(dir, "native_chat.gguf", g, n);
    free(g);
    llm_tokenizer_free(t);
    ok &= fz_write(dir, "tokenizer.json", tj, sizeof tj - 1);
    {   /* the Hugging Face pipelines' shapes: SmolLM2 (Digits + ByteLevel), Qwen (NFC, Split on its
           regex, ignore_merges), Gemma (spaces to "\u2581", merges by rank, byte fallback), and their
           native files */
        static const char *const hf[4][2] = {
            { "tokjson_smollm.json",
              "{\"added_tokens\": [{\"id\": 257, \"content\": \"<|im_start|>\", \"special\": true}, {\"id\": 258, "
              "\"content\": \"<think>\", \"special\": false}], \"pre_tokenizer\": {\"type\": \"Sequence\", "
              "\"pretokenizers\": [{\"type\": \"Digits\", \"individual_digits\": true}, {\"type\": \"ByteLevel\", "
              "\"add_prefix_space\": false, \"use_regex\": true}]}, \"decoder\": {\"type\": \"ByteLevel\"}, \"model\": "
              "{\"type\": \"BPE\", \"vocab\": {%s, \"ab\": 256}, \"merges\": [\"a b\"]}}" },
            { "tokjson_qwen.json",
              "{\"added_tokens\": [{\"id\": 258, \"content\": \"<|im_end|>\", \"special\": true}], \"normalizer\": "
              "{\"type\": \"NFC\"}, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": "
              "\"Split\", \"pattern\": {\"Regex\": \"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?"
              "\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|"
              "\\\\s+(?!\\\\S)|\\\\s+\"}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": "
              "\"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}, \"model\": {\"type\": \"BPE\", "
              "\"ignore_merges\": true, \"vocab\": {%s, \"ab\": 256, \"aab\": 257}, \"merges\": "
              "[[\"a\", \"b\"]]}}" },
            { "tokjson_gemma.json",
              "{\"added_tokens\": [{\"id\": 0, \"content\": \"<unk>\", \"special\": true}, {\"id\": 7, \"content\": "
              "\"</div>\", \"special\": false}], \"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"String\": "
              "\" \"}, \"content\": \"\\u2581\"}, \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": "
              "\" \"}, \"behavior\": \"MergedWithPrevious\", \"invert\": false}, \"decoder\": {\"type\": \"Sequence\", "
              "\"decoders\": [{\"type\": \"ByteFallback\"}, {\"type\": \"Fuse\"}]}, \"model\": {\"type\": \"BPE\", "
              "\"unk_token\": \"<unk>\", \"fuse_unk\": true, \"byte_fallback\": true, \"vocab\": {\"<unk>\": 0, "
              "\"<0x41>\": 1, \"a\": 2, \"b\": 3, \"\\u2581\": 4, \"ab\": 5, \"\\u2581ab\": 6}, \"merges\": "
              "[[\"a\", \"b\"], [\"\\u2581\", \"ab\"]]}}" },
            { "tokjson_regex.json",
              "{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": "
              "{\"Regex\": \"(?i:'s|'t)|\\\\p{L}+|\\\\p{N}{1,2}|[^\\\\s\\\\p{L}\\\\p{N}]+|\\\\s+(?!\\\\S)|\\\\s+\"}, "
              "\"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
              "\"use_regex\": false}]}, \"model\": {\"type\": \"BPE\", \"vocab\": {%s, \"ab\": 256}, \"merges\": "
              "[\"a b\"]}}" },
        };
        static char bytes[4096], js[8192];
        uint32_t b2u[256];
        int16_t u2b[324];
        int bl = 0;
        llm__gpt2_byte_map(b2u, u2b);
        for (i = 0; i < 256; i++)
            bl += snprintf(bytes + bl, sizeof bytes - (size_t)bl, "%s\"\\u%04x\": %d", i ? ", " : "", (unsigned)b2u[i],
                           i);
        for (i = 0; i < 4; i++) {
            char name[64];
            size_t jl;
            if (i != 2) snprintf(js, sizeof js, hf[i][1], bytes); else snprintf(js, sizeof js, "%s", hf[i][1]);
            jl = strlen(js);
            ok &= fz_write(dir, hf[i][0], js, jl);
            t = NULL; g = NULL;
            if (llm_tokenizer_load_mem(js, jl, NULL, &t, NULL) == LLM_OK &&
                llm_tokenizer_save_mem(t, NULL, 0, &n, NULL) == LLM_OK && (g = (unsigned char *)malloc(n)) &&
                llm_tokenizer_save_mem(t, g, n, &n, NULL) == LLM_OK) {
                snprintf(name, sizeof name, "%.*s.gguf", (int)(strlen(hf[i][0]) - 5), hf[i][0]);
                ok &= fz_write(dir, name, g, n);
            } else ok = 0;
            free(g);
            llm_tokenizer_free(t);
        }
    }
    {   /* Split regexes with a text: Llama 3's, and one of most constructs the matcher runs */
        static const char r1[] = "\0rx:(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?"
                                 "[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+\0"
                                 "It's 2026,  cafe\xcc\x81 \xe6\x97\xa5\xe6\x9c\xac\r\n\n  x\ty "
                                 "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd!";
        static const char r2[] = "\0rx:(?<w>[\\p{Lu}\\p{Lt}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+)|(?P<n>\\d{2,})|"
                                 "(?=a)a+?b*|[^\\s\\w]{1,}|\\x{41}\\u00e9\\x41|(?-i:Z)|.|\\S+?\\s|\\P{N}|\\pL"
                                 "\0AZ\xc3\xa9" "aab 12 3!! ZZ \xc7\x85x \x80\xff tail";
        ok &= fz_write(dir, "regex_llama3", r1, sizeof r1 - 1) && fz_write(dir, "regex_constructs", r2, sizeof r2 - 1);
    }
    ok &= fz_write(dir, "encoder_vocab", ej, sizeof ej - 1);
    /* llama2.c tokenizer.bin: max_token_length, then (score f32, len i32, bytes) per token: 4 tokens */
    llm__put_le(tb, 4, 4); llm__put_le(tb + 4, 0, 4); llm__put_le(tb + 8, 0, 4);
    at = 4;
    for (i = 0; i < 4; i++) {
        static const char *const p[4] = { "<unk>", "<s>", "a", "ab" };
        const size_t l = strlen(p[i]);
        llm__put_le(tb + at, 0x3f800000u, 4); llm__put_le(tb + at + 4, (uint32_t)l, 4);
        memcpy(tb + at + 8, p[i], l);
        at += 8 + l;
    }
    ok &= fz_write(dir, "tokenizer.bin", tb, at);
    return ok;
}
#endif
