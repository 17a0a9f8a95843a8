/* tests/test_regex.c - the regex matcher of the Split pre-tokenizers and the NFC normalizer:
   fixtures from Python's regex module and unicodedata (tests/ref/gen_regex_fixtures.py), unit
   cases per construct, refusals, invalid UTF-8, pathological backtracking. Included by
   tests/runner.c (unity build; uses tk_read_lines and tk_unhex of test_tokenizer.c). */

/* All matches of pattern over text as "s-e s-e ..." (or "ERR <status>" / "OOM"). */
static void rx_all(const char *pat, size_t plen, int flags, const unsigned char *s, size_t n, char *out, size_t cap) {
    llm__regex *re = NULL;
    llm__rx_scratch sc;
    llm_error err;
    size_t from = 0, ms, me, used = 0;
    int r;
    llm_status st = llm__regex_compile(NULL, pat, plen, flags, &re, &err);
    out[0] = 0;
    if (st != LLM_OK) { snprintf(out, cap, "ERR %d", (int)st); return; }
    memset(&sc, 0, sizeof sc);
    while ((r = llm__regex_find(re, s, n, from, &sc, &ms, &me)) == 1) {
        if (used + 48 < cap) used += (size_t)snprintf(out + used, cap - used, "%s%u-%u", used ? " " : "", (unsigned)ms,
                                                     (unsigned)me);
        if (me <= ms || me > n) { snprintf(out, cap, "BAD %u-%u", (unsigned)ms, (unsigned)me); break; }
        from = me;
    }
    if (r < 0) snprintf(out, cap, "OOM");
    llm__rx_scratch_free(&sc);
    llm__regex_free(re);
}

static void test_regex_fixtures(t_ctx *t) {
    tk_lines L;
    const char *pname[32];
    char *ptext[32];
    size_t plen[32], np = 0, nt = 0, i, cases = 0, matches = 0;
    unsigned char **text = NULL;
    size_t *tlen = NULL;
    char *got = NULL;
    const size_t cap = 1 << 20;
    llm__rx_scratch sc;
    if (!tk_read_lines("regex_matches.txt", &L)) T_SKIP(t, "tests/data/regex_matches.txt missing");
    text = (unsigned char **)calloc(L.n, sizeof *text);
    tlen = (size_t *)calloc(L.n, sizeof *tlen);
    got = (char *)malloc(cap);
    memset(&sc, 0, sizeof sc);
    for (i = 0; i < L.n; i++) {
        char *l = L.line[i];
        if (l[0] == 'P' && np < 32) {
            char *sp = strchr(l + 2, ' ');
            *sp = 0;
            pname[np] = l + 2;
            ptext[np] = sp + 1;
            plen[np] = tk_unhex(sp + 1, (unsigned char *)sp + 1);
            ptext[np][plen[np]] = 0;
            np++;
        } else if (l[0] == 'T') {
            text[nt] = (unsigned char *)l + 2;
            tlen[nt] = tk_unhex(l + 2, (unsigned char *)l + 2);
            nt++;
        } else if (l[0] == 'M') {
            char name[64];
            int ti, k, off = 0;
            size_t pi;
            if (sscanf(l + 2, "%63s %d %n", name, &ti, &off) < 2 || ti < 0 || (size_t)ti >= nt) {
                free(text); free(tlen); free(got); tk_free_lines(&L);
                T_FAIL(t, "bad fixture line %u", (unsigned)i);
            }
            for (pi = 0; pi < np && strcmp(pname[pi], name) != 0; pi++) { }
            if (pi == np) { free(text); free(tlen); free(got); tk_free_lines(&L); T_FAIL(t, "no pattern %s", name); }
            rx_all(ptext[pi], plen[pi], 0, text[ti], tlen[ti], got, cap);
            {   /* the expectation: "s e s e ..." -> "s-e s-e ..." */
                const char *e = l + 2 + off;
                char want[1 << 14];
                size_t w = 0;
                int pair = 0;
                long v;
                char *end;
                want[0] = 0;
                while ((v = strtol(e, &end, 10)), end != e) {
                    if (w + 24 < sizeof want)
                        w += (size_t)snprintf(want + w, sizeof want - w, "%s%ld", pair ? "-" : (w ? " " : ""), v);
                    pair = !pair;
                    if (!pair) matches++;
                    e = end;
                }
                k = strcmp(want, got) == 0;
                if (!k) {
                    char msg[300];
                    snprintf(msg, sizeof msg, "pattern %s text %d: want %.60s got %.60s", name, ti, want, got);
                    free(text); free(tlen); free(got); tk_free_lines(&L);
                    T_FAIL(t, "%s", msg);
                }
            }
            cases++;
        }
    }
    free(text); free(tlen); free(got); tk_free_lines(&L);
    llm__rx_scratch_free(&sc);
    T_CHECK(t, cases > 100, "only %u cases", (unsigned)cases);
    T_NOTE(t, "%u patterns x %u texts, %u matches equal to python regex", (unsigned)np, (unsigned)nt, (unsigned)matches);
}

