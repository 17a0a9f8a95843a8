/* tests/soak.c - a soak under threads: N sessions over one shared, read-only model, each on its
   own thread, generating, rewinding, saving and restoring for a while; a further thread cancels
   their long prefills; the main thread samples the resident memory (RSS) every half second.

   Each worker loops over:
     - generate 8..40 tokens from a text prompt (streamed text, stop strings, a sampler with
       top-k / top-p / penalties), sometimes with context shifts in a small window;
     - save session + sampler to memory, generate 12 tokens, restore, generate 12 again: the
       two continuations must be the same tokens (the saved state is the whole state);
     - rewind to a random earlier position and go on;
     - a long prompt evaluated in small chunks while the canceller may ask to stop: it ends in
       LLM_ERR_OK or LLM_ERR_CANCELLED, and a cancelled call leaves the session as it was.
   Half of the workers share one thread pool (their jobs take turns), the others run alone.

   Passes when every call ended as expected, the restored continuations matched, cancellations
   happened, and memory stayed flat: the largest RSS of the last third of the run exceeds the
   largest of the middle third by at most 4 MB (--rss-limit; the first third is warm-up:
   allocator arenas, page faults; TSan's shadow memory grows by itself, so its run allows
   more). A leak of a few bytes per call grows without end; arenas go up and down. Run it under
   TSan for races (tests/run.sh does both, briefly):
     cc -O2 -pthread tests/soak.c -o soak -lm && ./soak --seconds 300 --threads 4
     cc -O1 -g -fsanitize=thread tests/soak.c -o soak_tsan -lm -lpthread && ./soak_tsan --seconds 10
   Options: --seconds S (20), --threads N (4), --model FILE (a GGUF with its tokenizer; default a
   small random Llama with a tokenizer trained here), --curve (print every sample). Linux (RSS
   from /proc/self/statm) and POSIX threads. */
#define LLM_IMPLEMENTATION
#include "../llm.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct soak_shared {
    const llm_model *model;
    const llm_tokenizer *tok;
    llm_threadpool *pool;
    double deadline;
    int cancel; /* set by the canceller, read in progress callbacks (atomics) */
    int stop_cancelling;
} soak_shared;

typedef struct soak_worker {
    pthread_t th;
    soak_shared *sh;
    int id;
    long iters, tokens, restores, rewinds, shifts, cancelled, completed, failures;
    char first_failure[400];
} soak_worker;

