"""The one rule for printing untrusted text on a terminal.

Titles, names and messages that came from a paper file, a .bib file or a metadata service may
hold characters a terminal obeys instead of showing: ESC starts sequences that set the window
title, write the clipboard (OSC 52) or rewrite the screen; other C0 and C1 controls and DEL
move the cursor or erase; bidi overrides and isolates reorder what follows; zero-width
characters hide text. :func:`for_terminal` shows each as a visible escape (``\\x1b``,
``\\u202e``), so what is printed is what is there. The characters are those ``kb check``
flags (:data:`kb.model.markup.CONTROL_CLASS`): one list for both. Pure: no I/O.
"""

from __future__ import annotations

import re

from kb.model.markup import CONTROL_CLASS

_UNSAFE_RE = re.compile(f"[{CONTROL_CLASS}]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str, *, lines: bool = False) -> str:
    """``text`` with every control, bidi and zero-width character shown as an escape;
    ``lines`` keeps newlines (a message whose fix is on a line of its own)."""
    return _UNSAFE_RE.sub(lambda m: m.group() if lines and m.group() == "\n"
                          else _escape(m.group()), text)


def json_for_terminal(text: str) -> str:
    """JSON text with the characters :func:`for_terminal` escapes written as ``\\u001b``-style:
    the same JSON value (they can only stand inside strings), safe to print. ``json.dumps``
    escapes C0 itself, but not DEL, C1, bidi or zero-width characters. Its indenting newlines
    stay (inside strings ``json.dumps`` has escaped them already)."""
    return _UNSAFE_RE.sub(lambda m: m.group() if m.group() == "\n"
                          else f"\\u{ord(m.group()):04x}", text)