/* Unit cases: pattern, text, expected matches (or "ERR -5" for a refusal). */
static void test_regex_constructs(t_ctx *t) {
    static const char *const cases[][3] = {
        {"abc", "xabcabc", "1-4 4-7"},
        {"a|ab", "ab", "0-1"},                         /* leftmost-first, not longest */
        {"ab|a", "ab", "0-2"},
        {"a+", "caaab", "1-4"},
        {"a*b", "aab b", "0-3 4-5"},
        {"a?b", "ab b", "0-2 3-4"},
        {"a{2}", "aaaaa", "0-2 2-4"},
        {"a{2,}", "aaaaa a", "0-5"},
        {"a{1,3}", "aaaaa", "0-3 3-5"},
        {"ba{,2}", "baaa b{,2}", "0-3 5-6"},            /* {,n} is {0,n} (Python regex, Oniguruma) */
        {"ba{,}", "baa", "0-3"},                       /* {,} is * (Python regex) */
        {"a{}", "a{}", "0-3"},                         /* not a count: literal */
        {"x{1", "x{1", "0-3"},
        {"(?:ab){2}", "abababab", "0-4 4-8"},
        {"(?:ab){1,2}c", "abc ababc", "0-3 4-9"},
        {"(ab|a)(bc|c)", "abc", "0-3"},
        {"a+?", "aaa", "0-1 1-2 2-3"},
        {"a{2,3}?", "aaaaa", "0-2 2-4"},
        {"<.*?>", "<a><b>", "0-3 3-6"},
        {"<.*>", "<a><b>", "0-6"},
        {"\\s+(?!\\S)|\\s+", "a   b  ", "1-3 3-4 5-7"},
        {"\\w+(?=,)", "ab,cd", "0-2"},
        {"\\w+(?!,)", "ab,cd", "0-1 3-5"},
        {"(?i:ab)", "ab AB aB Ab", "0-2 3-5 6-8 9-11"},
        {"(?i)k", "k K \xe2\x84\xaa", "0-1 2-3 4-7"},    /* KELVIN SIGN folds to k */
        {"(?i)ab|c", "AB aB C", "0-2 3-5 6-7"},
        {"(?i:'s)", "'S '\xc5\xbf", "0-2 3-6"},        /* LONG S folds to s */
        {"(?i:[a-c])+", "xAbCd", "1-4"},
        {"(?i:a)b", "Ab AB", "0-2"},
        {"\\p{L}+", "h\xc3\xa9llo w\xc3\xb6rld", "0-6 7-13"},
        {"\\pL+", "ab1", "0-2"},
        {"\\p{Lu}", "aBc\xc3\x89", "1-2 3-5"},
        {"\\P{L}+", "ab12 cd", "2-5"},
        {"[^\\p{L}]+", "ab12 cd", "2-5"},
        {"[\\p{N}\\s]+", "a1 2b", "1-4"},
        {"\\p{M}", "e\xcc\x81", "1-3"},
        {"\\d+", "a123\xd9\xa3", "1-6"},              /* Arabic-Indic digit is Nd */
        {"\\D", "1a", "1-2"},
        {"\\S+", "ab cd", "0-2 3-5"},
        {"\\W", "a-b", "1-2"},
        {"[^\\W\\d]+", "ab12cd_\xe2\x92\xb6\xe2\x80\x8d-", "0-2 4-13"}, /* circled A and ZWJ are \\w */
        {"[\\W\\d]+", "a-1b", "1-3"},
        {"[\\x41-\\x43]+", "xABCD", "1-4"},
        {"\\x{e9}|\\u00e8", "\xc3\xa9\xc3\xa8", "0-2 2-4"},
        {"[\\u4e00-\\u9fff]+", "a\xe6\x97\xa5\xe6\x9c\xac", "1-7"},
        {"\\t|\\n|\\r", "a\tb\nc\r", "1-2 3-4 5-6"},
        {"\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\\\\\|\\^\\$", ".*+?()[]{}\\|^$", "0-14"},
        {"[]a]+", "]a]b", "0-3"},
        {"[a-]+", "a-a", "0-3"},
        {"[\\]\\-]+", "]-", "0-2"},
        {".", "a\nb", "0-1 2-3"},
        {"(?<name>ab)|(?P<x>c)", "abc", "0-2 2-3"},
        {"\xe6\x97\xa5+", "\xe6\x97\xa5\xe6\x97\xa5", "0-6"},
        {"(?:a|b)*c", "ababc", "0-5"},
        {"(a|b)+?c", "abc", "0-3"},
        {"(?=a)a|b", "ab", "0-1 1-2"},
        {"(?!a)\\w", "ab", "1-2"},
        {"(?:(?!\\s)\\S)+", "ab cd", "0-2 3-5"},
    };
    size_t i;
    char got[512];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rx_all(cases[i][0], strlen(cases[i][0]), 0, (const unsigned char *)cases[i][1], strlen(cases[i][1]), got,
               sizeof got);
        T_CHECK(t, strcmp(got, cases[i][2]) == 0, "/%s/ on \"%s\": want %s got %s", cases[i][0], cases[i][1],
                cases[i][2], got);
    }
    /* a plain string (Split {"String": ...}): no metacharacters */
    rx_all("a.b", 3, LLM__RX_LITERAL, (const unsigned char *)"axb a.b", 7, got, sizeof got);
    T_CHECK(t, strcmp(got, "4-7") == 0, "literal: %s", got);
    rx_all(" ", 1, LLM__RX_LITERAL, (const unsigned char *)"a b  c", 6, got, sizeof got);
    T_CHECK(t, strcmp(got, "1-2 3-4 4-5") == 0, "literal space: %s", got);
    T_NOTE(t, "%u cases", (unsigned)(sizeof cases / sizeof cases[0]) + 2);
}

