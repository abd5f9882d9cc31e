"""What counts as markup left in text meant to be plain (titles, abstracts, names).

``kb check`` flags it (the 'latex' and 'html' issues), and text from the metadata services is
decoded when it matches, so that what ``kb add`` writes passes the check. Kept free of heavy
imports: ``kb check`` loads it on every run.
"""

from __future__ import annotations

import re

LATEX_RE = re.compile(r"\\[A-Za-z]+|\\[\"'^`~=.]|[{}]|(?<!\\)\$[^$]+\$")
HTML_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")
