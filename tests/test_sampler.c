/* tests/test_sampler.c - the sampler (issue 4): exact candidate sets for top-k / top-p /
   min-p on hand-made logits and against a sort-everything reference on random ones,
   penalties and logit bias checked by hand, greedy, chi-square goodness of fit of the drawn
   tokens, seed reproducibility, save/load of the state, bad inputs, no allocation while
   sampling. */

/* ---- helpers ---- */
static llm_sampler *ts_make(int V, float temp, int k, float p, float min_p, uint64_t seed) {
    llm_sampler_desc d;
    llm_sampler *s = NULL;
    memset(&d, 0, sizeof d);
    d.vocab_size = V; d.temperature = temp; d.top_k = k; d.top_p = p; d.min_p = min_p; d.seed = seed;
    if (llm_sampler_create(NULL, &d, &s, NULL) != LLM_OK) return NULL;
    return s;
}

/* logits = log(probs): softmax gives the probs back exactly (up to rounding) */
static void ts_log(const double *probs, int n, float *logits) {
    int i;
    for (i = 0; i < n; i++) logits[i] = probs[i] > 0 ? (float)log(probs[i]) : -INFINITY;
}

typedef struct ts_pair { int32_t id; double p; } ts_pair;
static int ts_by_id(const void *a, const void *b) {
    int32_t x = ((const ts_pair *)a)->id, y = ((const ts_pair *)b)->id;
    return (x > y) - (x < y);
}
typedef struct ts_rank { float l; int32_t id; } ts_rank;
static int ts_by_rank(const void *a, const void *b) {
    const ts_rank *x = (const ts_rank *)a, *y = (const ts_rank *)b;
    if (x->l != y->l) return x->l > y->l ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* llm_sampler_candidates as one number: the count, or the (negative) status. */
static int ts_ncand(llm_sampler *s, const float *logits, int32_t *ids, float *pr) {
    int n = 0;
    llm_status st = llm_sampler_candidates(s, logits, ids, pr, &n);
    return st == LLM_OK ? n : (int)st;
}

/* The candidate set of the sampler, sorted by id. Returns the count (or a status). */
static int ts_cands(llm_sampler *s, const float *logits, ts_pair *out) {
    int V = s->vocab_size, n, i;
    int32_t *ids = (int32_t *)malloc((size_t)V * sizeof(int32_t));
    float *pr = (float *)malloc((size_t)V * sizeof(float));
    n = ts_ncand(s, logits, ids, pr);
    for (i = 0; i < n; i++) { out[i].id = ids[i]; out[i].p = pr[i]; }
    if (n > 0) qsort(out, (size_t)n, sizeof *out, ts_by_id);
    free(ids); free(pr);
    return n;
}

/* The reference: sort the whole vocabulary, softmax in double, cut prefixes in the chain's
   order (top-k, then top-p on the renormalised top-k set, then min-p), renormalise.
   Output sorted by id. */
static int ts_reference(const float *l, int V, float T, int k, float p, float min_p, ts_pair *out) {
    ts_rank *r = (ts_rank *)malloc((size_t)V * sizeof *r);
    double *w = (double *)malloc((size_t)V * sizeof(double)), z = 0, acc = 0;
    int n = 0, i, np;
    for (i = 0; i < V; i++) if (l[i] > -INFINITY) { r[n].l = l[i]; r[n].id = i; n++; }
    qsort(r, (size_t)n, sizeof *r, ts_by_rank);
    if (k > 0 && k < n) n = k;
    for (i = 0; i < n; i++) { w[i] = exp(((double)r[i].l - r[0].l) / T); z += w[i]; }
    if (p > 0 && p < 1) {
        for (np = 0; np < n; np++) { acc += w[np]; if (acc >= p * z) { np++; break; } }
        n = np;
    }
    if (min_p > 0) {
        for (i = 0; i < n && w[i] >= min_p * w[0]; i++) {}
        n = i;
    }
    for (z = 0, i = 0; i < n; i++) z += w[i];
    for (i = 0; i < n; i++) { out[i].id = r[i].id; out[i].p = w[i] / z; }
    qsort(out, (size_t)n, sizeof *out, ts_by_id);
    free(r); free(w);
    return n;
}

/* Compare two id-sorted sets; returns 0 when equal (probabilities within tol). */
static int ts_same(const ts_pair *a, int na, const ts_pair *b, int nb, double tol, char *why, size_t cap) {
    int i;
    if (na != nb) { snprintf(why, cap, "sizes %d vs %d", na, nb); return 1; }
    for (i = 0; i < na; i++) {
        if (a[i].id != b[i].id) { snprintf(why, cap, "entry %d: id %d vs %d", i, (int)a[i].id, (int)b[i].id); return 1; }
        if (fabs(a[i].p - b[i].p) > tol) { snprintf(why, cap, "id %d: p %.7f vs %.7f", (int)a[i].id, a[i].p, b[i].p); return 1; }
    }
    return 0;
}

/* ---- greedy ---- */
static void test_sampler_greedy(t_ctx *t) {
    float l[6] = { 1.0f, 3.0f, -INFINITY, 3.0f, 2.5f, 0.0f };
    llm_sampler *s = ts_make(6, 0, 2, 0.5f, 0.5f, 7); /* filters ignored when greedy */
    unsigned char st0[64], st1[64];
    int32_t tok = -1;
    int i;
    T_CHECK(t, s != NULL, "create");
    T_CHECK(t, llm_sampler_save_mem(s, st0, sizeof st0, NULL) == LLM_OK, "save");
    for (i = 0; i < 3; i++) {
        T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK, "sample");
        T_CHECK(t, tok == 1, "greedy picked %d, want 1 (first of the tied maxima)", (int)tok);
    }
    /* greedy leaves the RNG where it was (only the window changed) */
    T_CHECK(t, llm_sampler_save_mem(s, st1, sizeof st1, NULL) == LLM_OK, "save");
    T_CHECK(t, memcmp(st0 + 16, st1 + 16, 16) == 0, "greedy advanced the RNG");
    llm_sampler_free(s);
    /* a greedy candidate set is the argmax with probability 1 */
    {
        ts_pair c[6];
        int n;
        s = ts_make(6, 0, 0, 0, 0, 0);
        n = ts_cands(s, l, c);
        T_CHECK(t, n == 1 && c[0].id == 1 && c[0].p == 1.0, "greedy candidates n=%d", n);
        llm_sampler_free(s);
    }
}