static void test_regex_refused(t_ctx *t) {
    static const struct { const char *pat; int status; const char *word; } cases[] = {
        {"(?<=a)b", LLM_ERR_UNSUPPORTED, "lookbehind"},
        {"(?<!a)b", LLM_ERR_UNSUPPORTED, "lookbehind"},
        {"(?>ab)", LLM_ERR_UNSUPPORTED, "atomic"},
        {"a++", LLM_ERR_UNSUPPORTED, "possessive"},
        {"a*+", LLM_ERR_UNSUPPORTED, "possessive"},
        {"(a)\\1", LLM_ERR_UNSUPPORTED, "escape"},
        {"^a", LLM_ERR_UNSUPPORTED, "anchors"},
        {"a$", LLM_ERR_UNSUPPORTED, "anchors"},
        {"\\ba", LLM_ERR_UNSUPPORTED, "anchor"},
        {"\\p{Han}", LLM_ERR_UNSUPPORTED, "property"},
        {"\\p{Greek}", LLM_ERR_UNSUPPORTED, "property"},
        {"(?i:\\p{Lu})", LLM_ERR_UNSUPPORTED, "(?i)"},
        {"(?i:\xc3\xa9)", LLM_ERR_UNSUPPORTED, "(?i)"},
        {"(?m)a", LLM_ERR_UNSUPPORTED, "flag"},
        {"a(?i)b", LLM_ERR_UNSUPPORTED, "(?i) after the start"},
        {"(?:(?i)b)", LLM_ERR_UNSUPPORTED, "(?i) after the start"},
        {"(?s:a)", LLM_ERR_UNSUPPORTED, "flag"},
        {"[[:alpha:]]", LLM_ERR_UNSUPPORTED, "nested"},
        {"[a&&b]", LLM_ERR_UNSUPPORTED, "intersection"},
        {"a*", LLM_ERR_UNSUPPORTED, "empty"},
        {"a|", LLM_ERR_UNSUPPORTED, "empty"},
        {"(?=a)", LLM_ERR_UNSUPPORTED, "empty"},
        {"(a*)*b", LLM_ERR_UNSUPPORTED, "empty"},
        {"a{2000}", LLM_ERR_UNSUPPORTED, "1000"},
        {"a{99999999999999999999}", LLM_ERR_UNSUPPORTED, "1000"},
        {"a{1,99999999999}", LLM_ERR_UNSUPPORTED, "1000"},
        {"(?:(?:(?:ab){100}){100}){100}", LLM_ERR_UNSUPPORTED, "large"},
        {"\\h", LLM_ERR_UNSUPPORTED, "escape"},
        {"(ab", LLM_ERR_FORMAT, "unclosed"},
        {"ab)", LLM_ERR_FORMAT, "unmatched"},
        {"[ab", LLM_ERR_FORMAT, "unclosed"},
        {"*a", LLM_ERR_FORMAT, "quantifier"},
        {"a\\", LLM_ERR_FORMAT, "backslash"},
        {"[z-a]", LLM_ERR_FORMAT, "reversed"},
        {"\\xZZ", LLM_ERR_FORMAT, "\\x"},
        {"\\p{L", LLM_ERR_FORMAT, "unclosed"},
        {"a{3,2}", LLM_ERR_FORMAT, "n < m"},
        {"\xff", LLM_ERR_FORMAT, "UTF-8"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llm__regex *re = NULL;
        llm_error err;
        llm_status st;
        memset(&err, 0, sizeof err);
        st = llm__regex_compile(NULL, cases[i].pat, strlen(cases[i].pat), 0, &re, &err);
        if (st == LLM_OK) llm__regex_free(re);
        T_CHECK(t, (int)st == cases[i].status && re == NULL, "/%s/: status %d, want %d (%s)", cases[i].pat, (int)st,
                cases[i].status, err.message);
        T_CHECK(t, strstr(err.message, cases[i].word) != NULL, "/%s/: message \"%s\" lacks \"%s\"", cases[i].pat,
                err.message, cases[i].word);
    }
    T_NOTE(t, "%u patterns refused with a message naming the construct", (unsigned)(sizeof cases / sizeof cases[0]));
}

/* Invalid UTF-8: each byte that starts no valid character is one character of no category. */
static void test_regex_invalid_utf8(t_ctx *t) {
    static const char *const cases[][3] = {
        {"\\p{L}+|[^\\p{L}]", "ab\x80" "cd", "0-2 2-3 3-5"},
        {"\\P{L}+", "a\x80\xff\xc3z", "1-4"},
        {".", "\xe2\x82", "0-1 1-2"},                 /* a truncated sequence: two characters */
        {"\\S+", "\xed\xa0\x80 \xc0\xaf", "0-3 4-6"}, /* a surrogate, an overlong */
        {"\\s+", "\x80 \x80", "1-2"},
        {"\\p{N}|\\p{C}", "\x80", ""},                /* no category */
        {"[^a]", "\xf4\x90\x80\x80", "0-1 1-2 2-3 3-4"},
        {"\\s+(?!\\S)|\\s+", "  \x80", "0-1 1-2"},
        {"\\S*a", "\x80\x80\xe2\x82\xac\x80" "a", "0-7"},
    };
    size_t i;
    char got[256];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rx_all(cases[i][0], strlen(cases[i][0]), 0, (const unsigned char *)cases[i][1], strlen(cases[i][1]), got,
               sizeof got);
        T_CHECK(t, strcmp(got, cases[i][2]) == 0, "case %u /%s/: want %s got %s", (unsigned)i, cases[i][0],
                cases[i][2], got);
    }
    {   /* backing off over invalid bytes finds character starts: \S*a over runs of them */
        unsigned char buf[64];
        size_t k;
        for (k = 0; k < 60; k++) buf[k] = (unsigned char)(k % 3 == 0 ? 0x80 : k % 3 == 1 ? 0xE2 : 0x82);
        /* 80 | E2 82 80 (U+2080, No) ... | E2 | 82: back off to the last U+2080 */
        rx_all("\\S+(?=\\p{No})", 13, 0, buf, 60, got, sizeof got);
        T_CHECK(t, strcmp(got, "0-55") == 0, "back off: %s", got);
    }
}

