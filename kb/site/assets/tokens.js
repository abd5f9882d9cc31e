/* kb: text as SQLite's FTS5 reads it ("porter unicode61"), and a query's words as kb reads them.

   Pure functions, no DOM and no network: the browser's keyword ranking (rank.js) and Node's
   tests (tests/js/tokens.test.mjs) use the same code.

     ftsTokens(text)              FTS5's tokens of a text: unicode61 words, folded, porter-stemmed
     tokenSpans(text)             the same tokens with where each stands in the text:
                                  [{token, start, end}] (offsets in UTF-16 code units)
     stem(token)                  FTS5's porter stemmer of one folded token
     queryTerms(query, stopWords) kb.search.keyword.query_terms: words, lower-cased, stop words
                                  (a Set or a list) dropped unless that leaves none, each once,
                                  in order */

function isVowel(c, prevCons) {
  return c === "a" || c === "e" || c === "i" || c === "o" || c === "u" ||
    (prevCons && c === "y");
}

// The offset just after the first vowel-consonant run of z from `start`, or -1.
function vcRun(z, start, prevCons) {
  var cons = prevCons, i = start;
  for (; i < z.length; i++) {
    cons = !isVowel(z[i], cons);
    if (!cons) { break; }
  }
  for (i++; i < z.length; i++) {
    cons = !isVowel(z[i], cons);
    if (cons) { return i + 1; }
  }
  return -1;
}

function mGt0(s) { return vcRun(s, 0, false) >= 0; }
function mGt1(s) { var n = vcRun(s, 0, false); return n >= 0 && vcRun(s, n, true) >= 0; }
function mEq1(s) { var n = vcRun(s, 0, false); return n >= 0 && vcRun(s, n, true) < 0; }
function hasVowel(s) {
  for (var i = 0; i < s.length; i++) { if (isVowel(s[i], i > 0)) { return true; } }
  return false;
}
function cvc(s) {  // *o: ends consonant-vowel-consonant, the last not w, x or y
  if (!s.length || "wxy".indexOf(s[s.length - 1]) >= 0) { return false; }
  var mask = 0, cons = false;
  for (var i = 0; i < s.length; i++) {
    cons = !isVowel(s[i], cons);
    mask = ((mask << 1) | (cons ? 1 : 0)) & 7;
  }
  return mask === 5;
}
function mGt1ST(s) { var c = s[s.length - 1]; return (c === "s" || c === "t") && mGt1(s); }

var STEP1B = [["eed", mGt0, "ee", false], ["ed", hasVowel, "", true], ["ing", hasVowel, "", true]];
var STEP1B2 = [["at", null, "ate", true], ["bl", null, "ble", true], ["iz", null, "ize", true]];
var STEP2 = [["ational", "ate"], ["tional", "tion"], ["enci", "ence"], ["anci", "ance"],
  ["izer", "ize"], ["logi", "log"], ["bli", "ble"], ["alli", "al"], ["entli", "ent"],
  ["eli", "e"], ["ousli", "ous"], ["ization", "ize"], ["ation", "ate"], ["ator", "ate"],
  ["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"],
  ["aliti", "al"], ["iviti", "ive"], ["biliti", "ble"]].map(function (r) {
  return [r[0], mGt0, r[1], false];
});
var STEP3 = [["icate", "ic"], ["ative", ""], ["alize", "al"], ["iciti", "ic"], ["ical", "ic"],
  ["ful", ""], ["ness", ""]].map(function (r) { return [r[0], mGt0, r[1], false]; });
var STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
  "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"].map(function (s) {
  return [s, s === "ion" ? mGt1ST : mGt1, "", false];
});

// The first rule whose suffix ends the word decides (even when its condition fails).
function apply(word, rules) {
  for (var i = 0; i < rules.length; i++) {
    var suffix = rules[i][0];
    if (word.length > suffix.length && word.slice(-suffix.length) === suffix) {
      var stem = word.slice(0, -suffix.length);
      if (rules[i][1] && !rules[i][1](stem)) { return [word, false]; }
      return [stem + rules[i][2], rules[i][3]];
    }
  }
  return [word, false];
}

var encoder = new TextEncoder();

// SQLite FTS5's porter stemmer: tokens under 3 or over 64 bytes pass through.
export function stem(token) {
  var bytes = encoder.encode(token).length;
  if (bytes < 3 || bytes > 64) { return token; }
  var w = token, n = w.length, r;
  if (w[n - 1] === "s") {
    if (w[n - 2] === "e") {
      w = (n > 4 && w.slice(-4) === "sses") || (n > 3 && w[n - 3] === "i") ? w.slice(0, -2) : w.slice(0, -1);
    } else if (w[n - 2] !== "s") {
      w = w.slice(0, -1);
    }
  }
  r = apply(w, STEP1B);
  w = r[0];
  if (r[1]) {
    r = apply(w, STEP1B2);
    w = r[0];
    if (!r[1]) {
      var c = w[w.length - 1];
      if (!isVowel(c, false) && c !== "l" && c !== "s" && c !== "z" && c === w[w.length - 2]) {
        w = w.slice(0, -1);
      } else if (mEq1(w) && cvc(w)) {
        w += "e";
      }
    }
  }
  if (w[w.length - 1] === "y" && hasVowel(w.slice(0, -1))) { w = w.slice(0, -1) + "i"; }
  w = apply(w, STEP2)[0];
  w = apply(w, STEP3)[0];
  w = apply(w, STEP4)[0];
  if (w[w.length - 1] === "e") {
    var s = w.slice(0, -1);
    if (mGt1(s) || (mEq1(s) && !cvc(s))) { w = s; }
  }
  if (w.length > 1 && w.slice(-2) === "ll" && mGt1(w.slice(0, -1))) { w = w.slice(0, -1); }
  return w;
}

// unicode61 (letters, numbers, private use; case and diacritics folded), then porter.
var TOKEN = /[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{Co}\p{M}]*/gu;
function fold(t) {
  return stem(t.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC"));
}
export function ftsTokens(text) {
  return (text.match(TOKEN) || []).map(fold);
}

export function tokenSpans(text) {
  return Array.from(text.matchAll(TOKEN), function (m) {
    return { token: fold(m[0]), start: m.index, end: m.index + m[0].length };
  });
}

// kb.search.keyword.query_terms: words, lower-cased, stop words dropped, each once.
var WORD = /[\p{L}\p{N}_]+/gu;
export function queryTerms(query, stopWords) {
  var stop = stopWords instanceof Set ? stopWords : new Set(stopWords || []);
  var words = (query.match(WORD) || []).map(function (w) { return w.toLowerCase(); });
  var kept = words.filter(function (w) { return !stop.has(w); });
  var seen = new Set();
  return (kept.length ? kept : words).filter(function (w) {
    if (seen.has(w)) { return false; }
    seen.add(w);
    return true;
  });
}
