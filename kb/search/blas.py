"""Matrix products on one thread, where a second one costs more than it gains.

The query's embedding (the encoder's layers for a few tokens) runs on one thread: on a busy
machine a second BLAS thread waiting for a preempted one made it slower (27 ms against
12-15 ms). The product over the library's vectors in a hybrid query does too, because the
keyword ranking has the other core then: 35 ms per query at 100k papers against 50-80 ms with
two BLAS threads (on an otherwise idle machine a semantic query alone takes both: the product
over 100k vectors costs 5 ms on two threads, 11 ms on one).
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