/* Exponential backtracking in a naive matcher ((a|a)+b over a's): the memo bounds it. */
static void test_regex_pathological(t_ctx *t) {
    static const char *const pats[] = {"(a|a)+b", "(?:a|aa)+c", "(?:\\w+\\s?)+!", "(?:a+)+b", "(?:[a-z]+|\\w)+\\d"};
    unsigned char text[4001];
    char got[64];
    size_t i;
    double t0 = llm_time_seconds();
    memset(text, 'a', 4000);
    text[4000] = 0;
    for (i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        rx_all(pats[i], strlen(pats[i]), 0, text, 4000, got, sizeof got);
        T_CHECK(t, strcmp(got, "") == 0, "/%s/: %s", pats[i], got);
    }
    text[3999] = 'b';
    rx_all("(a|a)+b", 7, 0, text, 4000, got, sizeof got);
    T_CHECK(t, strcmp(got, "0-4000") == 0, "%s", got);
    {   /* a run scanned again from every start: quadratic; past the linear limit: a status */
        size_t big = 1000000, from = 0, ms, me;
        unsigned char *s = (unsigned char *)malloc(big);
        llm__regex *re = NULL;
        llm__rx_scratch sc;
        int r;
        memset(s, 'a', big);
        memset(&sc, 0, sizeof sc);
        T_CHECK(t, llm__regex_compile(NULL, "a*b", 3, 0, &re, NULL) == LLM_OK, "compile");
        r = llm__regex_find(re, s, big, from, &sc, &ms, &me);
        llm__rx_scratch_free(&sc);
        llm__regex_free(re);
        free(s);
        T_CHECK(t, r == LLM_ERR_UNSUPPORTED, "a*b over 1 MB of a: %d", r);
    }
    T_CHECK(t, llm_time_seconds() - t0 < 20.0, "too slow: %.1f s", llm_time_seconds() - t0);
    T_NOTE(t, "%.2f s for %u patterns over 4000 bytes", llm_time_seconds() - t0, (unsigned)(sizeof pats / sizeof pats[0]) + 1);
}


