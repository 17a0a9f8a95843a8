#!/usr/bin/env python3
"""Writes the tokenizer expectations used by tests/test_tokenizer.c.

References:
  * GPT-2: a port of OpenAI's gpt-2/src/encoder.py (bytes_to_unicode, get_pairs, bpe by
    merge rank, the pre-split regex through the `regex` module) over encoder.json/vocab.bpe.
    Invalid UTF-8 input: the bytes are decoded with 'surrogateescape', so each invalid byte
    is one lone-surrogate character (neither letter, number nor space) and encodes back to
    itself. llm.h follows the same rule.
  * Llama 2: python3-sentencepiece over tokenizer.model (bytes input: invalid bytes become
    U+FFFD inside sentencepiece's normalizer).
  * Pre-split boundaries of the GPT-2 and cl100k (GPT-4) patterns straight from `regex`.

Usage (from the repo root): /usr/bin/python3 tests/ref/gen_tokenizer_fixtures.py [DATA_DIR]
Writes tests/data/tok_cases.txt, tok_gpt2.txt, tok_llama2.txt, tok_split.txt, tok_whole.txt.
"""
import json
import os
import random
import sys

import regex
import sentencepiece as spm

GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
GPT4_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    pairs = set()
    prev = word[0]
    for ch in word[1:]:
        pairs.add((prev, ch))
        prev = ch
    return pairs


class Encoder:
    """OpenAI's GPT-2 encoder (src/encoder.py), bytes in, ids out."""

    def __init__(self, encoder, bpe_merges):
        self.encoder = encoder
        self.byte_encoder = bytes_to_unicode()
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.cache = {}
        self.pat = regex.compile(GPT2_PAT)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float('inf')))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = ' '.join(word)
        self.cache[token] = word
        return word

    def encode(self, data):
        text = data.decode('utf-8', 'surrogateescape')
        ids = []
        for token in regex.findall(self.pat, text):
            token = ''.join(self.byte_encoder[b] for b in token.encode('utf-8', 'surrogateescape'))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(' '))
        return ids


def split_lengths(pat, data):
    text = data.decode('utf-8', 'surrogateescape')
    return [len(t.encode('utf-8', 'surrogateescape')) for t in regex.findall(pat, text)]