/* ---- top-k ---- */
static void test_sampler_top_k(t_ctx *t) {
    float l[8] = { 1, 5, 3, 5, 2, 4, -INFINITY, 0 };
    ts_pair c[8], want[3];
    char why[128];
    double e5 = exp(5.0), e4 = exp(4.0), z = 2 * e5 + e4;
    llm_sampler *s = ts_make(8, 1.0f, 3, 0, 0, 1);
    int n = ts_cands(s, l, c);
    want[0].id = 1; want[0].p = e5 / z;
    want[1].id = 3; want[1].p = e5 / z;
    want[2].id = 5; want[2].p = e4 / z;
    T_CHECK(t, !ts_same(c, n, want, 3, 1e-6, why, sizeof why), "top-k 3: %s", why);
    llm_sampler_free(s);
    /* k = 1 inside a tie keeps the lower id */
    s = ts_make(8, 1.0f, 1, 0, 0, 1);
    n = ts_cands(s, l, c);
    T_CHECK(t, n == 1 && c[0].id == 1 && c[0].p == 1.0, "top-k 1 tie: n=%d id=%d", n, (int)c[0].id);
    llm_sampler_free(s);
    /* k larger than the finite tokens: the banned one stays out */
    s = ts_make(8, 2.0f, 7, 0, 0, 1);
    n = ts_cands(s, l, c);
    T_CHECK(t, n == 7 && c[6].id == 7, "top-k 7 of 7 finite: n=%d", n);
    /* temperature 2: p_1 / p_5 = exp((5 - 4) / 2) */
    T_CHECK(t, fabs(c[1].p / c[5].p - exp(0.5)) < 1e-5, "temperature ratio %.6f", c[1].p / c[5].p);
    llm_sampler_free(s);
}