/* The GPT-2 and cl100k (Llama 3) patterns through the matcher cut tinyshakespeare exactly as the
   hand-written pre-splits (themselves checked against the reference encoders) do; MB/s of both. */
static void test_regex_equals_split(t_ctx *t) {
    static const char *const pats[2] = {
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
        "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    const char *path = t_data_path("tinyshakespeare.txt");
    void *data = NULL;
    size_t n = 0, k;
    char note[200];
    note[0] = 0;
    if (!path || llm_read_file(path, NULL, &data, &n, NULL) != LLM_OK) T_SKIP(t, "tinyshakespeare.txt missing");
    for (k = 0; k < 2; k++) {
        llm__regex *re = NULL;
        llm__rx_scratch sc;
        size_t from = 0, ms, me, i = 0, pieces = 0, bad = 0;
        double t0, t1, t2;
        llm_pattern p = k ? LLM_PATTERN_GPT4 : LLM_PATTERN_GPT2;
        memset(&sc, 0, sizeof sc);
        if (llm__regex_compile(NULL, pats[k], strlen(pats[k]), 0, &re, NULL) != LLM_OK) {
            llm_free(NULL, data);
            T_FAIL(t, "compile %u", (unsigned)k);
        }
        t0 = llm_time_seconds();
        while (llm__regex_find(re, (const unsigned char *)data, n, from, &sc, &ms, &me) == 1) {
            size_t e = llm__split_next(p, (const unsigned char *)data, n, i);
            if (ms != i || me != e) bad++;
            i = e;
            from = me;
            pieces++;
        }
        t1 = llm_time_seconds();
        for (i = 0; i < n;) i = llm__split_next(p, (const unsigned char *)data, n, i);
        t2 = llm_time_seconds();
        llm__rx_scratch_free(&sc);
        llm__regex_free(re);
        if (bad || from != n) { llm_free(NULL, data); T_FAIL(t, "%s: %u pieces differ", k ? "cl100k" : "gpt2", (unsigned)bad); }
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s%s %u pieces equal, %.0f MB/s (hand-written %.0f)",
                 k ? "; " : "", k ? "cl100k" : "gpt2", (unsigned)pieces, n / (t1 - t0) / 1e6, n / (t2 - t1) / 1e6);
    }
    llm_free(NULL, data);
    T_NOTE(t, "%s", note);
}


