/* kb: BERT's WordPiece tokenizer, as the model's tokenizer.json configures it, for the quick model.

   The same steps as Hugging Face tokenizers' BertNormalizer (clean_text, handle_chinese_chars,
   strip_accents following lowercase, lowercase), BertPreTokenizer (split on white space, each
   punctuation mark a word of its own) and WordPiece (greedy longest match, "##" before a
   continuing piece, a word over 100 characters or with no match is [UNK]), so that a query
   gives the ids kb's Python gives (tests/test_quick_model.py compares them).

     pieceIds(vocab, text, special)
                             the word pieces' ids (no [CLS]/[SEP] added); vocab: Map piece
                             -> id; special: {text: id} of the tokenizer's added tokens
                             ([CLS], [UNK], ...), which match as written before any other step
     words(text)             the normalised, pre-tokenised words
     parseVocab(text)        vocab.txt (line i = piece of id i) as a Map */

var MAX_CHARS = 100;
var CONTROL = /\p{C}/u;
var SPACE = /[\t\n\r\p{White_Space}]/u;
var TAB_LINE = /[\t\n\r]/;
var MARK = /\p{Mn}/u;
var PUNCT = /[!-\/:-@\[-`{-~]|\p{P}/u;

function isChinese(code) {
  return (code >= 0x4E00 && code <= 0x9FFF) || (code >= 0x3400 && code <= 0x4DBF) ||
    (code >= 0x20000 && code <= 0x2A6DF) || (code >= 0x2A700 && code <= 0x2B73F) ||
    (code >= 0x2B740 && code <= 0x2B81F) || (code >= 0x2B920 && code <= 0x2CEAF) ||
    (code >= 0xF900 && code <= 0xFAFF) || (code >= 0x2F800 && code <= 0x2FA1F);
}

function normalize(text) {
  var out = "";
  for (var c of String(text)) {
    var code = c.codePointAt(0);
    // controls go first (U+000B, U+000C and U+0085 are controls and white space alike)
    if (code === 0 || code === 0xFFFD || (!TAB_LINE.test(c) && CONTROL.test(c))) { continue; }
    if (SPACE.test(c)) { out += " "; continue; }
    out += isChinese(code) ? " " + c + " " : c;
  }
  var stripped = "";
  for (var d of out.normalize("NFD")) {
    if (!MARK.test(d)) { stripped += d; }
  }
  return stripped.toLowerCase();
}

export function words(text) {
  var out = [], word = "";
  for (var c of normalize(text)) {
    if (SPACE.test(c)) {
      if (word) { out.push(word); word = ""; }
    } else if (PUNCT.test(c)) {
      if (word) { out.push(word); word = ""; }
      out.push(c);
    } else {
      word += c;
    }
  }
  if (word) { out.push(word); }
  return out;
}

function wordPieces(vocab, word, unknown, out) {
  var chars = Array.from(word);
  if (chars.length > MAX_CHARS) { out.push(unknown); return; }
  var found = [], start = 0;
  while (start < chars.length) {
    var end = chars.length, id = null;
    while (start < end) {
      var piece = chars.slice(start, end).join("");
      if (start > 0) { piece = "##" + piece; }
      if (vocab.has(piece)) { id = vocab.get(piece); break; }
      end -= 1;
    }
    if (id === null) { out.push(unknown); return; }
    found.push(id);
    start = end;
  }
  for (var i = 0; i < found.length; i++) { out.push(found[i]); }
}

function escape(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

export function pieceIds(vocab, text, special) {
  var unknown = vocab.has("[UNK]") ? vocab.get("[UNK]") : -1, out = [];
  var plain = function (part) {
    words(part).forEach(function (word) { wordPieces(vocab, word, unknown, out); });
  };
  var names = Object.keys(special || {}).filter(Boolean)
    .sort(function (a, b) { return b.length - a.length; });
  if (!names.length) { plain(String(text)); return out; }
  var pattern = new RegExp(names.map(escape).join("|"), "g"), at = 0, m;
  text = String(text);
  while ((m = pattern.exec(text)) !== null) {
    plain(text.slice(at, m.index));
    out.push(special[m[0]]);
    at = m.index + m[0].length;
  }
  plain(text.slice(at));
  return out;
}

export function parseVocab(text) {
  var lines = String(text).split("\n");
  if (lines.length && lines[lines.length - 1] === "") { lines.pop(); }
  var vocab = new Map();
  lines.forEach(function (piece, i) { if (!vocab.has(piece)) { vocab.set(piece, i); } });
  return vocab;
}