static double soak_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double soak_rss_mb(void) {
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = -1;
    fclose(f);
    return res < 0 ? -1 : (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}
static uint64_t soak_rand(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}
static void soak_fail(soak_worker *w, const char *what, llm_status st, const char *msg) {
    if (!w->failures++)
        snprintf(w->first_failure, sizeof w->first_failure, "worker %d: %s: %s (%.300s)", w->id, what,
                 llm_status_string(st), msg ? msg : "");
}
static int soak_cancel_cb(float fraction, void *u) {
    (void)fraction;
    return __atomic_load_n(&((soak_shared *)u)->cancel, __ATOMIC_ACQUIRE);
}
static int soak_text_cb(const char *text, size_t len, int32_t token, void *u) {
    (void)text;
    (void)token;
    *(size_t *)u += len;
    return 0;
}
typedef struct soak_ids {
    int32_t ids[64];
    int n;
} soak_ids;
static int soak_token_cb(int32_t token, void *u) {
    soak_ids *r = (soak_ids *)u;
    if (r->n < 64) r->ids[r->n++] = token;
    return 0;
}

static const char *soak_prompts[] = {
    "The king said unto the people,",
    "Once upon a time there was a little dog",
    "To be or not to be:",
    "Question: what is two plus two? Answer:",
    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E and UTF-8 text \xF0\x9F\x98\x80",
};
static const char *soak_stops[] = {"\n\n", "THE END"};

static void *soak_run(void *arg) {
    soak_worker *w = (soak_worker *)arg;
    soak_shared *sh = w->sh;
    llm_session_desc sd;
    llm_sampler_desc pd;
    llm_session *s = NULL;
    llm_sampler *smp = NULL;
    llm_status st;
    llm_error e;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(w->id + 1);
    unsigned char *state = NULL;
    size_t cap = 0;
    int32_t longp[200];
    int k;
    memset(&sd, 0, sizeof sd);
    sd.n_ctx = 256;
    sd.n_batch = 8;
    sd.backend = LLM_BACKEND_CPU;
    sd.pool = (w->id % 2 == 0) ? sh->pool : NULL;
    sd.progress = soak_cancel_cb;
    sd.progress_user_data = sh;
    memset(&pd, 0, sizeof pd);
    pd.temperature = 0.9f;
    pd.top_k = 40;
    pd.top_p = 0.95f;
    pd.repeat_penalty = 1.1f;
    pd.penalty_last_n = 32;
    pd.seed = 1234 + (uint64_t)w->id;
    if ((st = llm_session_create(sh->model, &sd, &s, &e)) != LLM_OK) {
        soak_fail(w, "session_create", st, e.message);
        return NULL;
    }
    if ((st = llm_sampler_create(sh->model, &pd, &smp, &e)) != LLM_OK) {
        soak_fail(w, "sampler_create", st, e.message);
        llm_session_free(s);
        return NULL;
    }
    for (k = 0; k < 200; k++) longp[k] = (int32_t)(soak_rand(&rng) % (uint64_t)llm_model_config(sh->model)->vocab_size);
    while (soak_now() < sh->deadline) {
        llm_generate_desc gd;
        llm_generate_stats gs;
        size_t text_bytes = 0, need = 0;
        soak_ids a, b;
        int r = (int)(soak_rand(&rng) % 100), pos;
        w->iters++;
        /* 1. generate from a prompt (a small window with context shifts now and then) */
        memset(&gd, 0, sizeof gd);
        gd.prompt = soak_prompts[soak_rand(&rng) % (sizeof soak_prompts / sizeof *soak_prompts)];
        gd.max_tokens = 8 + (int)(soak_rand(&rng) % 33);
        gd.stop_strings = soak_stops;
        gd.n_stop_strings = 2;
        gd.ignore_eos = 1;
        gd.tokenizer = sh->tok;
        gd.on_text = soak_text_cb;
        gd.user_data = &text_bytes;
        if (r < 15) {
            gd.context_shift = 1;
            gd.n_keep = 4;
        }
        if (llm_session_pos(s) + 64 + 40 > llm_session_n_ctx(s) && !gd.context_shift) llm_session_reset(s);
        __atomic_store_n(&sh->cancel, 0, __ATOMIC_RELEASE); /* (a cancel meant for step 4 may be late) */
        st = llm_generate(s, smp, &gd, &gs);
        if (st == LLM_ERR_CANCELLED) {
            w->cancelled++;
            continue;
        }
        if (st != LLM_OK) {
            soak_fail(w, "generate", st, llm_session_last_error(s));
            break;
        }
        w->tokens += gs.n_generated;
        w->shifts += gs.n_shifts;
        /* 2. save, continue, restore, continue: the same tokens */
        if (llm_session_pos(s) + 30 > llm_session_n_ctx(s)) llm_session_rewind(s, llm_session_pos(s) / 2);
        if ((st = llm_session_save_mem(s, smp, NULL, 0, &need)) != LLM_OK) {
            soak_fail(w, "save size", st, llm_session_last_error(s));
            break;
        }
        if (need > cap) {
            free(state);
            cap = need;
            if (!(state = (unsigned char *)malloc(cap))) {
                soak_fail(w, "malloc", LLM_ERR_OUT_OF_MEMORY, "");
                break;
            }
        }
        if ((st = llm_session_save_mem(s, smp, state, cap, &need)) != LLM_OK) {
            soak_fail(w, "save", st, llm_session_last_error(s));
            break;
        }
        memset(&gd, 0, sizeof gd);
        gd.prompt_ids = longp;
        gd.n_prompt_ids = 1; /* (a rewind may have left no logits) */
        gd.max_tokens = 12;
        gd.ignore_eos = 1;
        gd.on_token = soak_token_cb;
        a.n = b.n = 0;
        gd.user_data = &a;
        if ((st = llm_generate(s, smp, &gd, NULL)) != LLM_OK && st != LLM_ERR_CANCELLED) {
            soak_fail(w, "generate a", st, llm_session_last_error(s));
            break;
        }
        if ((st = llm_session_load_mem(s, smp, state, need)) != LLM_OK) {
            soak_fail(w, "restore", st, llm_session_last_error(s));
            break;
        }
        gd.user_data = &b;
        if ((st = llm_generate(s, smp, &gd, NULL)) != LLM_OK && st != LLM_ERR_CANCELLED) {
            soak_fail(w, "generate b", st, llm_session_last_error(s));
            break;
        }
        if (a.n == 12 && b.n == 12) { /* (both ran to the end: no cancel in between) */
            if (memcmp(a.ids, b.ids, sizeof a.ids[0] * 12) != 0) {
                soak_fail(w, "restore", LLM_ERR_FORMAT, "continuations differ");
                break;
            }
            w->restores++;
        }
        /* 3. rewind somewhere earlier */
        pos = llm_session_pos(s);
        if (pos > 0) {
            if ((st = llm_session_rewind(s, (int)(soak_rand(&rng) % (uint64_t)pos))) != LLM_OK) {
                soak_fail(w, "rewind", st, llm_session_last_error(s));
                break;
            }
            w->rewinds++;
        }
        /* 4. a long prefill in chunks of 8 that the canceller may stop */
        if (r < 50) {
            int before = llm_session_pos(s), n = 40 + (int)(soak_rand(&rng) % 120);
            if (before + n > llm_session_n_ctx(s)) {
                llm_session_reset(s);
                before = 0;
            }
            st = llm_session_eval(s, longp, n, NULL);
            if (st == LLM_ERR_CANCELLED) {
                if (llm_session_pos(s) != before) {
                    soak_fail(w, "cancel", st, "the session moved");
                    break;
                }
                w->cancelled++;
            } else if (st != LLM_OK) {
                soak_fail(w, "long eval", st, llm_session_last_error(s));
                break;
            } else w->completed++;
        }
    }
    free(state);
    llm_sampler_free(smp);
    llm_session_free(s);
    return NULL;
}
static void *soak_canceller(void *arg) {
    soak_shared *sh = (soak_shared *)arg;
    while (!__atomic_load_n(&sh->stop_cancelling, __ATOMIC_ACQUIRE)) {
        struct timespec t = {0, 3000000}; /* every 3 ms: ask to stop, then let go 1 ms later */
        nanosleep(&t, NULL);
        __atomic_store_n(&sh->cancel, 1, __ATOMIC_RELEASE);
        t.tv_nsec = 1000000;
        nanosleep(&t, NULL);
        __atomic_store_n(&sh->cancel, 0, __ATOMIC_RELEASE);
    }
    return NULL;
}

int main(int argc, char **argv) {
    double seconds = 20, rss_limit = 4, t0, rss[4096], lo = 0, hi = 0;
    int n_threads = 4, curve = 0, i, ns = 0, ok = 1;
    const char *model_path = NULL;
    soak_shared sh;
    soak_worker w[64];
    pthread_t canceller;
    llm_model *m = NULL;
    llm_tokenizer *tok = NULL;
    llm_error e;
    long tot[7] = {0};
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) n_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) model_path = argv[++i];
        else if (!strcmp(argv[i], "--curve")) curve = 1;
        else if (!strcmp(argv[i], "--rss-limit") && i + 1 < argc) rss_limit = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--threads N] [--model FILE] [--curve] [--rss-limit MB]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n_threads < 1 || n_threads > 64 || !(seconds > 0) || seconds > 86400) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    memset(&sh, 0, sizeof sh);
    if (model_path) {
        if (llm_model_load(model_path, NULL, &m, &e) != LLM_OK) {
            fprintf(stderr, "%s\n", e.message);
            return 1;
        }
        if (!llm_model_tokenizer(m)) {
            fprintf(stderr, "%s has no tokenizer\n", model_path);
            llm_model_free(m);
            return 1;
        }
    } else {
        static const char text[] =
            "The king said unto the people, once upon a time there was a little dog who lived in a house. "
            "To be or not to be: that is the question. Whether tis nobler in the mind to suffer the slings and "
            "arrows of outrageous fortune. Question: what is two plus two? Answer: four. THE END\n\n";
        llm_bpe_train_desc td;
        llm_model_desc md;
        memset(&td, 0, sizeof td);
        td.text = text;
        td.size = sizeof text - 1;
        td.vocab_size = 300;
        if (llm_tokenizer_train(&td, &tok, &e) != LLM_OK) {
            fprintf(stderr, "%s\n", e.message);
            return 1;
        }
        memset(&md, 0, sizeof md);
        md.config.arch = LLM_ARCH_LLAMA;
        md.config.n_layer = 2;
        md.config.n_head = 4;
        md.config.n_kv_head = 2;
        md.config.dim = 64;
        md.config.vocab_size = llm_tokenizer_vocab_size(tok);
        md.config.max_seq_len = 256;
        md.seed = 7;
        if (llm_model_create(&md, &m, &e) != LLM_OK || llm_model_set_tokenizer(m, tok, &e) != LLM_OK) {
            fprintf(stderr, "%s\n", e.message);
            return 1;
        }
        llm_tokenizer_free(tok);
    }
    sh.model = m;
    sh.tok = llm_model_tokenizer(m);
    if (llm_threadpool_create(2, NULL, &sh.pool, &e) != LLM_OK) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    t0 = soak_now();
    sh.deadline = t0 + seconds;
    memset(w, 0, sizeof w);
    for (i = 0; i < n_threads; i++) {
        w[i].sh = &sh;
        w[i].id = i;
        if (pthread_create(&w[i].th, NULL, soak_run, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    if (pthread_create(&canceller, NULL, soak_canceller, &sh) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 1;
    }
    printf("soak: %d sessions on %d threads over one model (%zu parameters), %.0f s; RSS (MB) every 0.5 s:\n",
           n_threads, n_threads, llm_model_num_params(m), seconds);
    while (soak_now() < sh.deadline && ns < 4096) {
        struct timespec t = {0, 500000000};
        nanosleep(&t, NULL);
        if (soak_now() >= sh.deadline) break; /* (the workers are freeing their sessions) */
        rss[ns++] = soak_rss_mb();
        if (curve) printf("  %6.1f s  %8.2f MB\n", soak_now() - t0, rss[ns - 1]);
    }
    for (i = 0; i < n_threads; i++) pthread_join(w[i].th, NULL);
    __atomic_store_n(&sh.stop_cancelling, 1, __ATOMIC_RELEASE);
    pthread_join(canceller, NULL);
    for (i = 0; i < n_threads; i++) {
        tot[0] += w[i].iters;
        tot[1] += w[i].tokens;
        tot[2] += w[i].restores;
        tot[3] += w[i].rewinds;
        tot[4] += w[i].cancelled;
        tot[5] += w[i].completed;
        tot[6] += w[i].shifts;
        if (w[i].failures) {
            ok = 0;
            printf("FAIL %s (%ld failures)\n", w[i].first_failure, w[i].failures);
        }
    }
    if (!curve) { /* the curve in ten points */
        printf("  RSS:");
        for (i = 0; i < 10 && ns; i++) printf(" %.1f", rss[(size_t)i * (size_t)(ns - 1) / 9]);
        printf("\n");
    }
    for (i = ns / 3; i < ns; i++) { /* the largest RSS of the middle third, then of the last third */
        double *m = i < 2 * ns / 3 ? &lo : &hi;
        *m = rss[i] > *m ? rss[i] : *m;
    }
    printf("soak: %ld iterations, %ld tokens generated, %ld restores matched, %ld rewinds, %ld context shifts, "
           "%ld prefills cancelled, %ld completed\n",
           tot[0], tot[1], tot[2], tot[3], tot[6], tot[4], tot[5]);
    printf("soak: largest RSS in the middle third %.2f MB, in the last third %.2f MB (growth %.2f MB, limit %g)\n", lo,
           hi, hi - lo, rss_limit);
    if (ns >= 4 && hi - lo > rss_limit) {
        ok = 0;
        printf("FAIL memory grew\n");
    }
    if (tot[2] == 0 || tot[4] == 0 || tot[5] == 0) {
        ok = 0;
        printf("FAIL a part of the soak never ran\n");
    }
    llm_threadpool_free(sh.pool);
    llm_model_free(m);
    printf("soak: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
