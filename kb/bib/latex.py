"""LaTeX <-> Unicode for BibTeX display fields, and BibTeX person names.

Import decodes the display fields (title, names, venue, abstract) to plain Unicode:
``{\\"u}`` -> ü, ``\\&`` -> &, ``--`` -> –, protective braces dropped, ``\\texttt{x}`` -> x.
Export encodes them back so that decoding the result gives the same text again:
LaTeX specials are escaped, non-ASCII letters become LaTeX accents where one exists,
and title words with inner capitals (``BERT``, ``GPT-3``) are protected by braces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, SpecialsTextSpec
from pylatexenc.latex2text import get_default_latex_context_db as _l2t_db
from pylatexenc.latexencode import unicode_to_latex

from kb.model.markup import LATEX_RE

_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
_SPACE = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*\n\s*")
_MACRO_FALLBACK = re.compile(r"\\[A-Za-z]+\*?\s*|\\(?=[^A-Za-z])")

# Macros whose argument is the text to keep (pylatexenc drops some of them by default).
_KEEP_ARG = ("texttt", "mbox", "textsc", "textup", "textsf", "textrm", "textnormal", "url",
             "nolinkurl", "path", "hbox", "uppercase", "lowercase", "MakeUppercase",
             "MakeLowercase", "foreignlanguage", "hyphenation", "NoCaseChange", "ensuremath")


@lru_cache(maxsize=1)
def _converter() -> tuple[LatexNodes2Text, latexwalker.LatexWalker.__class__, object]:
    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category("kb-bib", prepend=True, macros=[
        *(macrospec.MacroSpec(name, "{") for name in _KEEP_ARG if name != "foreignlanguage"),
        macrospec.MacroSpec("foreignlanguage", "{{"),
        macrospec.MacroSpec("href", "{{"),
        macrospec.MacroSpec("cite", "[{"), macrospec.MacroSpec("citep", "[{"),
        macrospec.MacroSpec("citet", "[{"),
    ])
    text_db = _l2t_db()
    text_db.add_context_category("kb-bib", prepend=True, macros=[
        *(MacroTextSpec(name, "%(1)s") for name in _KEEP_ARG if name != "foreignlanguage"),
        MacroTextSpec("foreignlanguage", "%(2)s"),
        MacroTextSpec("href", "%(2)s"),
        MacroTextSpec("cite", "[%(2)s]"), MacroTextSpec("citep", "[%(2)s]"),
        MacroTextSpec("citet", "[%(2)s]"),
        MacroTextSpec("textbackslash", "\\"), MacroTextSpec("textasciicircum", "^"),
        MacroTextSpec("hyphen", "-"), MacroTextSpec("slash", "/"),
        MacroTextSpec("textless", "<"), MacroTextSpec("textgreater", ">"),
        MacroTextSpec("textbar", "|"),
    ], specials=[SpecialsTextSpec("&", "&"), SpecialsTextSpec("~", " ")])
    return LatexNodes2Text(latex_context=text_db, math_mode="text", strict_latex_spaces=False), \
        latexwalker.LatexWalker, walker_db


def normalize_space(text: str, *, paragraphs: bool = False) -> str:
    """Collapse runs of white space to one space; with ``paragraphs`` keep blank-line breaks."""
    if paragraphs:
        parts = _PARAGRAPH.split(text.strip())
        return "\n\n".join(_SPACE.sub(" ", p).strip() for p in parts if p.strip())
    return _SPACE.sub(" ", text).strip()


_PLAIN = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", " "),
          ("{", ""), ("}", ""))


_ESCAPED = re.compile(r"\\([&%_#${}])")
_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_ACCENT_RE = re.compile(r"""\\(?:([\"'`^~=.])\s*|([uvHckr])(?:\s+|(?=\{)))"""
                        r"(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))")
_SYMBOLS = {"i": "ı", "j": "ȷ", "l": "ł", "L": "Ł", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ",
            "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "textendash": "\u2013",
            "textemdash": "\u2014", "textquotedblleft": "\u201c", "textquotedblright": "\u201d",
            "textquoteleft": "\u2018", "textquoteright": "\u2019", "textbackslash": "\x02",
            "textless": "<", "textgreater": ">", "textbar": "|",
            "textasciitilde": "\x04", "textasciicircum": "^", "ldots": "\u2026", "dots": "\u2026"}
_SYMBOL_RE = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])\s*")


def _accent(match: re.Match[str]) -> str:
    mark = _ACCENTS[match.group(1) or match.group(2)]
    letter = match.group(3) or match.group(4)
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return unicodedata.normalize("NFC", base + mark)


_PLAIN_TEXT = re.compile(r"[^\\${}~`'\-\x00-\x04]*")  # no LaTeX, no dash or quote ligature
_PLACEHOLDERS = re.compile("[\x00-\x04]")  # the fast path's own markers; text holding them takes the slow one


def _fast(value: str) -> str | None:
    """Decode ``value`` without pylatexenc when it holds no math and only escaped specials,
    accents on letters and the symbol commands kb's own export writes; None otherwise.
    Gives exactly the text pylatexenc gives (a test checks this on the real files)."""
    if _PLAIN_TEXT.fullmatch(value):  # nothing to decode (most names, titles, venues)
        return value
    if ("$" in value and "$" in value.replace("\\$", "")) or _PLACEHOLDERS.search(value):
        return None
    marked = "\\" in value
    if marked:
        value = value.replace("\\{", "\x00").replace("\\}", "\x01")
        value = _ACCENT_RE.sub(_accent, value)
        value = _SYMBOL_RE.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), value)
        value = _ESCAPED.sub(lambda m: {"{": "\x00", "}": "\x01"}.get(m.group(1), "\x03" + m.group(1)), value)
        if "\\" in value:
            return None
        value = value.replace("\x03", "")
    for old, new in _PLAIN:
        if old in value:
            value = value.replace(old, new)
    if not marked:  # the placeholders come from the commands above alone
        return value
    return value.replace("\x00", "{").replace("\x01", "}").replace("\x02", "\\").replace("\x04", "~")