/* ---- top-p ---- */
static void test_sampler_top_p(t_ctx *t) {
    /* sorted: 0.40 (1), 0.25 (3), 0.20 (4), 0.10 (2), 0.05 (0) */
    static const double probs[5] = { 0.05, 0.40, 0.10, 0.25, 0.20 };
    static const struct { float p; int n; int32_t ids[5]; } cases[] = {
        { 0.30f, 1, { 1 } },            /* 0.40 >= 0.30 */
        { 0.60f, 2, { 1, 3 } },         /* 0.65 */
        { 0.70f, 3, { 1, 3, 4 } },      /* 0.85 */
        { 0.90f, 4, { 1, 2, 3, 4 } },   /* 0.95 */
        { 0.97f, 5, { 0, 1, 2, 3, 4 } },
    };
    float l[5];
    ts_pair c[5];
    size_t ci;
    int i, n;
    ts_log(probs, 5, l);
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        llm_sampler *s = ts_make(5, 1.0f, 0, cases[ci].p, 0, 1);
        double z = 0;
        n = ts_cands(s, l, c);
        llm_sampler_free(s);
        T_CHECK(t, n == cases[ci].n, "top-p %.2f: %d tokens, want %d", cases[ci].p, n, cases[ci].n);
        for (i = 0; i < n; i++) z += probs[cases[ci].ids[i]];
        for (i = 0; i < n; i++) {
            T_CHECK(t, c[i].id == cases[ci].ids[i], "top-p %.2f: token %d is %d", cases[ci].p, i, (int)c[i].id);
            T_CHECK(t, fabs(c[i].p - probs[c[i].id] / z) < 1e-6, "top-p %.2f: renormalised p of %d = %.7f", cases[ci].p, (int)c[i].id, c[i].p);
        }
    }
    /* top-k then top-p: the nucleus is measured on the renormalised top-k set.
       top-k 3 keeps 0.40, 0.25, 0.20 (sum 0.85): 0.40/0.85 = 0.47, 0.65/0.85 = 0.76, so
       p = 0.75 keeps 2 tokens... and p = 0.77 keeps 3 (without top-k it would be 3 at 0.75). */
    {
        llm_sampler *s = ts_make(5, 1.0f, 3, 0.75f, 0, 1);
        n = ts_cands(s, l, c);
        llm_sampler_free(s);
        T_CHECK(t, n == 2 && c[0].id == 1 && c[1].id == 3, "top-k 3 + top-p 0.75: n=%d", n);
        s = ts_make(5, 1.0f, 3, 0.77f, 0, 1);
        n = ts_cands(s, l, c);
        llm_sampler_free(s);
        T_CHECK(t, n == 3, "top-k 3 + top-p 0.77: n=%d", n);
    }
    /* the nucleus may need tail tokens just above llama2.c's cut (1 - p) Z / (V - 1): one
       token of weight 1 at id 50 and 100 of weight 0.02 (Z = 3, cut = 0.0147 at p = 0.51);
       p Z = 1.53 needs the big one and 27 small ones, the lowest ids among the ties */
    {
        float tail[101];
        ts_pair cc[101];
        llm_sampler *s = ts_make(101, 1.0f, 0, 0.51f, 0, 1);
        for (i = 0; i < 101; i++) tail[i] = (float)log(0.02);
        tail[50] = 0;
        n = ts_cands(s, tail, cc);
        llm_sampler_free(s);
        T_CHECK(t, n == 28 && cc[26].id == 26 && cc[27].id == 50, "tail nucleus: n=%d", n);
        T_CHECK(t, fabs(cc[27].p - 1 / 1.54) < 1e-5, "tail nucleus: p of the big one %.6f", cc[27].p);
    }
    /* equal logits: ties go to the lower ids, also through the quickselect (n > 16) */
    {
        float *flat = (float *)malloc(1000 * sizeof(float));
        ts_pair *cc = (ts_pair *)malloc(1000 * sizeof(ts_pair));
        llm_sampler *s = ts_make(1000, 1.0f, 0, 0.5005f, 0, 1);
        for (i = 0; i < 1000; i++) flat[i] = 0.25f;
        n = ts_cands(s, flat, cc);
        llm_sampler_free(s);
        for (i = 0; i < n && cc[i].id == i; i++) {}
        free(flat);
        free(cc);
        T_CHECK(t, n == 501 && i == 501, "flat 1000, p 0.5005: n=%d, ids 0..%d", n, i - 1);
    }
}

/* ---- min-p ---- */
static void test_sampler_min_p(t_ctx *t) {
    static const double probs[6] = { 0.5, 0.2, 0.04, 0.06, 0.19, 0.01 };
    float l[6];
    ts_pair c[6];
    int n;
    llm_sampler *s;
    ts_log(probs, 6, l);
    /* threshold 0.1 * 0.5 = 0.05: keeps 0, 1, 3, 4 */
    s = ts_make(6, 1.0f, 0, 0, 0.1f, 1);
    n = ts_cands(s, l, c);
    llm_sampler_free(s);
    T_CHECK(t, n == 4 && c[0].id == 0 && c[1].id == 1 && c[2].id == 3 && c[3].id == 4, "min-p 0.1: n=%d", n);
    T_CHECK(t, fabs(c[2].p - 0.06 / 0.95) < 1e-6, "min-p renormalised p %.7f", c[2].p);
    /* after top-p 0.6 (keeps 0.5, 0.2): min-p 0.5 (threshold 0.25) keeps only token 0 */
    s = ts_make(6, 1.0f, 0, 0.6f, 0.5f, 1);
    n = ts_cands(s, l, c);
    llm_sampler_free(s);
    T_CHECK(t, n == 1 && c[0].id == 0, "top-p 0.6 + min-p 0.5: n=%d", n);
    /* min-p sees temperature: at T = 2, p_3 / p_0 = sqrt(0.12) = 0.35 >= 0.3 */
    s = ts_make(6, 2.0f, 0, 0, 0.3f, 1);
    n = ts_cands(s, l, c);
    llm_sampler_free(s);
    T_CHECK(t, n == 4 && c[2].id == 3, "T 2 + min-p 0.3: n=%d", n);
    /* min-p > 1 filters everything: falls back to the argmax */
    s = ts_make(6, 1.0f, 0, 0, 2.0f, 1);
    {
        int32_t tok = -1;
        T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK && tok == 0, "min-p 2 fallback: %d", (int)tok);
    }
    llm_sampler_free(s);
}

