"""Reading .bib files (macros, crossrefs, broken blocks) and mapping entries to papers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SHARED
from kb.bib import latex
from kb.bib.read import BibEntry, normalize_month, read_bib, split_concatenation
from kb.bib.mapping import EntryError, entry_to_paper, export_bibtex
from kb.bib.latex import join_names, latex_to_text, protect_title, split_names, text_to_latex


def bib(tmp_path: Path, text: str, name: str = "in.bib") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def entry(fields: dict[str, str], type: str = "article", key: str = "k") -> BibEntry:
    return BibEntry("x.bib", 1, key, type, fields)


# ---------------------------------------------------------------- LaTeX and names

@pytest.mark.parametrize("raw,text", [
    (r'T{\"u}bingen \& Co', "Tübingen & Co"),
    (r"{BERT}: Pre--training --- {D}eep", "BERT: Pre–training — Deep"),
    (r"Kaiser, {\L}ukasz", "Kaiser, Łukasz"),
    (r"\texttt{code} and \emph{stress}", "code and stress"),
    (r"50% of {EFL} learners", "50% of EFL learners"),
    (r"$\alpha$-divergence", "α-divergence"),
    (r"methodology\hyphen independent", "methodology-independent"),
    (r"Bod\'{\i}k \v{S}koda \c{c}", "Bodík Škoda ç"),
    ("two\n   lines", "two lines"),
    (r"\href{http://x.org}{the site}", "the site"),
    (r"\href{broken}", "broken"),  # pylatexenc fails on this one; the fallback does not
    (r"p={\textless}0.01, p{\textgreater}0.05, {\textbar}r{\textbar}", "p=<0.01, p>0.05, |r|"),
    (r"$x$ {\textless} y", "x < y"),  # the same symbols on the parser's path
])
def test_latex_to_text(raw: str, text: str) -> None:
    assert latex_to_text(raw) == text


def test_abstract_keeps_paragraphs() -> None:
    assert latex_to_text("first  part\n\n  second\npart", paragraphs=True) == "first part\n\nsecond part"


@pytest.mark.parametrize("text", [
    "Tübingen & Co", "A {brace} x_1 ^ ~ # $ 50% \\ back", "Émile Zoë 中文 “q” – ñ ø ß",
    "Llama‑Nemotron", "pre--training", "BERT: Pre-training of GPT-3 and RoBERTa",
])
def test_encoding_decodes_to_the_same_text(text: str) -> None:
    assert latex_to_text(text_to_latex(text)) == text
    assert latex_to_text(protect_title(text)) == text


def test_title_protection_braces_inner_capitals_only() -> None:
    assert protect_title("BERT for the US and Q-learning") == "{BERT} for the {US} and Q-learning"


def test_non_ascii_becomes_latex_only_where_it_decodes_back() -> None:
    assert text_to_latex("Müller") == r'M{\"u}ller'
    assert text_to_latex("中文") == "中文"
    assert text_to_latex("Llama‑3") == "Llama‑3"  # U+2011 would come back as '-'


_LATEX_SPECIAL = re.compile(r"[\\{}$%~&#^_`'\"]|--")


def _words(value: str) -> list[str]:
    """``value`` split at the spaces outside braces and math: pieces that are values of their
    own (a group or a formula stays whole)."""
    out, depth, math, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == "$" and value[i - 1:i] != "\\":
            math = not math
        elif ch.isspace() and depth == 0 and not math:
            if i > start:
                out.append(value[start:i])
            start = i + 1
    if start < len(value):
        out.append(value[start:])
    return out


def test_fast_path_agrees_with_the_parser_on_real_values() -> None:
    """The fast decoder gives pylatexenc's text, on real values and on kb's own encodings.
    Values up to 300 characters (titles, names, venues, notes) are checked whole; longer ones
    (abstracts: three quarters of the text, plain prose but for a few words) word by word, the
    distinct words that hold a LaTeX special character."""
    parsed = read_bib([SHARED / "bib" / "natolambert__rlhf-book" / "teach" / "course" / "refs.bib",
                       SHARED / "bib_messy" / "hubeiqiao__Literature-screening" / "Exported Items.bib"])
    values = {v for bib in parsed for item in bib.entries for v in item.fields.values()}
    values |= {text_to_latex(latex_to_text(v)) for v in list(values)}
    values |= {r'M{\"u}ller \c{c} \v{S} Bod\'{\i}k {\L}ukasz {\ss} \& \% 10\$ {\textendash}'}
    long = {v for v in values if len(v) > 300}
    assert len(long) > 1000
    values = (values - long) | {w for v in long for w in _words(v) if _LATEX_SPECIAL.search(w)}
    assert _words(r"a {b c} $x y$ \$ d") == ["a", "{b c}", "$x y$", "\\$", "d"]
    converter, walker, db = latex._converter()
    checked = 0
    for value in values:
        fast = latex._fast(value)
        if fast is None:
            continue
        nodes = walker(latex._UNESCAPED_PERCENT.sub(r"\\%", value), latex_context=db,
                       tolerant_parsing=True).get_latex_nodes()[0]
        slow = converter.nodelist_to_text(nodes).replace("\xa0", " ")
        assert latex.normalize_space(fast) == latex.normalize_space(slow), value
        checked += 1
    assert checked > 1000
    assert latex._fast(r"$x$ and \\ and \unknown{x}") is None


def test_names_split_into_last_first() -> None:
    names = split_names(r'M{\"u}ller, A. and B. Smith and {Google DeepMind} and others and '
                        r"von Neumann, Jr., John and Ludwig van Beethoven and Toh {Ne Win}")
    assert names == ["Müller, A.", "Smith, B.", "Google DeepMind", "others",
                     "von Neumann, Jr., John", "van Beethoven, Ludwig", "Ne Win, Toh"]
    assert split_names(join_names(names)) == names
    odd = ["Department of Education, Culture and Employment."]
    assert split_names(join_names(odd)) == odd


# ---------------------------------------------------------------- reading

def test_split_concatenation() -> None:
    assert split_concatenation('pop # " 94" # {a # b}') == ["pop", '" 94"', "{a # b}"]


@pytest.mark.parametrize("value,month", [("jan", "1"), ("January", "1"), ("09", "9"),
                                         ("Sept.", "9"), ("Summer", "Summer"), ("13", "13")])
def test_normalize_month(value: str, month: str) -> None:
    assert normalize_month(value) == month


def test_macros_from_another_file_concatenation_and_months(tmp_path: Path) -> None:
    strings = bib(tmp_path, '@string{popl = "Principles of " # lang}\n@string{LANG = {Languages}}\n',
                  "strings.bib")
    main = bib(tmp_path, "Stray text before the first entry.\n"
                         '@inproceedings{a, title = "A", booktitle = popl # " (POPL)", '
                         "month = mar, year = 1994, note = jan # { 3}, series = undefinedmacro}\n")
    [parsed] = read_bib([main], [strings])
    [item] = parsed.entries
    assert item.fields["booktitle"] == "Principles of Languages (POPL)"
    assert item.fields["month"] == "3"
    assert item.fields["year"] == "1994"
    assert item.fields["note"] == "January 3"
    assert item.warnings == ["field 'series': undefined @string macro 'undefinedmacro' (kept as text)"]


def test_crossref_and_xref_resolved_across_files(tmp_path: Path) -> None:
    parents = bib(tmp_path, "@proceedings{P94, title = {Proc. of P}, year = 1994, month = jan, "
                            "address = {Portland}, publisher = {ACM}}\n", "parents.bib")
    main = bib(tmp_path, "@inproceedings{c, title = {Child}, crossref = {P94}, year = 1995}\n"
                         "@inproceedings{d, title = {Orphan}, crossref = {nope}, xref = {gone}}\n")
    [parsed] = read_bib([main], [parents])
    child, orphan = parsed.entries
    assert child.fields["booktitle"] == "Proc. of P"
    assert child.fields["year"] == "1995"  # the child's own field wins
    assert (child.fields["address"], child.fields["month"]) == ("Portland", "1")
    assert "title" in child.fields and child.fields["title"] == "Child"
    assert orphan.warnings == [
        "crossref 'nope' names no entry in the files given (add the file that defines it, "
        "e.g. with --refs)",
        "xref 'gone' names no entry in the files given",
    ]


def test_failed_blocks_are_reported_never_lost(tmp_path: Path) -> None:
    path = bib(tmp_path, "% a comment\n"
                         "@article{dup, title = {First}, title = {Second}, year = 2000}\n"
                         "@article{ok, title = {Fine}}\n"
                         "@article{ok, title = {Same key}}\n"
                         "@misc{broken, title = {never closed\n"
                         "@weird{w, title = {Odd}}\n"
                         "@string{x = {1}}\n@string{x = {2}}\n")
    [parsed] = read_bib([path])
    assert parsed.read == 5
    assert [(e.key, e.line) for e in parsed.entries] == [("dup", 2), ("ok", 3), ("ok", 4)]
    assert parsed.entries[0].fields["title"] == "First"
    assert parsed.entries[0].warnings == [
        "field 'title' is given twice (again on line 2); kept 'First', dropped 'Second'"]
    assert parsed.entries[2].warnings == ["key 'ok' is given twice in this file (first on line 3)"]
    assert [(f.line, f.key) for f in parsed.failures] == [(5, "broken"), (6, "w")]
    assert parsed.failures[0].message.startswith("cannot parse the entry: Unexpected block start")
    assert parsed.failures[1].message == "unknown entry type @weird"
    assert parsed.warnings == [(8, "@string 'x' is defined twice; the first definition is used")]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    from kb.errors import BibError

    with pytest.raises(BibError, match="no such file"):
        read_bib([tmp_path / "missing.bib"])


# ---------------------------------------------------------------- mapping

def test_entry_to_paper_maps_and_keeps_the_rest() -> None:
    paper = entry_to_paper(entry({
        "title": r"{T}raining with {\"U}ber", "author": r"M{\"u}ller, Anna and Bob Smith",
        "journal": "arXiv preprint arXiv:2203.02155v2", "year": "2022", "pages": "1--10",
        "doi": "https://doi.org/10.1000/ABC", "url": "https://example.org/p",
        "keywords": "rlhf, ppo", "abstract": r"We \emph{study}.", "publisher": "ACM",
    }))
    assert paper.title == "Training with Über"
    assert paper.authors == ["Müller, Anna", "Smith, Bob"]
    assert (paper.venue, paper.year, paper.arxiv) == ("arXiv", 2022, "2203.02155")  # no venue
    assert (paper.doi, paper.url, paper.tags) == ("10.1000/ABC", "https://example.org/p", ["rlhf", "ppo"])
    assert paper.abstract == "We study."
    assert paper.bibtex == {"pages": "1--10", "publisher": "ACM"}


@pytest.mark.parametrize("fields,arxiv,kept", [
    ({"eprint": "1706.03762", "archiveprefix": "arXiv"}, "1706.03762", {}),
    ({"eprint": "1706.03762", "eprinttype": "arxiv"}, "1706.03762", {}),
    ({"eprint": "12345", "eprinttype": "pubmed"}, None, {"eprint": "12345", "eprinttype": "pubmed"}),
    ({"arxivid": "hep-th/9901001v3"}, "hep-th/9901001", {}),
    ({"url": "https://arxiv.org/abs/2106.09685"}, "2106.09685", {}),
    ({"doi": "10.48550/arXiv.2204.05862"}, "2204.05862", {}),
    ({"journal": r"Ar{X}iv:1607.06450"}, "1607.06450", {}),
])
def test_arxiv_ids_found_wherever_the_file_keeps_them(fields: dict[str, str], arxiv: str | None,
                                                     kept: dict[str, str]) -> None:
    paper = entry_to_paper(entry({"title": "T", **fields}))
    assert paper.arxiv == arxiv
    assert paper.bibtex == kept


def test_biblatex_date_and_journaltitle() -> None:
    paper = entry_to_paper(entry({"title": "T", "date": "2021-06-01", "journaltitle": "J. X",
                                  "journal": "other"}))
    assert (paper.year, paper.venue) == (2021, "J. X")
    assert paper.bibtex == {"date": "2021-06-01", "journal": "other"}


def test_keywords_outside_the_tag_vocabulary_stay_in_bibtex(tmp_path: Path) -> None:
    paper = entry_to_paper(entry({"title": "T", "keywords": "RLHF, unknown; Reward_Model"}),
                           tag_vocabulary={"rlhf", "reward-model"})
    assert paper.tags == ["rlhf", "reward-model"] and paper.bibtex == {"keywords": "unknown"}
    none = entry_to_paper(entry({"title": "T", "keywords": "unknown, other"}), tag_vocabulary={"rlhf"})
    assert none.tags == [] and none.bibtex == {"keywords": "unknown, other"}
    path = tmp_path / "out.bib"
    path.write_text(export_bibtex([paper]), encoding="utf-8")
    [again] = read_bib([path])[0].entries
    assert entry_to_paper(again, tag_vocabulary={"rlhf", "reward-model"}) == paper


def test_entry_without_title_is_an_entry_error() -> None:
    with pytest.raises(EntryError, match="no title"):
        entry_to_paper(entry({"author": "A"}))


def test_export_is_sorted_deterministic_and_reads_back(tmp_path: Path) -> None:
    papers = [
        entry_to_paper(entry({"title": "Zed", "year": "2001", "month": "2", "volume": "3"}, key="zed")),
        entry_to_paper(entry({"title": "BERT & Über", "author": "Ng, A. and {OpenAI}",
                              "booktitle": "NeurIPS", "eprint": "1810.04805"},
                             type="inproceedings", key="alpha")),
    ]
    text = export_bibtex(papers)
    assert text == export_bibtex(reversed(papers))
    assert text == (
        "@inproceedings{alpha,\n"
        r"  title         = {{BERT} \& {\"U}ber}," "\n"
        "  author        = {Ng, A. and {OpenAI}},\n"
        "  booktitle     = {NeurIPS},\n"
        "  eprint        = {1810.04805},\n"
        "  archiveprefix = {arXiv}\n"
        "}\n\n"
        "@article{zed,\n"
        "  title  = {Zed},\n"
        "  year   = {2001},\n"
        "  month  = feb,\n"
        "  volume = {3}\n"
        "}\n"
    )
    [parsed] = read_bib([bib(tmp_path, text)])
    again = [entry_to_paper(e) for e in parsed.entries]
    assert [p.model_dump() for p in again] == [p.model_dump() for p in sorted(papers, key=lambda p: p.key)]


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "old.bib"
    path.write_bytes(b"% old thesis\n@article{a, title = {Caf\xe9 Society}}\n")
    [parsed] = read_bib([path])
    assert parsed.entries[0].fields["title"] == "Café Society"
    assert parsed.warnings == [(None, "not valid UTF-8 (first bad byte on line 2); read as Latin-1")]


def test_a_field_given_twice_loses_nothing_it_can_keep(tmp_path: Path) -> None:
    path = bib(tmp_path, "@article{a, title = {T}, annote = {Cited By: 0}, "
                         "annote = {Cited By: 0; Conference name}, note = {one}, note = {two}, "
                         "keywords = {rlhf}, keywords = {ppo}, year = {2020}, year = {20}}\n")
    [parsed] = read_bib([path])
    [item] = parsed.entries
    assert (item.fields["annote"], item.fields["note"]) == ("Cited By: 0; Conference name", "one; two")
    assert (item.fields["keywords"], item.fields["year"]) == ("rlhf, ppo", "2020")
    assert item.warnings == [
        "field 'annote' is given twice (again on line 1); the second value holds the first and is kept",
        "field 'note' is given twice (again on line 1); the two values are joined",
        "field 'keywords' is given twice (again on line 1); the two values are joined",
        "field 'year' is given twice (again on line 1); the first value holds the second",
    ]


def test_export_writes_valid_names_for_hand_written_fields() -> None:
    from kb.model.entries import Paper

    text = export_bibtex([Paper(key="k", title="T", bibtex={"Page Count": "3"})])
    assert text == "@misc{k,\n  title      = {T},\n  page-count = {3}\n}\n"