def latex_to_text(value: str, *, paragraphs: bool = False) -> str:
    """Decode a BibTeX field value (LaTeX) to plain Unicode text.

    Simple values take a fast path (:func:`_fast`), the rest pylatexenc. Input it cannot
    parse falls back to dropping commands and braces, so decoding never raises.
    """
    fast = _fast(value)
    if fast is not None:
        return normalize_space(fast, paragraphs=paragraphs)
    source = _UNESCAPED_PERCENT.sub(r"\\%", value)  # a bare % in a .bib value is a percent sign
    converter, walker_cls, walker_db = _converter()
    try:
        walker = walker_cls(source, latex_context=walker_db, tolerant_parsing=True)
        nodes = walker.get_latex_nodes()[0]
        text = converter.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises assorted errors on odd input; fall back, never fail
        text = _MACRO_FALLBACK.sub("", source).replace("{", "").replace("}", "")
    return normalize_space(text.replace("\xa0", " "), paragraphs=paragraphs)


def decode_leftover(text: str, *, paragraphs: bool = False) -> str:
    """``text`` decoded by :func:`latex_to_text` when it holds LaTeX (:data:`LATEX_RE`), e.g.
    a title from arXiv with ``$\\alpha$`` or ``\\emph{x}``; plain text is returned as it is,
    so a lone ``~`` or ``--`` in it stays."""
    return latex_to_text(text, paragraphs=paragraphs) if LATEX_RE.search(text) else text


_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
             "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}"}
_SPECIAL_RE = re.compile(r"[\\{}&%$#_~^]")
_DASHES = re.compile(r"-{2,}")


def text_to_latex(text: str) -> str:
    """Encode plain text as a BibTeX value that :func:`latex_to_text` decodes to ``text``.

    A non-ASCII character becomes a LaTeX command only when that command decodes back to
    the very same character; all others stay as UTF-8.
    """
    out = _SPECIAL_RE.sub(lambda m: _SPECIALS[m.group(0)], text)
    out = _DASHES.sub(lambda m: "-{}" * (len(m.group(0)) - 1) + "-", out)  # keep '--' literal
    out = out.replace("``", "`{}`").replace("''", "'{}'")
    if out.isascii():
        return out
    return "".join(_encode_char(c) if not c.isascii() else c for c in out)


@lru_cache(maxsize=4096)
def _encode_char(char: str) -> str:
    encoded = unicode_to_latex(char, non_ascii_only=True, replacement_latex_protection="braces-all",
                               unknown_char_policy="keep", unknown_char_warning=False)
    return encoded if encoded != char and latex_to_text(encoded) == char else char


_INNER_CAPITAL = re.compile(r"^\W*\w+?[A-Z]")


def protect_title(text: str) -> str:
    """Encode a title, wrapping words with inner capitals ('BERT', 'GPT-3') in braces."""
    words = text.split(" ")
    out = []
    for word in words:
        encoded = text_to_latex(word)
        if _INNER_CAPITAL.search(word):
            encoded = "{" + encoded + "}"
        out.append(encoded)
    return " ".join(out)


# ---------------------------------------------------------------- person names

def split_names(value: str) -> list[str]:
    """A BibTeX name list ('A. Müller and Smith, Jane') -> ['Müller, A.', 'Smith, Jane'].

    Each name is 'von Last, First' or 'von Last, Jr, First'; a name with one part only
    (an institution in braces, 'others') is kept as it is.
    """
    from bibtexparser.middlewares.names import split_multiple_persons_names  # only names need it

    names = []
    for raw in split_multiple_persons_names(normalize_space(value)):
        name = _one_name(raw)
        if name:
            names.append(name)
    return names


@lru_cache(maxsize=65_536)  # a library names the same people again and again
def _one_name(raw: str) -> str:
    """One BibTeX name -> 'von Last, Jr, First' ('' for a name with no letters)."""
    if raw.lower().replace(".", "").replace(" ", "") in ("others", "etal"):
        return "others"
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    parts = parse_single_name_into_parts(raw, strict=False)
    last = latex_to_text(" ".join(parts.von + parts.last))
    first = latex_to_text(" ".join(parts.first))
    jr = latex_to_text(" ".join(parts.jr))
    if not last:
        last, first = first, ""
    if not last:
        return ""
    return ", ".join(p for p in (last, jr, first) if p)


def join_names(names: list[str]) -> str:
    """['Müller, A.', 'OpenAI'] -> 'M{\\"u}ller, A. and {OpenAI}' (the inverse of split_names)."""
    out = []
    for name in names:
        if name == "others":
            out.append(name)
        elif "," in name:
            written = ", ".join(text_to_latex(p.strip()) for p in name.split(","))
            if split_names(written) != [name]:  # e.g. 'Department of Education, Culture and ...'
                written = "{" + text_to_latex(name) + "}"
            out.append(written)
        else:
            out.append("{" + text_to_latex(name) + "}")
    return " and ".join(out)
