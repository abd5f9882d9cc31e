"""Person names as kb stores them ("Last, First") and as pages and tables show them.

One place for both front ends: the CLI's result tables and the site's cards, citations and
paper pages all shorten and order names through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable


def family_name(name: str) -> str:
    """'Vaswani, Ashish' -> 'Vaswani'; a name without a comma gives its last word."""
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = name.split()
    return words[-1] if words else name


def short_authors(authors: Iterable[str], limit: int = 3) -> str:
    """'Vaswani, Ashish' ... -> 'Vaswani, Shazeer, Parmar et al.' (family names only)."""
    names = [family_name(a) for a in authors]
    if len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    return ", ".join(names)


def lead_authors(authors: Iterable[str], both: str = " and ") -> str:
    """How a citation names authors: 'Vaswani et al.', 'Sutton and Barto', 'Vaswani'."""
    names = [family_name(a) for a in authors]
    if len(names) == 2:
        return both.join(names)
    return names[0] + (" et al." if len(names) > 2 else "") if names else ""


def display_name(name: str) -> str:
    """'Kaiser, Łukasz' -> 'Łukasz Kaiser'; 'King, Jr., Martin' -> 'Martin King, Jr.'."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and all(parts):
        return f"{parts[2]} {parts[0]}, {parts[1]}"
    return name.strip()


def name_list(names: Iterable[str]) -> str:
    """Names as a reader writes them: 'A B, C D and E F'."""
    shown = [display_name(n) for n in names]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)