/* ---- every filter combination on random logits vs the sort-everything reference ---- */
static void test_sampler_random_sets(t_ctx *t) {
    static const int Vs[3] = { 37, 1000, 20000 };
    static const float Ts[3] = { 0.5f, 1.0f, 1.7f };
    static const int ks[4] = { 0, 1, 40, 500 };
    static const float ps[4] = { 0, 0.5f, 0.9f, 0.99f };
    static const float mps[3] = { 0, 0.02f, 0.3f };
    float *l = (float *)malloc(20000 * sizeof(float));
    ts_pair *a = (ts_pair *)malloc(20000 * sizeof(ts_pair)), *b = (ts_pair *)malloc(20000 * sizeof(ts_pair));
    llm_rng rng;
    char why[128];
    int vi, ti, ki, pi, mi, i, checked = 0, failed = 0;
    llm_rng_seed(&rng, 42);
    for (vi = 0; vi < 3 && !failed; vi++) {
        int V = Vs[vi];
        for (ti = 0; ti < 3 && !failed; ti++) {
            float scale = ti == 0 ? 1.0f : ti == 1 ? 3.0f : 0.3f; /* from peaked to nearly flat */
            for (i = 0; i < V; i++) l[i] = scale * llm_rng_normal(&rng);
            for (i = 0; i < V / 50; i++) l[llm_rng_u32(&rng) % (uint32_t)V] = -INFINITY;
            for (ki = 0; ki < 4 && !failed; ki++)
                for (pi = 0; pi < 4 && !failed; pi++)
                    for (mi = 0; mi < 3 && !failed; mi++) {
                        llm_sampler *s = ts_make(V, Ts[ti], ks[ki], ps[pi], mps[mi], 1);
                        int na = ts_cands(s, l, a);
                        int nb = ts_reference(l, V, Ts[ti], ks[ki], ps[pi], mps[mi], b);
                        llm_sampler_free(s);
                        checked++;
                        if (ts_same(a, na, b, nb, 1e-5, why, sizeof why)) {
                            failed = 1;
                            T_NOTE(t, "V %d T %.1f k %d p %.2f min-p %.2f: %s", V, Ts[ti], ks[ki], ps[pi], mps[mi], why);
                        }
                    }
        }
    }
    free(l); free(a); free(b);
    T_CHECK(t, !failed, "%s", "");
    T_NOTE(t, "%d configurations match the full-sort reference", checked);
}

/* ---- penalties ---- */
static void test_sampler_penalties(t_ctx *t) {
    float l[5] = { 2.0f, -1.0f, 0.5f, 3.0f, -2.0f };
    static const int32_t win[6] = { 0, 1, 1, 3, 3, 3 };
    static const struct { float rep, pres, freq; int last_n; float want[5]; } cases[] = {
        /* repeat 2: 2/2, -1*2, untouched, 3/2, untouched */
        { 2.0f, 0, 0, 0, { 1.0f, -2.0f, 0.5f, 1.5f, -2.0f } },
        /* presence 0.5, frequency 0.25 (counts 1, 2, 0, 3, 0) */
        { 0, 0.5f, 0.25f, 0, { 1.25f, -2.0f, 0.5f, 1.75f, -2.0f } },
        /* all three: repeat first, then subtract */
        { 2.0f, 0.5f, 0.25f, 0, { 0.25f, -3.0f, 0.5f, 0.25f, -2.0f } },
        /* a window of 3 sees only 3, 3, 3 */
        { 1.0f, 0.5f, 0.25f, 3, { 2.0f, -1.0f, 0.5f, 1.75f, -2.0f } },
    };
    size_t ci;
    int i;
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        llm_sampler_desc d;
        llm_sampler *s;
        int32_t ids[5];
        float pr[5];
        memset(&d, 0, sizeof d);
        d.vocab_size = 5; d.temperature = 1.0f; d.repeat_penalty = cases[ci].rep;
        d.presence_penalty = cases[ci].pres; d.frequency_penalty = cases[ci].freq;
        d.penalty_last_n = cases[ci].last_n;
        T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
        for (i = 0; i < 6; i++) T_CHECK(t, llm_sampler_accept(s, win[i]) == LLM_OK, "accept");
        for (i = 0; i < 2; i++) { /* twice: the counts must be clean after a call */
            int k;
            T_CHECK(t, ts_ncand(s, l, ids, pr) == 5, "candidates");
            for (k = 0; k < 5; k++)
                T_CHECK(t, fabsf(s->work[k] - cases[ci].want[k]) < 1e-6f, "case %d token %d: %g want %g",
                        (int)ci, k, s->work[k], cases[ci].want[k]);
        }
        /* the caller's logits are not modified */
        T_CHECK(t, l[0] == 2.0f && l[3] == 3.0f, "logits modified");
        /* reset empties the window */
        llm_sampler_reset(s);
        T_CHECK(t, ts_ncand(s, l, ids, pr) == 5, "candidates");
        for (i = 0; i < 5; i++) T_CHECK(t, s->work[i] == l[i], "penalty after reset on %d", i);
        llm_sampler_free(s);
    }
    /* greedy still applies penalties: 3.0 / 2 < 2.0, so token 0 wins; sampled tokens join
       the window, so the next greedy pick moves on again */
    {
        llm_sampler_desc d;
        llm_sampler *s;
        int32_t tok;
        memset(&d, 0, sizeof d);
        d.vocab_size = 5; d.repeat_penalty = 2.0f;
        T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
        llm_sampler_accept(s, 3);
        T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK && tok == 0, "greedy + penalty: %d", (int)tok);
        T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK && tok == 3, "second pick: %d", (int)tok);
        llm_sampler_free(s);
    }
}