/* ---- NFC ---- */
static void test_nfc_fixtures(t_ctx *t) {
    tk_lines L;
    size_t i, cases = 0, changed = 0, cap = 0;
    unsigned char *buf = NULL, *in, *want;
    if (!tk_read_lines("nfc_cases.txt", &L)) T_SKIP(t, "tests/data/nfc_cases.txt missing");
    for (i = 0; i < L.n; i++) {
        char *sp = strchr(L.line[i], ' ');
        size_t ni, nw, no;
        const unsigned char *out;
        llm_status st;
        if (!sp) continue;
        *sp = 0;
        in = (unsigned char *)L.line[i];   /* decoded in place: hex is twice as long */
        want = (unsigned char *)sp + 1;
        ni = tk_unhex(L.line[i], in);
        nw = tk_unhex(sp + 1, want);
        st = llm__nfc(NULL, in, ni, &buf, &cap, &out, &no);
        if (st != LLM_OK || no != nw || memcmp(out, want, nw) != 0) {
            char msg[120];
            size_t d = 0;
            while (d < no && d < nw && out[d] == want[d]) d++;
            snprintf(msg, sizeof msg, "case %u: status %d, %u bytes, want %u, first difference at byte %u", (unsigned)i,
                     (int)st, (unsigned)no, (unsigned)nw, (unsigned)d);
            llm__dealloc(NULL, buf); tk_free_lines(&L);
            T_FAIL(t, "%s", msg);
        }
        if (out != in) changed++;
        cases++;
    }
    llm__dealloc(NULL, buf);
    tk_free_lines(&L);
    T_CHECK(t, cases > 100, "only %u cases", (unsigned)cases);
    T_NOTE(t, "%u cases equal to unicodedata.normalize('NFC'), %u needed work", (unsigned)cases, (unsigned)changed);
}

/* Text in NFC comes back as the same pointer (nothing copied); a figure for the tables. */
static void test_nfc_fast_path(t_ctx *t) {
    static const char *const same[] = {"plain ASCII text\r\n", "caf\xc3\xa9 na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xed\x95\x9c\xea\xb5\xad", "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
                                       "\xf0\x9f\xa7\x91\xf0\x9f\x8f\xbd\xe2\x80\x8d\xf0\x9f\x92\xbb", "\x80\xff bytes", ""};
    size_t i, cap = 0, no;
    unsigned char *buf = NULL;
    const unsigned char *out;
    const char *path = t_data_path("tinyshakespeare.txt");
    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        const unsigned char *s = (const unsigned char *)same[i];
        T_CHECK(t, llm__nfc(NULL, s, strlen(same[i]), &buf, &cap, &out, &no) == LLM_OK && out == s &&
                       no == strlen(same[i]), "case %u copied", (unsigned)i);
    }
    T_CHECK(t, buf == NULL, "a buffer was allocated");
    if (path) {
        void *data;
        size_t n;
        double t0;
        if (llm_read_file(path, NULL, &data, &n, NULL) == LLM_OK) {
            t0 = llm_time_seconds();
            T_CHECK(t, llm__nfc(NULL, (const unsigned char *)data, n, &buf, &cap, &out, &no) == LLM_OK && out == data,
                    "tinyshakespeare copied");
            t0 = llm_time_seconds() - t0;
            T_NOTE(t, "tinyshakespeare quick check %.0f MB/s; tables %u bytes (props %u, decompositions %u, "
                   "composites %u)", n / (t0 > 0 ? t0 : 1e-9) / 1e6,
                   (unsigned)(sizeof llm__nfc_prop_index + sizeof llm__nfc_prop_blocks + sizeof llm__nfc_props +
                              sizeof llm__nfc_dec + sizeof llm__nfc_comp),
                   (unsigned)(sizeof llm__nfc_prop_index + sizeof llm__nfc_prop_blocks + sizeof llm__nfc_props),
                   (unsigned)(sizeof llm__nfc_dec / sizeof llm__nfc_dec[0]),
                   (unsigned)(sizeof llm__nfc_comp / sizeof llm__nfc_comp[0]));
            llm_free(NULL, data);
        }
    }
    llm__dealloc(NULL, buf);
}

/* Random patterns (from pieces of real ones and noise) compile or are refused cleanly; the ones
   that compile find matches within bounds over random text; random text through NFC is the
   same after a second pass (NFC is idempotent) and keeps every invalid byte. */
