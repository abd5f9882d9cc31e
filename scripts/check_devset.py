"""Check the search development set (eval/questions.jsonl) against the rules it was written to.

- every line has ``q``, a known ``kind`` and ``keys`` naming papers of this repository
  (``none`` questions: no keys; every other kind: at least one);
- ``paraphrase``: no content word of the paper's title, nor a word with the same stem
  (a crude suffix-stripping stem, or one word a 5-letter-or-longer prefix of the other);
- ``everyday``: none of the technical words in :data:`JARGON`;
- every question: no ten words in a row shared with any abstract under ../shared/data
  (the .bib files, read with kb's own reader, and the SciFact corpus) or with a course
  paper's abstract, summary or notes;
- no question twice.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/check_devset.py   # exit 1 on any problem
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402

QUESTIONS = ROOT / "eval" / "questions.jsonl"
SHARED = ROOT.parent / "shared" / "data"
KINDS = ("paraphrase", "finding", "everyday", "neighbour", "none")
RUN = 10  # words in a row that may not be shared with an abstract

# Function words of titles that carry no topic (a paraphrase may use them).
TITLE_STOP = frozenset(
    "a an and are as at be by can do does for from how i in is it its not of on or our than "
    "that the their they through to via what when whose why with you your all new using "
    "aren t s let".split())
# Words a layperson would not use: an `everyday` question holds none of them.
JARGON = (r"rlhf", r"reward model\w*", r"transformer\w*", r"polic(y|ies)", r"fine-?tun\w*",
          r"finetun\w*", r"neural", r"gradient\w*", r"ppo", r"kl", r"llms?", r"embedding\w*",
          r"tokens?", r"calibrat\w*", r"benchmark\w*", r"reinforcement", r"supervis\w*",
          r"parameters?", r"datasets?", r"encoder\w*", r"decoder\w*", r"attention", r"lstm",
          r"recurrent", r"gpt\S*", r"optimi[sz]\w*", r"algorithms?", r"sampling", r"decoding",
          r"models?", r"agents?", r"pretrain\w*", r"pre-train\w*", r"inference", r"alignment",
          r"aligned", r"preference model\w*", r"n-gram\w*", r"perplexity", r"classifier\w*")
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("izations", "ization", "isations", "isation", "ations", "ation", "ments", "ment",
             "ness", "ings", "ing", "ities", "ity", "ives", "ive", "ions", "ion", "ers", "er",
             "ies", "ied", "ed", "es", "ally", "al", "ly", "s")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def same_stem(a: str, b: str) -> bool:
    if a == b or stem(a) == stem(b):
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and long_.startswith(short[:max(5, len(short) - 2)])


def title_words(title: str) -> set[str]:
    return {w for w in words(title) if w not in TITLE_STOP and len(w) > 1}


def ngrams(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def abstracts(papers: dict[str, kb.Paper]) -> list[str]:
    """Every abstract under ../shared/data, and the course papers' own prose."""
    # kb internals (module paths may move): the reader and the entry mapping of kb import
    from kb.bib.mapping import entry_to_paper
    from kb.bib.read import read_bib

    texts = [t for p in papers.values() for t in (p.abstract, p.summary, p.notes) if t]
    for path in sorted(SHARED.rglob("*.bib")):
        for bib in read_bib([path]):
            for entry in bib.entries:
                try:
                    abstract = entry_to_paper(entry).abstract
                except Exception:  # an entry kb import would refuse: its raw field
                    abstract = entry.fields.get("abstract")
                if abstract:
                    texts.append(abstract)
    for path in sorted(SHARED.rglob("corpus.jsonl")):
        with path.open(encoding="utf-8") as handle:
            texts.extend(json.loads(line).get("text", "") for line in handle if line.strip())
    return texts


def problems(questions: list[dict], papers: dict[str, kb.Paper]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    jargon = re.compile(r"\b(" + "|".join(JARGON) + r")\b", re.IGNORECASE)
    forbidden: set[tuple[str, ...]] = set()
    for text in abstracts(papers):
        forbidden |= ngrams(words(text))
    for n, item in enumerate(questions, 1):
        q, kind, keys = item.get("q", ""), item.get("kind"), item.get("keys")
        where = f"line {n} ({kind}): {q[:60]!r}"
        if not q or kind not in KINDS or not isinstance(keys, list):
            out.append(f"{where}: needs q, a kind of {KINDS} and a list of keys")
            continue
        if q.lower() in seen:
            out.append(f"{where}: asked twice")
        seen.add(q.lower())
        unknown = [k for k in keys if k not in papers]
        if unknown:
            out.append(f"{where}: unknown keys {unknown}")
        if (kind == "none") != (not keys):
            out.append(f"{where}: a none question has no keys, every other kind has some")
        if kind == "paraphrase":
            for key in keys:
                for t in title_words(papers[key].title):
                    clash = [w for w in words(q) if same_stem(w, t)]
                    if clash:
                        out.append(f"{where}: title word {t!r} of {key} as {clash}")
        if kind == "everyday":
            found = sorted({m.group(0).lower() for m in jargon.finditer(q)})
            if found:
                out.append(f"{where}: technical words {found}")
        shared = ngrams(words(q)) & forbidden
        if shared:
            out.append(f"{where}: {RUN} words in a row from an abstract: "
                       f"{' '.join(next(iter(shared)))!r}")
    return out


def main() -> int:
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    papers = kb.load_project(kb.load_config(ROOT)).papers
    found = problems(questions, papers)
    counts = {k: sum(1 for q in questions if q.get("kind") == k) for k in KINDS}
    covered = {key for q in questions for key in q.get("keys", [])}
    print(f"{len(questions)} questions: " + ", ".join(f"{k} {n}" for k, n in counts.items())
          + f"; {len(covered)} of {len(papers)} papers named")
    for line in found:
        print(line)
    # Information, not a rule: a paraphrase holding a word that no other course paper has can
    # be found by that word alone (keyword search then needs no understanding).
    texts = {k: {w for w in words(" ".join([p.title, p.abstract or "", p.summary or "",
                                            p.notes or ""]))} for k, p in papers.items()}
    leaky = 0
    for q in questions:
        if q.get("kind") == "paraphrase" and len(q.get("keys", [])) == 1:
            key = q["keys"][0]
            unique = [w for w in dict.fromkeys(words(q["q"])) if len(w) > 2 and
                      [k for k, t in texts.items() if any(same_stem(w, x) for x in t)] == [key]]
            leaky += bool(unique)
    print(f"note: {leaky} of {counts['paraphrase']} paraphrase questions hold a word that only "
          "their paper's text has")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
