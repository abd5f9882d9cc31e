"""'Did you mean ...?': the wording of every suggestion kb makes, in text alone.

Every 'did you mean' a user reads (CLI errors, kb check, the site's build) is worded here; the
lookups that need the course (a paper key, a session number, the tag vocabulary) are in
:mod:`kb.course.lookups`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

CUTOFF = 0.6  # difflib similarity below which a name is not suggested at all
NEAR_BEST = 0.1  # further names are suggested only when this close to the best one's similarity


def quoted(value: str, limit: int = 80) -> str:
    """``value`` as a message quotes it: ``repr``, shortened in the middle past ``limit``
    characters with its length said, so a hostile 200 MB key never becomes a 400 MB line."""
    if len(value) <= limit:
        return repr(value)
    half = limit // 2
    return f"{value[:half]!r}…{value[-half:]!r} ({len(value):,} characters)"


def shortened(value: str, limit: int = 80) -> str:
    """``value`` as a table or report line shows it: cut in the middle past ``limit``."""
    if len(value) <= limit:
        return value
    half = limit // 2
    return f"{value[:half]}…{value[-half:]} ({len(value):,} characters)"


def did_you_mean(word: str, choices: Iterable[str], n: int = 3,
                 show: Callable[[str], str] = str) -> str:
    """'did you mean a, b?' for the choices closest to ``word``, or '' when none is close.

    Names as close as the best one but for ``NEAR_BEST`` are listed too, at most ``n``; ``show``
    writes a choice the way the user would type it (e.g. ``[@key]`` in a page).
    """
    pool = sorted(set(choices))
    import difflib  # only where a name is wrong; every command imports this module

    close = difflib.get_close_matches(word, pool, n=n, cutoff=CUTOFF)
    ratios = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
    close = [c for c, r in zip(close, ratios) if r >= ratios[0] - NEAR_BEST]
    lowered = {c.lower(): c for c in pool}
    if not close and word.lower() in lowered:
        close = [lowered[word.lower()]]
    return ("did you mean " + ", ".join(map(show, close)) + "?") if close else ""


def suggest(word: str, choices: Iterable[str], fix: str, n: int = 3,
            show: Callable[[str], str] = str) -> str:
    """``fix``, preceded by 'did you mean a, b? If not, ' when some choices are close to ``word``."""
    hint = did_you_mean(word, choices, n, show)
    return f"{hint} If not, {fix}" if hint else fix


def by_title(text: str, titles: Mapping[str, str], n: int = 3) -> list[str]:
    """The keys of the papers whose titles hold every word of ``text``, case aside: a title
    word typed where a key belongs ('Longformer'). Shortest titles first, at most ``n``."""
    words = set(re.findall(r"\w+", text.lower()))
    if not words:
        return []
    found = [key for key, title in titles.items()
             if words <= set(re.findall(r"\w+", title.lower()))]
    return sorted(found, key=lambda key: (len(titles[key]), key))[:n]