static void test_regex_fuzz(t_ctx *t) {
    static const char *const bits[] = {"a", "b", "\\p{L}", "\\p{N}", "\\s", "\\S", "[^\\s\\p{L}]", "[a-c]", ".", "(?:",
                                       "(", ")", "|", "*", "+", "?", "{1,3}", "{2}", "(?i:", "(?!", "(?=", "\\", "[", "]",
                                       "^", "\xc3\xa9", "\x80", "'s", " ?", "{", "}", "*?", "\\x{41}", "\\p{", "-"};
    static const char *const tbits[] = {"a", "b", "c", " ", "  ", "\n", "\r\n", "1", "23", "'s", "\xc3\xa9", "e\xcc\x81",
                                        "\xe6\x97\xa5", "\x80", "\xe2\x82", "\xf0\x9f\x98\x80", "!?", "\t"};
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    int iter, compiled = 0, matches = 0;
    llm__rx_scratch sc;
    unsigned char *nb = NULL, *nb2 = NULL;
    size_t ncap = 0, ncap2 = 0;
    memset(&sc, 0, sizeof sc);
    for (iter = 0; iter < 3000; iter++) {
        char pat[256], text[512];
        size_t pl = 0, tl = 0, from = 0, ms, me, k, n1, n2;
        int r, parts;
        llm__regex *re = NULL;
        llm_error err;
        const unsigned char *o1, *o2;
        parts = 1 + (int)((rng >> 33) % 8);
        for (k = 0; k < (size_t)parts; k++) {
            const char *b;
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            b = bits[(rng >> 33) % (sizeof bits / sizeof bits[0])];
            if (pl + strlen(b) < sizeof pat) { memcpy(pat + pl, b, strlen(b)); pl += strlen(b); }
        }
        parts = (int)((rng >> 40) % 40);
        for (k = 0; k < (size_t)parts; k++) {
            const char *b;
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            b = tbits[(rng >> 33) % (sizeof tbits / sizeof tbits[0])];
            if (tl + strlen(b) < sizeof text) { memcpy(text + tl, b, strlen(b)); tl += strlen(b); }
        }
        if (llm__regex_compile(NULL, pat, pl, 0, &re, &err) == LLM_OK) {
            compiled++;
            while ((r = llm__regex_find(re, (const unsigned char *)text, tl, from, &sc, &ms, &me)) == 1) {
                T_CHECK(t, ms >= from && me > ms && me <= tl, "/%.*s/: match %u-%u from %u", (int)pl, pat,
                        (unsigned)ms, (unsigned)me, (unsigned)from);
                from = me;
                matches++;
            }
            T_CHECK(t, r == 0, "status %d", r);
            llm__regex_free(re);
        } else {
            T_CHECK(t, re == NULL && (err.status == LLM_ERR_UNSUPPORTED || err.status == LLM_ERR_FORMAT) &&
                           strncmp(err.message, "regex: ", 7) == 0, "/%.*s/: %d %s", (int)pl, pat, (int)err.status,
                    err.message);
        }
        T_CHECK(t, llm__nfc(NULL, (const unsigned char *)text, tl, &nb, &ncap, &o1, &n1) == LLM_OK, "nfc");
        T_CHECK(t, llm__nfc(NULL, o1, n1, &nb2, &ncap2, &o2, &n2) == LLM_OK && n2 == n1 && memcmp(o1, o2, n1) == 0,
                "nfc not idempotent on case %d", iter);
        {   /* invalid bytes survive: count them on both sides */
            size_t a = 0, b = 0, i, l;
            uint32_t cp;
            for (i = 0; i < tl; i += l) { l = llm__utf8_decode((const unsigned char *)text + i, tl - i, &cp); if (!l) { a++; l = 1; } }
            for (i = 0; i < n1; i += l) { l = llm__utf8_decode(o1 + i, n1 - i, &cp); if (!l) { b++; l = 1; } }
            T_CHECK(t, a == b, "nfc changed the invalid bytes of case %d", iter);
        }
    }
    llm__rx_scratch_free(&sc);
    llm__dealloc(NULL, nb); llm__dealloc(NULL, nb2);
    T_NOTE(t, "3000 random patterns, %d compiled, %d matches", compiled, matches);
}

/* Allocation failures (the allocator of tests/test_oom.c failing at its k-th call, for every k):
   compile, find (the scratch's stack and memo) and NFC end in LLM_ERR_OUT_OF_MEMORY and leak
   nothing. */