/* ---- logit bias ---- */
static void test_sampler_logit_bias(t_ctx *t) {
    float l[5] = { 2.0f, -1.0f, 0.5f, 3.0f, -2.0f };
    llm_logit_bias bias[3];
    llm_sampler_desc d;
    llm_sampler *s;
    int32_t tok, ids[5];
    float pr[5];
    memset(&d, 0, sizeof d);
    bias[0].token = 2; bias[0].bias = 1.5f;
    bias[1].token = 3; bias[1].bias = -INFINITY; /* banned */
    bias[2].token = 2; bias[2].bias = 0.25f;     /* repeated entries add up */
    d.vocab_size = 5; d.logit_bias = bias; d.n_logit_bias = 3;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
    bias[0].bias = 100; /* copied at create: no effect */
    T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK && tok == 2, "greedy with bias: %d", (int)tok);
    T_CHECK(t, ts_ncand(s, l, ids, pr) == 1, "greedy candidates");
    T_CHECK(t, s->work[2] == 2.25f && s->work[3] == -INFINITY && s->work[0] == 2.0f, "biased logits");
    llm_sampler_free(s);
    /* sampling never draws a banned token */
    d.temperature = 5.0f; d.seed = 3;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
    {
        int i, seen3 = 0;
        for (i = 0; i < 2000; i++) { llm_sampler_sample(s, l, &tok); seen3 += tok == 3; }
        T_CHECK(t, !seen3, "a banned token was drawn %d times", seen3);
    }
    llm_sampler_free(s);
}

/* ---- chi-square goodness of fit ---- */
/* Draws n tokens and compares the counts with the reference distribution; bins expecting
   fewer than 5 draws are pooled. Returns chi2 and its degrees of freedom; any draw outside
   the candidate set counts as a failure (*outside). */
static double ts_chi2(llm_sampler *s, const float *l, int V, const ts_pair *ref, int nref, int n,
                      int *df, int *outside) {
    long *count = (long *)calloc((size_t)V, sizeof(long));
    double chi2 = 0, pool_e = 0, pool_o = 0;
    int i, bins = 0;
    int32_t tok;
    *outside = 0;
    for (i = 0; i < n; i++) { llm_sampler_sample(s, l, &tok); count[tok]++; }
    for (i = 0; i < nref; i++) {
        double e = ref[i].p * n, o = (double)count[ref[i].id];
        count[ref[i].id] = -1 - count[ref[i].id]; /* mark as seen */
        if (e < 5) { pool_e += e; pool_o += o; continue; }
        chi2 += (o - e) * (o - e) / e;
        bins++;
    }
    if (pool_e > 0) { chi2 += (pool_o - pool_e) * (pool_o - pool_e) / pool_e; bins++; }
    for (i = 0; i < V; i++) if (count[i] > 0) *outside += 1;
    free(count);
    *df = bins - 1;
    return chi2;
}

static void test_sampler_chi_square(t_ctx *t) {
    /* Fixed seeds make this deterministic; the bound is the chi-square quantile for
       p = 1e-6 (about df + 5.4 sqrt(2 df) + 12 for these df), so a correct sampler could
       only fail it by a one-in-a-million seed. */
    static const struct { int V; float T; int k; float p; float min_p; float scale; int n; } cases[] = {
        { 8, 1.0f, 0, 0, 0, 1.0f, 200000 },        /* plain softmax */
        { 8, 0.8f, 6, 0.9f, 0, 1.0f, 200000 },     /* temperature + top-k + top-p */
        { 300, 1.3f, 0, 0.9f, 0, 1.0f, 100000 },   /* the quickselect nucleus */
        { 300, 0.7f, 40, 0, 0.05f, 2.0f, 100000 }, /* top-k + min-p */
    };
    float l[300];
    ts_pair ref[300];
    size_t ci;
    char note[200] = "";
    llm_rng rng;
    llm_rng_seed(&rng, 9);
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        int V = cases[ci].V, i, df, outside, nref;
        double chi2, bound;
        llm_sampler *s;
        for (i = 0; i < V; i++) l[i] = cases[ci].scale * llm_rng_normal(&rng);
        nref = ts_reference(l, V, cases[ci].T, cases[ci].k, cases[ci].p, cases[ci].min_p, ref);
        s = ts_make(V, cases[ci].T, cases[ci].k, cases[ci].p, cases[ci].min_p, 1000 + ci);
        T_CHECK(t, s != NULL, "create");
        chi2 = ts_chi2(s, l, V, ref, nref, cases[ci].n, &df, &outside);
        llm_sampler_free(s);
        bound = df + 5.4 * sqrt(2.0 * df) + 12;
        T_CHECK(t, outside == 0, "case %d: %d tokens drawn outside the candidate set", (int)ci, outside);
        T_CHECK(t, df >= 1 && chi2 < bound, "case %d: chi2 %.1f with %d df (bound %.1f)", (int)ci, chi2, df, bound);
        snprintf(note + strlen(note), sizeof note - strlen(note), "%schi2 %.1f/%d", ci ? ", " : "", chi2, df);
    }
    T_NOTE(t, "%s", note);
}

