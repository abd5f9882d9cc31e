"""Matrix products of one query on one thread.

A query's products are small (the encoder's layers for a few tokens; one matrix-vector
product over the library's vectors), and the machine kb is measured on has 2 cores: a second
BLAS thread gains little, and on a busy machine (another process on a core, or the keyword
ranking of a hybrid query on the other thread) waiting for a preempted one made a query slower
(the encoder: 27 ms against 12-15 ms on one thread; the product over 100k vectors: 17-22 ms
against 11.5 ms, measured while other work ran).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_BLAS: Any = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy's matrix products on one thread inside this block (when threadpoolctl is
    installed; otherwise as they are)."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        except ImportError:
            _BLAS = False
    if not _BLAS:
        yield
        return
    with _BLAS.limit(limits=1, user_api="blas"):
        yield