static llm_status rx_oom_scenario(const llm_allocator *al) {
    static const char *const pat = "(?i:'s|'t)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|(?:\\s(?!x))+|(?:a|a)+b|.";
    llm__regex *re = NULL;
    llm__rx_scratch sc;
    unsigned char text[3000], *buf = NULL;
    const unsigned char *out;
    size_t i, from = 0, ms, me, cap = 0, no;
    int r = 0;
    llm_status st;
    for (i = 0; i < sizeof text; i++) text[i] = (unsigned char)(i < 1000 ? " ab\n"[i % 4] : 'a');
    st = llm__regex_compile(al, pat, strlen(pat), 0, &re, NULL);
    if (st != LLM_OK) return st;
    memset(&sc, 0, sizeof sc);
    sc.a = al;
    while ((r = llm__regex_find(re, text, sizeof text, from, &sc, &ms, &me)) == 1) from = me;
    llm__rx_scratch_free(&sc);
    llm__regex_free(re);
    if (r < 0) return (llm_status)r;
    st = llm__nfc(al, (const unsigned char *)"e\xcc\x81 \xe1\x84\x80\xe1\x85\xa1", 10, &buf, &cap, &out, &no);
    llm__dealloc(al, buf);
    return st;
}

static void test_regex_oom(t_ctx *t) {
    long k;
    for (k = 1;; k++) {
        to_alloc ta;
        llm_allocator al;
        llm_status st;
        memset(&ta, 0, sizeof ta);
        ta.fail_at = k;
        al.alloc_fn = to_alloc_fn; al.free_fn = to_free_fn; al.user_data = &ta;
        st = rx_oom_scenario(&al);
        T_CHECK(t, ta.live == 0, "allocation %ld failing: %ld blocks leaked", k, ta.live);
        if (!ta.failed) { T_CHECK(t, st == LLM_OK, "status %d without a failure", (int)st); break; }
        T_CHECK(t, st == LLM_ERR_OUT_OF_MEMORY, "allocation %ld failing: status %d", k, (int)st);
    }
    T_NOTE(t, "%ld allocations, each failing in turn", k - 1);
}

/* Long patterns (a 16 KB literal, 2000 alternatives, 3000 groups in a row) compile and match:
   the compiler loops along sequences and alternations instead of recursing. */
static void test_regex_big_patterns(t_ctx *t) {
    char *pat = (char *)malloc(40000), got[64];
    size_t n = 0, k;
    for (k = 0; k < 16384; k++) pat[n++] = (char)('a' + k % 3);
    rx_all(pat, n, LLM__RX_LITERAL, (const unsigned char *)pat, n, got, sizeof got);
    T_CHECK(t, strcmp(got, "0-16384") == 0, "literal: %s", got);
    rx_all(pat, n, 0, (const unsigned char *)pat, n, got, sizeof got);
    T_CHECK(t, strcmp(got, "0-16384") == 0, "as a regex: %s", got);
    rx_all(pat, n + 1, 0, (const unsigned char *)pat, n, got, sizeof got);
    T_CHECK(t, strcmp(got, "ERR -5") == 0, "16385 bytes: %s", got);
    for (n = 0, k = 0; k < 2000; k++) n += (size_t)sprintf(pat + n, "%sx%u", k ? "|" : "", (unsigned)k);
    rx_all(pat, n, 0, (const unsigned char *)"x1999 x7", 8, got, sizeof got);
    T_CHECK(t, strcmp(got, "0-2 6-8") == 0, "alternatives: %s", got); /* x1 comes before x1999 */
    for (n = 0, k = 0; k < 3000; k++) n += (size_t)sprintf(pat + n, "(?:a)");
    {
        unsigned char *text = (unsigned char *)malloc(3001);
        memset(text, 'a', 3001);
        rx_all(pat, n, 0, text, 3001, got, sizeof got);
        free(text);
    }
    free(pat);
    T_CHECK(t, strcmp(got, "0-3000") == 0, "groups: %s", got);
}

static const t_case regex_tests[] = {
    {"regex_fixtures_python", test_regex_fixtures},
    {"regex_constructs", test_regex_constructs},
    {"regex_refused", test_regex_refused},
    {"regex_invalid_utf8", test_regex_invalid_utf8},
    {"regex_pathological", test_regex_pathological},
    {"regex_equals_split", test_regex_equals_split},
    {"regex_fuzz", test_regex_fuzz},
    {"regex_oom", test_regex_oom},
    {"regex_big_patterns", test_regex_big_patterns},
    {"nfc_fixtures_python", test_nfc_fixtures},
    {"nfc_fast_path", test_nfc_fast_path},
};
