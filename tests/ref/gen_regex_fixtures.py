#!/usr/bin/env python3
"""Fixtures for llm.h's regex matcher (Split pre-tokenizer patterns) and NFC normalizer.

tests/data/regex_matches.txt, lines:
  P <name> <pattern as hex UTF-8>
  T <text as hex bytes>                       (invalid UTF-8 allowed: surrogateescape below)
  M <pattern name> <text index> <start end>*  byte offsets of every match of regex.finditer
The reference is Python's `regex` module (the engine OpenAI's encoders and tiktoken's patterns
were written for; Hugging Face's Oniguruma and the `regex` crate agree on these patterns). An
invalid byte becomes a lone surrogate (surrogateescape), a character no \\p{..} of the patterns
here names, as in llm.h, where it is a character of no category.

tests/data/nfc_cases.txt, lines:  <input hex> <unicodedata.normalize('NFC', input) hex>
(invalid bytes pass through unchanged, as in llm.h: each one is a starter that composes with
nothing; the reference side normalizes the valid runs between them).

Usage: /usr/bin/python3 tests/ref/gen_regex_fixtures.py   (from the repository root)
"""
import random
import unicodedata

import regex

PATTERNS = [
    ("gpt2", r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""),
    ("llama3", r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
               r"""\s*[\r\n]+|\s+(?!\S)|\s+"""),
    ("qwen", r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
             r"""\s*[\r\n]+|\s+(?!\S)|\s+"""),
    ("o200k", r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"""
              r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+"""
              r"""[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|"""
              r"""\s*[\r\n]+|\s+(?!\S)|\s+"""),
    ("digits", r"""\p{N}"""),                         # the Digits pre-tokenizer (individual_digits)
    ("space", r""" """),                              # Gemma's Split on " "
    # constructs
    ("classes", r"""\d+|\w+|\s+|\W"""),
    ("props", r"""\p{Lu}\p{Ll}+|\p{Lo}+|\p{M}+|\p{Nd}+|\p{No}|\p{P}+|\p{S}+|\P{L}"""),
    ("props2", r"""\p{Lt}|\p{Lm}|\p{Nl}|\p{Pd}|\p{Ps}\p{Pe}|\p{Sc}|\p{Sm}|\p{Sk}|\p{So}|\p{Zs}+|[\p{L}\p{N}]+|."""),
    ("negated", r"""[^a-z\s]+|[^\S\n]+|\S"""),
    ("ranges", r"""[a-fA-F0-9]{2,4}|[\u0400-\u04FF]+|[\u4E00-\u9FFF]{1,2}|[\-+*/=]|."""),
    ("icase", r"""(?i:hello|world|[a-c]+|strasse|'s)|\s|."""),
    ("counts", r"""a{2}|b{2,}|c{1,3}|d{0,2}e|(?:xy){2,3}|(?:ab|a)(?:bc|c)|."""),
    ("lazy", r"""<.+?>|a+?b|\d{2,4}?\D|x*?y|."""),
    ("counts2", r"""b{,2}a|x{,}y|z{}|\{|\d{1,}|."""),
    ("groups", r"""(a|ab)(c|bcd)(d*)|((?:[^\W\d]|')+)|(?P<num>\d+)|."""),
    ("look", r"""\w+(?=\s)|\w+(?!\S)|(?=\d)\d\d|\s+(?![a-z])|\s|."""),
    ("escapes", r"""\t|\n|\r\n|\.\.\.|\(|\)|\[|\]|\{|\}|\\|\||\?|\x41|\u00e9|\$|\^|."""),
    ("dot", r""".{3}|\n"""),
    ("manyranges", None),       # DeepSeek-style: many non-ASCII ranges in one set (below)
]