/* ---- reproducibility and state ---- */
static void test_sampler_seed(t_ctx *t) {
    enum { V = 2000, N = 300 };
    float *l = (float *)malloc(V * sizeof(float));
    int32_t a[N], b[N], c[N];
    llm_sampler *s1 = ts_make(V, 0.9f, 0, 0.95f, 0, 123), *s2 = ts_make(V, 0.9f, 0, 0.95f, 0, 123);
    llm_sampler *s3 = ts_make(V, 0.9f, 0, 0.95f, 0, 124);
    llm_rng rng;
    int i, j, diff = 0;
    llm_rng_seed(&rng, 5);
    for (i = 0; i < N; i++) {
        for (j = 0; j < V; j++) l[j] = 2.0f * llm_rng_normal(&rng);
        llm_sampler_sample(s1, l, &a[i]);
        llm_sampler_sample(s2, l, &b[i]);
        llm_sampler_sample(s3, l, &c[i]);
        diff += a[i] != c[i];
    }
    llm_sampler_free(s1); llm_sampler_free(s2); llm_sampler_free(s3);
    free(l);
    T_CHECK(t, memcmp(a, b, sizeof a) == 0, "same seed, different tokens");
    T_CHECK(t, diff > N / 4, "another seed changed only %d of %d tokens", diff, N);
}

static void test_sampler_state(t_ctx *t) {
    enum { V = 500, N = 100 };
    float *l = (float *)malloc(V * N * sizeof(float));
    int32_t a[N], b[N];
    unsigned char *buf;
    size_t need = 0, used = 0;
    llm_sampler_desc d;
    llm_sampler *s, *r;
    llm_rng rng;
    int i, j;
    llm_rng_seed(&rng, 77);
    for (i = 0; i < V * N; i++) l[i] = 2.0f * llm_rng_normal(&rng);
    memset(&d, 0, sizeof d);
    d.vocab_size = V; d.temperature = 1.0f; d.top_k = 50; d.repeat_penalty = 1.3f;
    d.frequency_penalty = 0.2f; d.penalty_last_n = 16; d.seed = 99;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
    d.seed = 1; /* the restored state must override the seed */
    T_CHECK(t, llm_sampler_create(NULL, &d, &r, NULL) == LLM_OK, "create");
    for (i = 0; i < 40; i++) llm_sampler_sample(s, l + (size_t)i * V, &a[0]);
    T_CHECK(t, llm_sampler_save_mem(s, NULL, 0, &need) == LLM_OK, "size query");
    T_CHECK(t, need == 32 + 4 * 16, "state size %lu", (unsigned long)need);
    buf = (unsigned char *)malloc(need);
    T_CHECK(t, llm_sampler_save_mem(s, buf, need - 1, &used) == LLM_ERR_BUFFER_TOO_SMALL && used == need, "small buffer");
    T_CHECK(t, llm_sampler_save_mem(s, buf, need, &used) == LLM_OK && used == need, "save");
    for (i = 0; i < N; i++) llm_sampler_sample(s, l + (size_t)i * V, &a[i]);
    /* bad states are refused and change nothing */
    buf[0] ^= 1;
    T_CHECK(t, llm_sampler_load_mem(r, buf, need) == LLM_ERR_FORMAT, "bad magic accepted");
    buf[0] ^= 1;
    T_CHECK(t, llm_sampler_load_mem(r, buf, need - 4) == LLM_ERR_FORMAT, "truncated state accepted");
    buf[need - 1] = 0x7f; /* last token id far out of range */
    T_CHECK(t, llm_sampler_load_mem(r, buf, need) == LLM_ERR_FORMAT, "bad token accepted");
    T_CHECK(t, r->win_len == 0, "a refused state changed the window");
    {
        llm_sampler *o = ts_make(V + 1, 1.0f, 0, 0, 0, 0);
        T_CHECK(t, llm_sampler_load_mem(o, buf, need) == LLM_ERR_FORMAT, "state for another vocab_size accepted");
        llm_sampler_free(o);
    }
    T_CHECK(t, llm_sampler_save_mem(s, buf, 0, NULL) == LLM_ERR_BUFFER_TOO_SMALL, "a zero-byte buffer"); /* harmless */
    free(buf);
    /* redo: the saved state from a fresh run */
    llm_sampler_free(s);
    d.seed = 99;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
    for (i = 0; i < 40; i++) llm_sampler_sample(s, l + (size_t)i * V, &b[0]);
    buf = (unsigned char *)malloc(need);
    llm_sampler_save_mem(s, buf, need, NULL);
    T_CHECK(t, llm_sampler_load_mem(r, buf, need) == LLM_OK, "load: %s", llm_sampler_last_error(r));
    free(buf);
    for (i = 0; i < N; i++) llm_sampler_sample(r, l + (size_t)i * V, &b[i]);
    for (j = 0; j < N && a[j] == b[j]; j++) {}
    llm_sampler_free(s); llm_sampler_free(r);
    free(l);
    T_CHECK(t, j == N, "restored stream differs at token %d", j);
    /* a longer window into a shorter one keeps the newest tokens */
    {
        llm_sampler *big = ts_make(10, 1.0f, 0, 0, 0, 0), *small;
        unsigned char st[64 * 4 + 32];
        memset(&d, 0, sizeof d);
        d.vocab_size = 10; d.penalty_last_n = 3;
        llm_sampler_create(NULL, &d, &small, NULL);
        for (i = 0; i < 7; i++) llm_sampler_accept(big, i);
        T_CHECK(t, llm_sampler_save_mem(big, st, sizeof st, NULL) == LLM_OK, "save");
        T_CHECK(t, llm_sampler_load_mem(small, st, sizeof st) == LLM_OK, "load into a shorter window");
        T_CHECK(t, small->win_len == 3 && small->window[0] == 4 && small->window[2] == 6, "kept window %d", small->win_len);
        llm_sampler_accept(small, 7); /* the ring wraps and evicts 4 */
        T_CHECK(t, llm_sampler_save_mem(small, st, sizeof st, NULL) == LLM_OK && st[32] == 5 && st[40] == 7, "ring order");
        llm_sampler_free(big); llm_sampler_free(small);
    }
}

