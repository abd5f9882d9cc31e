"""kb: a research-paper and reading-group knowledge base.

The library comes first; ``kb.cli`` and ``kb.site`` are thin front ends over it.
"""

from __future__ import annotations

__version__ = "0.1.0"
