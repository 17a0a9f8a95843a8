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
        {"a{,2}", "a{,2}", "0-5"},                     /* not a count: literal */
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
    T_CHECK(t, llm_time_seconds() - t0 < 20.0, "too slow: %.1f s", llm_time_seconds() - t0);
    T_NOTE(t, "%.2f s for %u patterns over 4000 bytes", llm_time_seconds() - t0, (unsigned)(sizeof pats / sizeof pats[0]) + 1);
}

static const t_case regex_tests[] = {
    {"regex_fixtures_python", test_regex_fixtures},
    {"regex_constructs", test_regex_constructs},
    {"regex_refused", test_regex_refused},
    {"regex_invalid_utf8", test_regex_invalid_utf8},
    {"regex_pathological", test_regex_pathological},
};