TEXTS = [
    "Hello world's 12345 THE'S   foo!!  \n bar  \r\n\r\n  x\tCamelCaseWord HTTPServer don'T 'Ll",
    "The quick brown fox jumps over the lazy dog. It's 3:45pm; we'll've done 1,234,567.89 tasks!",
    "def f(x):\n    return x**2 + 3*x - 1  # comment\n\n\nclass A(B):\n\tpass\r\n",
    "   leading and trailing spaces   ",
    "\n\n\n",
    "    ",
    "a",
    "12345678901234567890",
    "über Ünïcödé naïve café résumé — “quotes” ‘single’ «guillemets» …",
    "日本語のテキスト、中文文本。한국어 텍스트",
    "🧑🏽‍💻 👩‍👩‍👧‍👦 👍🏿 🇫🇷 ❤️ emoji",
    "مرحبا بالعالم ١٢٣ ٤٥٦",
    "नमस्ते दुनिया १२३ क्षत्रिय",
    "Привет, мир! Ёжик в тумане 2024",
    "e\u0301 a\u0308\u0304 n\u0303 Z\u0327\u030c combining ḁ̴̵",
    "ǅungla ǈ ǋ ʰʲ ˤ ⅠⅡⅢ ⅰ ½ ¾ ² ₃ Ⓐⓑ",
    "ſ'ſ K'ŀl 'S 'T 'RE 'VE 'M 'LL 'D 'İ x'ſ",
    "<a href=\"x\">link</a> aab abbb 12ab xxxy y hellO WORLD Straße STRASSE",
    "aaabbbcccdeexyxyxyxyabcac tab\there\r\nend\\ (a) [b] {c} | ? A é $ ^ 😀...",
    "abcd abd 'quoted' don't 42 3 7a",
    "trailing newline\n",
    "mixed\r\n\r\n   \r\n  x  \n\t\n y",
    "1/2/3 a/b // // ///",
    "\u00a0\u2000\u3000\u2028\u2029\x85\x0b\x0c\x1c\x1f end",
    "\ufeff\u200b\u200c\u200d zero width",
    "x\U0001D400\U0001D7CE\U00020000\U0002A6D6\U000E0041\U000F0000 planes",
]


def many_ranges():
    """A set of 70 letter ranges (as DeepSeek's pre-tokenizer has), \\p{P}, \\p{S}, CJK."""
    r = [(0x41, 0x5A), (0x61, 0x7A), (0xB5, 0xB5), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x1BA), (0x1BC, 0x1BF),
         (0x1C4, 0x293), (0x295, 0x2AF), (0x370, 0x373), (0x376, 0x377), (0x37B, 0x37D), (0x37F, 0x37F),
         (0x386, 0x386), (0x388, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1), (0x3A3, 0x3F5), (0x3F7, 0x481),
         (0x48A, 0x52F), (0x531, 0x556), (0x10A0, 0x10C5), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1C90, 0x1CBA),
         (0x1CBD, 0x1CBF), (0x1D00, 0x1D2B), (0x1D6B, 0x1D77), (0x1D79, 0x1D9A), (0x1E00, 0x1F15),
         (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59),
         (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC),
         (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB),
         (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC), (0x2102, 0x2102), (0x2107, 0x2107),
         (0x210A, 0x2113), (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126),
         (0x2128, 0x2128), (0x212A, 0x212D), (0x2C00, 0x2C7B), (0x2C7E, 0x2CE4), (0xA640, 0xA66D),
         (0xA722, 0xA76F), (0xA771, 0xA787), (0xAB70, 0xABBF), (0xFB00, 0xFB06), (0xFF21, 0xFF3A),
         (0xFF41, 0xFF5A), (0x10400, 0x1044F), (0x104B0, 0x104D3), (0x118A0, 0x118DF), (0x1E900, 0x1E943)]

    def one(c):
        return "\\u%04X" % c if c < 0x10000 else chr(c)
    body = "".join(one(a) if a == b else one(a) + "-" + one(b) for a, b in r)
    return (r"\s?[" + body + r"]+|\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+|"
            r"[\u4E00-\u9FA5]+|[\p{P}\p{S}]+|\p{N}{1,3}|\s+|.")


def random_texts(n, seed):
    rng = random.Random(seed)
    pool = list("aZ09 '\t\n\r.,!?-_/\\") + ["é", "ß", "Ж", "日", "ع", "क", "\u0301", "\u093f", "½", "٣", "😀",
                                          "\u200d", "🏽", "\u00a0", "\u3000", "ſ", "K", "İ", "Σ", "ǅ", "ʰ", "€"]
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 40))))
    return out


def to_bytes(t):
    return t.encode("utf-8", "surrogateescape")


