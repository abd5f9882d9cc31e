"""Counts in words: '1 paper', '2 papers', the one rule every message with a count follows."""

from __future__ import annotations

#: Plurals that are not the word plus 's'.
_IRREGULAR = {"entry": "entries", "library": "libraries", "match": "matches", "was": "were",
              "is": "are", "has": "have"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word`` in the number ``n`` asks for: plural(1, 'paper') is '1 paper',
    plural(2, 'paper') '2 papers', plural(0, 'entry') '0 entries'; ``many`` gives an
    irregular plural the table here lacks."""
    return f"{n} {word if n == 1 else plural_word(word, many)}"


def plural_word(word: str, many: str | None = None) -> str:
    """The plural of ``word`` alone: the last word of a phrase is the one that changes
    ('more error' -> 'more errors')."""
    if many is not None:
        return many
    head, _, last = word.rpartition(" ")
    form = _IRREGULAR.get(last, last + "s")
    return f"{head} {form}" if head else form