/* ---- bad inputs ---- */
static void test_sampler_bad_inputs(t_ctx *t) {
    llm_sampler_desc d;
    llm_sampler *s = NULL;
    llm_error err;
    llm_logit_bias b;
    float l[4] = { 1, 2, 3, 4 };
    int32_t tok = -5;
    memset(&d, 0, sizeof d);
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, &err) == LLM_ERR_INVALID_ARG && !s, "vocab_size 0 accepted");
    T_CHECK(t, err.status == LLM_ERR_INVALID_ARG && err.message[0], "no error message");
    d.vocab_size = -3;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "vocab_size < 0 accepted");
    d.vocab_size = 4; d.temperature = NAN;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "NaN temperature accepted");
    d.temperature = -1;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "negative temperature accepted");
    d.temperature = 1; d.top_k = -1;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "top_k < 0 accepted");
    d.top_k = 0; d.top_p = NAN;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "NaN top_p accepted");
    d.top_p = 0; d.penalty_last_n = -1;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "penalty_last_n < 0 accepted");
    d.penalty_last_n = 0; d.logit_bias = &b; d.n_logit_bias = 1; b.token = 4; b.bias = 1;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, &err) == LLM_ERR_OUT_OF_RANGE, "bias token 4 of 4 accepted");
    b.token = -1;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_OUT_OF_RANGE, "bias token -1 accepted");
    b.token = 1; b.bias = NAN;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "NaN bias accepted");
    b.bias = 1; d.logit_bias = NULL;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_ERR_INVALID_ARG, "NULL bias array accepted");
    d.n_logit_bias = 0;
    T_CHECK(t, llm_sampler_create(NULL, NULL, &s, NULL) == LLM_ERR_INVALID_ARG, "NULL desc and no model accepted");
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
    /* NaN / +inf logits: an error, the token untouched, the sampler still usable */
    l[2] = NAN;
    T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_ERR_NON_FINITE && tok == -5, "NaN logit");
    T_CHECK(t, strstr(llm_sampler_last_error(s), "logit 2") != NULL, "message: %s", llm_sampler_last_error(s));
    l[2] = INFINITY;
    T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_ERR_NON_FINITE, "+inf logit");
    l[0] = l[1] = l[2] = l[3] = -INFINITY;
    T_CHECK(t, llm_sampler_sample(s, l, &tok) != LLM_OK, "all tokens banned");
    l[0] = FLT_MAX; l[1] = -INFINITY; l[2] = 0; l[3] = -FLT_MAX;
    T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK && tok == 0, "extreme logits: %d", (int)tok);
    T_CHECK(t, llm_sampler_sample(s, NULL, &tok) == LLM_ERR_INVALID_ARG, "NULL logits");
    T_CHECK(t, llm_sampler_sample(s, l, NULL) == LLM_ERR_INVALID_ARG, "NULL token");
    T_CHECK(t, llm_sampler_accept(s, 4) == LLM_ERR_OUT_OF_RANGE, "accept 4 of 4");
    T_CHECK(t, llm_sampler_accept(s, -1) == LLM_ERR_OUT_OF_RANGE, "accept -1");
    T_CHECK(t, llm_sampler_load_mem(s, NULL, 0) == LLM_ERR_FORMAT, "NULL state");
    T_CHECK(t, llm_sampler_sample(NULL, l, &tok) == LLM_ERR_INVALID_ARG, "NULL sampler");
    llm_sampler_free(s);
    llm_sampler_free(NULL);
    llm_sampler_reset(NULL);
    /* a bias that overflows to +inf */
    b.token = 0; b.bias = FLT_MAX; d.logit_bias = &b; d.n_logit_bias = 1;
    T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
    l[0] = FLT_MAX;
    T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_ERR_NON_FINITE, "overflowing bias");
    llm_sampler_free(s);
}