def main():
    texts = [to_bytes(t) for t in TEXTS + random_texts(30, 19)]
    # invalid UTF-8: stray continuation bytes, truncated sequences, overlongs, surrogates, >U+10FFFF
    texts += [b"ab\x80cd \xc3 x\xe2\x82 y\xf0\x9f\x98 z", b"\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xff\xfe end",
              b"caf\xc3\xa9 \xe9t\xe9 12\x80\x8034 \x80\x80\x80   \x80\n", b"\xe2\x82\xac\x82\xac \xf0\x9f\x98\x80\x80"]
    lines = ["# generated by tests/ref/gen_regex_fixtures.py (python regex %s)" % regex.__version__]
    pats = [(name, p if p is not None else many_ranges()) for name, p in PATTERNS]
    for name, p in pats:
        lines.append("P %s %s" % (name, p.encode().hex()))
    for t in texts:
        lines.append("T %s" % t.hex())
    total = 0
    for name, p in pats:
        rx = regex.compile(p)
        for i, t in enumerate(texts):
            s = t.decode("utf-8", "surrogateescape")
            offs = []
            for m in rx.finditer(s):
                assert m.end() > m.start()
                offs.append(len(to_bytes(s[:m.start()])))
                offs.append(len(to_bytes(s[:m.end()])))
            total += len(offs) // 2
            lines.append("M %s %d %s" % (name, i, " ".join(map(str, offs))))
    open("tests/data/regex_matches.txt", "w").write("\n".join(lines) + "\n")

    # NFC
    cases = []
    for t in TEXTS:
        cases.append(t)
        cases.append(unicodedata.normalize("NFD", t))
        cases.append(unicodedata.normalize("NFKD", t))
    hangul = "한국어 텍스트 각 힣 가"
    cases += [hangul, unicodedata.normalize("NFD", hangul), "\u1100\u1161\u11a8 \u1100\u1161 \u1100\u11a8 \uac00\u11a8 \uac01\u11a8",
              "\u1100\u1161\u0301\u11a8 \u1112\u1175\u11c2\u11c3"]
    # singletons, exclusions, non-starter decompositions, reordering, blocked composition
    cases += ["\u212b \u2126 \u212a \u0340\u0341 \u0343 \u0344 \u0374 \u037e \u0387",
              "\u0958 \u0959 \u09dc \u0a33 \u0f43 \ufb1d \ufb2a \u2adc \U0001d15e \U0001d1bb",
              "a\u0323\u0302 a\u0302\u0323 e\u0304\u0301 o\u031b\u0323\u0302 \u1e9b\u0323",
              "a\u0301\u0301 a\u0327\u0301\u0316 \u0041\u030a\u0301 s\u0323\u0307 \u1ea0\u0306",
              "\u0301start \u0301\u0301 a\u0308\u0308", "\u0915\u093c \u0915\u094d\u0937 \u09c7\u09be \u0b47\u0b56",
              "\u0cbf\u0cd5 \u0cc6\u0cc2\u0cd5 \u0dd9\u0dcf\u0dca \u1025\u102e \u3046\u3099 \u30cf\u309a",
              "\u0f71\u0f72\u0f74 \u0f77 \u0fb2\u0f80\u0f71", "\U00011099\U000110ba \U0001109b\U000110ba \U00011131\U00011127",
              "\u00c5\u0325 A\u0325\u030a \u1e00 \u212b\u0325", "\uf900\uf9ff\ufa10 \U0002f800 \U0002fa1d",
              "e\u0301\u0301\u0302 \u00e9\u0328 e\u0328\u0301"]
    rng = random.Random(7)
    pool = ["a", "e", "o", "A", "u", "s", "\u0301", "\u0300", "\u0308", "\u0323", "\u0327", "\u0328", "\u031b",
            "\u0304", "\u0302", "\u1100", "\u1161", "\u11a8", "\uac00", "\u212b", "\u0344", "\u0915", "\u093c", " ",
            "\u00e9", "\u1e9b", "\u0f71", "\u0f72"]
    for _ in range(60):
        cases.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 16))))
    # every code point that NFC changes, and the NFD of every code point with a canonical
    # decomposition (each after an "x", a starter that composes with none of them)
    allc = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    cases.append("".join("x" + c for c in allc if not unicodedata.is_normalized("NFC", c)))
    cases.append("".join("x" + unicodedata.normalize("NFD", c) for c in allc
                         if unicodedata.decomposition(c) and not unicodedata.decomposition(c).startswith("<")))
    out = ["# generated by tests/ref/gen_regex_fixtures.py (Python unicodedata %s): input hex, NFC hex"
           % unicodedata.unidata_version]
    for c in cases:
        b = to_bytes(c)
        out.append("%s %s" % (b.hex(), to_bytes(unicodedata.normalize("NFC", c)).hex()))
    # invalid bytes between valid runs
    for raw in [b"e\xcc\x81\x80\xcc\x81 A\xffB", b"\xcc\x81\xc3 caf\x65\xcc\x81\xed\xa0\x80x", b"\xe1\x84\x80\x80\xe1\x85\xa1"]:
        parts, cur = [], bytearray()
        res = bytearray()
        s = raw.decode("utf-8", "surrogateescape")
        run = ""
        for ch in s:
            if 0xDC80 <= ord(ch) <= 0xDCFF:
                res += unicodedata.normalize("NFC", run).encode() + bytes([ord(ch) - 0xDC00])
                run = ""
            else:
                run += ch
        res += unicodedata.normalize("NFC", run).encode()
        out.append("%s %s" % (raw.hex(), bytes(res).hex()))
    open("tests/data/nfc_cases.txt", "w").write("\n".join(out) + "\n")
    print("regex: %d patterns x %d texts, %d matches; nfc: %d cases" % (len(pats), len(texts), total, len(out) - 1))


if __name__ == "__main__":
    main()
