/* tests/fuzz/fuzz_args.c - the command lines of examples/generate.c and examples/train.c: the
   input is split at NUL bytes into argv (at most 64 arguments); its first byte picks the
   program. generate's parse_args and its --prompt-ids reader, or train's parse, must end in a
   status: no crash, no read past an argument, no exit. (The examples' main functions are
   renamed and never run.) */
#include <stdio.h>
#define main generate_main
#define usage generate_usage
#define on_log generate_on_log
#include "../../examples/generate.c"
#undef main
#undef usage
#undef on_log
#define main train_main
#include "../../examples/train.c"
#undef main
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    char *buf, *argv[66];
    int argc = 1, which;
    size_t i, start;
    if (size < 1 || size > 65536) return 0;
    which = data[0] & 1;
    if (!(buf = (char *)malloc(size + 1))) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = 0;
    argv[0] = (char *)"prog";
    for (i = 0, start = 0; i < size && argc < 65; i++)   /* every NUL ends an argument */
        if (buf[i] == 0) { argv[argc++] = buf + start; start = i + 1; if (start >= size) break; }
    argv[argc] = NULL;
    {
#if defined(__GLIBC__)   /* (stderr is a variable there): the programs' messages are not wanted here */
        FILE *saved = stderr;
        stderr = fopen("/dev/null", "w");
        if (!stderr) stderr = saved;
#endif
        if (which == 0) {
            gen_opts o;
            if (parse_args(argc, argv, &o) == 0 && o.prompt_ids) {
                int32_t *ids = (int32_t *)malloc((strlen(o.prompt_ids) / 2 + 2) * sizeof(int32_t));
                int n = 0;
                if (ids) parse_ids(o.prompt_ids, 1000, ids, &n);
                free(ids);
            }
        } else {
            opts o;
            memset(&o, 0, sizeof o);
            parse(argc, argv, &o);
        }
#if defined(__GLIBC__)
        if (stderr != saved) { fclose(stderr); stderr = saved; }
#endif
    }
    free(buf);
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char g[] = "\0model.gguf\0-z\0tok.json\0-i\0Hello\0-n\0100\0-t\0" "0.7\0-p\0" "0.9\0-k\0" "40\0-s\0"
                            "7\0--min-p\0" "0.05\0--repeat-penalty\0" "1.1\0--beam\0" "4\0--stop\0\n\n\0--threads\0"
                            "2\0--prompt-ids\0" "1 2, 3\t4\n5\0--ids\0--no-shift\0--keep-fp32\0--perplexity\0--quantize\0"
                            "q4_k\0--file\0x.txt\0--lora\0a.gguf\0--lora-scale\0" "0.5\0--chat\0";
    static const char t[] = "\1--data\0llm.h\0--vocab-size\0" "512\0--layers\0" "4\0--heads\0" "4\0--kv-heads\0"
                            "2\0--dim\0" "128\0--ffn\0" "256\0--ctx\0" "128\0--batch\0" "8\0--seq\0" "64\0--steps\0"
                            "10\0--lr\0" "1e-3\0--warmup\0" "2\0--schedule\0cosine\0--arch\0gpt2\0--seed\0"
                            "99\0--wd\0" "0.1\0--clip\0" "1\0--val-frac\0" "0.1\0--seconds\0" "5\0--save\0a.gguf\0"
                            "--sft\0--lora-rank\0" "8\0--lora-alpha\0" "16\0--lora-targets\0q,v,gate\0--save-lora\0"
                            "b.gguf\0--merge-lora\0c.gguf\0--lora-dropout\0" "0.1\0";
    return fz_write(dir, "generate", g, sizeof g - 1) && fz_write(dir, "train", t, sizeof t - 1);
}
#endif