/* ---- allocation: everything at create, nothing while sampling ---- */
typedef struct ts_alloc { long allocs, frees; } ts_alloc;
static void *ts_alloc_fn(size_t n, void *u) { ((ts_alloc *)u)->allocs++; return malloc(n); }
static void ts_free_fn(void *p, void *u) { ((ts_alloc *)u)->frees++; free(p); }
static void test_sampler_no_alloc(t_ctx *t) {
    ts_alloc st = { 0, 0 };
    llm_sampler_desc d;
    llm_sampler *s;
    float l[3000];
    long after_create;
    llm_rng rng;
    int i, mode;
    llm_rng_seed(&rng, 1);
    for (i = 0; i < 3000; i++) l[i] = llm_rng_normal(&rng);
    for (mode = 0; mode < 4; mode++) {
        int32_t tok;
        memset(&d, 0, sizeof d);
        d.vocab_size = 3000; d.temperature = mode ? 0.8f : 0; d.top_k = mode == 1 ? 40 : 0;
        d.top_p = mode == 2 ? 0.9f : 0; d.min_p = mode == 3 ? 0.05f : 0; d.repeat_penalty = 1.1f;
        d.allocator.alloc_fn = ts_alloc_fn; d.allocator.free_fn = ts_free_fn; d.allocator.user_data = &st;
        T_CHECK(t, llm_sampler_create(NULL, &d, &s, NULL) == LLM_OK, "create");
        after_create = st.allocs;
        for (i = 0; i < 50; i++) T_CHECK(t, llm_sampler_sample(s, l, &tok) == LLM_OK, "sample");
        T_CHECK(t, st.allocs == after_create, "sampling allocated");
        llm_sampler_free(s);
        T_CHECK(t, st.allocs == st.frees, "%ld allocs, %ld frees", st.allocs, st.frees);
    }
}

/* ---- the vectorisable exp ---- */
static void test_sampler_exp(t_ctx *t) {
    double worst = 0, x;
    float at = 0;
    for (x = -87.0; x <= 0; x += 0.000731) {
        float xf = (float)x;
        double want = exp((double)xf), got = llm__exp_neg(xf), rel = fabs(got - want) / want;
        if (rel > worst) { worst = rel; at = xf; }
    }
    T_CHECK(t, worst < 3e-7, "exp: relative error %.2e at %g", worst, at);
    T_CHECK(t, llm__exp_neg(0) == 1.0f, "exp(0) = %.9g", llm__exp_neg(0));
    T_CHECK(t, llm__exp_neg(-INFINITY) == 0 && llm__exp_neg(-87.5f) == 0 && llm__exp_neg(-1e30f) == 0, "exp of very negative");
    T_NOTE(t, "max relative error %.2e", worst);
}

static const t_case sampler_tests[] = {
    { "sampler_exp", test_sampler_exp },
    { "sampler_greedy", test_sampler_greedy },
    { "sampler_top_k", test_sampler_top_k },
    { "sampler_top_p", test_sampler_top_p },
    { "sampler_min_p", test_sampler_min_p },
    { "sampler_random_sets", test_sampler_random_sets },
    { "sampler_penalties", test_sampler_penalties },
    { "sampler_logit_bias", test_sampler_logit_bias },
    { "sampler_chi_square", test_sampler_chi_square },
    { "sampler_seed", test_sampler_seed },
    { "sampler_state", test_sampler_state },
    { "sampler_bad_inputs", test_sampler_bad_inputs },
    { "sampler_no_alloc", test_sampler_no_alloc },
};
