/* examples/game_loop.c - an NPC that talks without threads: text generation in small,
   bounded steps from a game's frame loop.

   Shows: llm_generator_step(g, budget, &done) doing at most about `budget` seconds of work
   per call (one prefill chunk or a few tokens; at least one unit), so a 60 fps loop keeps
   its frame time; the streamed text arrives in complete UTF-8 characters; a player can
   interrupt (the generator is simply freed). One line is printed per frame.

   Build: cc -O3 -march=native -o game_loop examples/game_loop.c -lm -lpthread
   Run:   ./game_loop [MODEL [-z TOKENIZER]] [--budget-ms 4] [--frames 400] [--prompt TEXT]
          With no model it builds a small random byte-level model, so the NPC babbles, but
          the frame timing is real; try a trained checkpoint (./train --save npc.gguf). */
#define LLM_IMPLEMENTATION
#include "../llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct npc_line { char text[4096]; size_t len; size_t shown; } npc_line;

static int on_text(const char *text, size_t len, int32_t tok, void *u) {
    npc_line *l = (npc_line *)u;
    (void)tok;
    if (l->len + len >= sizeof l->text) return 1;   /* the speech bubble is full: stop */
    memcpy(l->text + l->len, text, len);
    l->len += len;
    l->text[l->len] = 0;
    return 0;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *tok_path = NULL, *prompt = "The knight said: ";
    double budget_ms = 4.0;
    int frames = 400, i, frame, done = 0;
    llm_model *model = NULL;
    llm_model_desc md;
    llm_tokenizer *tok = NULL;
    llm_session *s = NULL;
    llm_sampler *smp = NULL;
    llm_sampler_desc sd;
    llm_generator *g = NULL;
    llm_generate_desc gd;
    llm_generate_stats st;
    llm_error err;
    npc_line line;
    int32_t start = 'T';

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-z") && i + 1 < argc) tok_path = argv[++i];
        else if (!strcmp(argv[i], "--budget-ms") && i + 1 < argc) budget_ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--prompt") && i + 1 < argc) prompt = argv[++i];
        else if (argv[i][0] != '-' && !model_path) model_path = argv[i];
        else { fprintf(stderr, "usage: game_loop [MODEL [-z TOKENIZER]] [--budget-ms MS] [--frames N] [--prompt TEXT]\n"); return 2; }
    }
    if (budget_ms <= 0 || frames <= 0) { fprintf(stderr, "game_loop: budget and frames must be positive\n"); return 2; }
    memset(&md, 0, sizeof md);
    if (model_path) {
        if (llm_model_load(model_path, NULL, &model, &err) != LLM_OK) { fprintf(stderr, "game_loop: %s\n", err.message); return 1; }
    } else {   /* a small random model over bytes, with a byte tokenizer (256 bytes + EOS) */
        llm_bpe_train_desc bd;
        memset(&bd, 0, sizeof bd); bd.text = prompt; bd.size = strlen(prompt); bd.vocab_size = 257;
        md.config.arch = LLM_ARCH_LLAMA; md.config.n_layer = 4; md.config.n_head = 8; md.config.n_kv_head = 4;
        md.config.dim = 256; md.config.vocab_size = 257; md.config.max_seq_len = 512; md.seed = 7;
        if (llm_model_create(&md, &model, &err) != LLM_OK || llm_tokenizer_train(&bd, &tok, &err) != LLM_OK ||
            llm_model_set_tokenizer(model, tok, &err) != LLM_OK) {
            fprintf(stderr, "game_loop: %s\n", err.message);
            goto out;
        }
        llm_tokenizer_free(tok);   /* the model keeps its own copy */
        tok = NULL;
    }
    if (tok_path) {
        if (llm_tokenizer_load(tok_path, NULL, &tok, &err) != LLM_OK || llm_model_set_tokenizer(model, tok, &err) != LLM_OK) {
            fprintf(stderr, "game_loop: %s\n", err.message);
            goto out;
        }
    }
    if (llm_session_create(model, NULL, &s, &err) != LLM_OK) { fprintf(stderr, "game_loop: %s\n", err.message); goto out; }
    memset(&sd, 0, sizeof sd);
    sd.temperature = 0.8f; sd.top_k = 40; sd.seed = 1;
    if (llm_sampler_create(model, &sd, &smp, &err) != LLM_OK) { fprintf(stderr, "game_loop: %s\n", err.message); goto out; }
    memset(&gd, 0, sizeof gd); memset(&line, 0, sizeof line);
    if (llm_model_tokenizer(model)) { gd.prompt = prompt; }
    else { gd.prompt_ids = &start; gd.n_prompt_ids = 1; }
    gd.max_tokens = 120; gd.on_text = on_text; gd.user_data = &line;
    gd.ignore_eos = !model_path;   /* the random model would soon say EOS */
    if (llm_generator_create(s, smp, &gd, &g, &err) != LLM_OK) { fprintf(stderr, "game_loop: %s\n", err.message); goto out; }

    printf("frame budget for the NPC: %.1f ms (the rest of the frame is the game's)\n", budget_ms);
    for (frame = 0; frame < frames && !done; frame++) {
        double t0 = llm_time_seconds(), ms;
        /* ... the game updates physics, AI, audio here ... */
        if (llm_generator_step(g, budget_ms / 1000.0, &done) != LLM_OK) {
            fprintf(stderr, "game_loop: %s\n", llm_generator_last_error(g));
            break;
        }
        ms = (llm_time_seconds() - t0) * 1000.0;
        printf("frame %3d | npc %5.2f ms | +%-3d bytes | %s\n", frame, ms, (int)(line.len - line.shown),
               line.len > line.shown ? "speaking" : (done ? "done" : "thinking"));
        line.shown = line.len;
        /* ... render, then wait for vsync ... */
    }
    llm_generator_stats(g, &st);
    printf("NPC: %s%s\n", gd.prompt ? gd.prompt : "", line.text);
    printf("%d frames, %d prompt tokens, %d generated, stopped: %s, %.1f tok/s while decoding\n", frame, st.n_prompt,
           st.n_generated, llm_stop_reason_string(st.stop), st.decode_seconds > 0 ? st.n_generated / st.decode_seconds : 0.0);
out:
    llm_generator_free(g);
    llm_sampler_free(smp);
    llm_session_free(s);
    llm_model_free(model);
    llm_tokenizer_free(tok);
    return 0;
}