EDGE = [
    "", " ", "  ", "\n", "\n\n\n", "\t", " \t \n ", "a", "hello world", "Hello World!",
    "I'm you're we've they'll he'd it's can't", "I'M YOU'RE WE'VE THEY'LL HE'D IT'S CAN'T 'S 'T",
    "'s's 'sa ''s ' s", "don't stop", "x's", "?'s", "12345 678 9", "3.14159 1,000,000 2nd 4th",
    "a  b   c    d", "trailing spaces   ", "   leading spaces", "tab\tsep\t\tx", "line\nbreak\r\nwin",
    "mixed \n\n  \t\n indentation\n    code()", "    def f(x):\n        return x  \n",
    "emoji 😀😃 👍🏽 family 👨‍👩‍👧 flags 🇫🇷", "日本語のテキストです。中文也可以。", "Привет, мир! Ёжик",
    "combining: e\u0301 a\u0308 n\u0303 \u0915\u093f", "Arabic: مرحبا بالعالم ١٢٣", "עברית 123 ٤٥٦",
    "mixed: abcПриветδέλτα中文123😀", "Ελληνικά κείμενα", "한국어 텍스트", "ไทย ภาษา",
    "math ∑∫√∞ ≤≥ ½ ² ³ Ⅻ", "punct!!! ??? ... --- ___ ***", "<|endoftext|> is special",
    "a<|endoftext|>b", "nbsp\u00a0here\u2003em\u3000ideo", "zero\u200bwidth", "\x00\x01\x1f\x7f",
    "URL https://example.com/a?b=c&d=e#f", "email: someone@example.org", "C:\\path\\to\\file.txt",
    "$100 €200 £300 ¥400", "ALLCAPS MiXeD cAsE", "a" * 300, " " * 40 + "x", "\n" * 20,
    "word" + " " * 7 + "\n" + " " * 3, "ﬁ ligature ß straße", "\U0001F600" * 5,
    "1234567890123", "x1y2z3", "٣ and ٤", "\u0661\u0662\u0663abc", "The year 2024's end",
    "'ll've're", "  'tis", "\r\r\n\n\r", " \n", "\n ", "a\u0300\u0301\u0302",
]
INVALID = [b"\xff", b"a\xffb", b"\xe2\x82", b"\xe2\x82 a", b"x\xed\xa0\x80y", b"\xc0\x80",
           b"\xf4\x90\x80\x80", b"ok \xf0\x9f\x98 broken emoji", b"\x80\x80\x80 abc",
           b"caf\xe9 latin1", b" \xfe\xfe ", b"'s\xff's"]


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join('..', 'shared', 'data')
    out = os.path.join('tests', 'data')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(data, 'gpt2', 'encoder.json'), encoding='utf-8') as f:
        encoder = json.load(f)
    with open(os.path.join(data, 'gpt2', 'vocab.bpe'), encoding='utf-8') as f:
        merges = [tuple(l.split()) for l in f.read().split('\n')[1:-1]]
    enc = Encoder(encoder, merges)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(data, 'llama2', 'tokenizer.model'))
    with open(os.path.join(data, 'tinyshakespeare.txt'), 'rb') as f:
        shakes = f.read()

    lines = shakes.split(b'\n')
    rng = random.Random(1234)
    cases = [s.encode('utf-8') for s in EDGE] + INVALID
    for _ in range(300):  # random spans of 1..4 lines, sometimes with their newline
        i = rng.randrange(len(lines) - 4)
        k = rng.randint(1, 4)
        s = b'\n'.join(lines[i:i + k])
        if rng.random() < 0.5:
            s += b'\n'
        cases.append(s)
    # random code-point soup (valid UTF-8) to stress the category tables
    pool = [chr(c) for c in list(range(32, 127)) + list(range(0xA0, 0x2FFF)) + list(range(0x3000, 0xD7FF))
            + list(range(0xF900, 0xFFFD)) + list(range(0x10000, 0x10FFF)) + list(range(0x1F300, 0x1FAFF))]
    for _ in range(60):
        s = ''.join(rng.choice(pool) if rng.random() < 0.5 else rng.choice(" \n\tab'1") for _ in range(rng.randint(1, 40)))
        cases.append(s.encode('utf-8'))

    ng = nl = 0
    with open(os.path.join(out, 'tok_cases.txt'), 'w') as fc, \
         open(os.path.join(out, 'tok_gpt2.txt'), 'w') as fg, \
         open(os.path.join(out, 'tok_llama2.txt'), 'w') as fl, \
         open(os.path.join(out, 'tok_split.txt'), 'w') as fs:
        fc.write('# one case per line: the text as hex bytes (an empty line is the empty text)\n')
        fg.write('# GPT-2 ids per case (OpenAI encoder.py port)\n')
        fl.write('# Llama 2 ids per case (sentencepiece, no BOS)\n')
        fs.write('# pre-split piece byte lengths per case: GPT-2 pattern | cl100k pattern\n')
        for c in cases:
            fc.write(c.hex() + '\n')
            g = enc.encode(c)
            l = sp.encode(c)
            ng += len(g)
            nl += len(l)
            fg.write(' '.join(map(str, g)) + '\n')
            fl.write(' '.join(map(str, l)) + '\n')
            fs.write(' '.join(map(str, split_lengths(GPT2_PAT, c))) + ' | ' +
                     ' '.join(map(str, split_lengths(GPT4_PAT, c))) + '\n')

    # the whole of tinyshakespeare: count and FNV-1a 64 of the ids (as int32 little-endian)
    def fnv(ids):
        h = 0xcbf29ce484222325
        for i in ids:
            for b in int(i).to_bytes(4, 'little', signed=True):
                h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        return h
    g = enc.encode(shakes)
    l = sp.encode(shakes)
    with open(os.path.join(out, 'tok_whole.txt'), 'w') as f:
        f.write('# tinyshakespeare.txt whole-file encodings: name count fnv1a64(int32 LE ids)\n')
        f.write('gpt2 %d %016x\n' % (len(g), fnv(g)))
        f.write('llama2 %d %016x\n' % (len(l), fnv(l)))
    print('%d cases, %d GPT-2 ids, %d Llama 2 ids; whole file: %d GPT-2, %d Llama 2 ids'
          % (len(cases), ng, nl, len(g), len(l)))


if __name__ == '__main__':
    main()
