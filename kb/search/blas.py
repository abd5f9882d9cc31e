"""Matrix products on one thread, where a second one costs more than it gains.

The query's embedding (the encoder's layers for a few tokens) runs on one thread: on a busy
machine a second BLAS thread waiting for a preempted one made it slower (27 ms against
12-15 ms). The product over the library's vectors in a hybrid query does too, because the
keyword ranking has the other core then: 35 ms per query at 100k papers against 50-80 ms with
two BLAS threads (on an otherwise idle machine a semantic query alone takes both: the product
over 100k vectors costs 5 ms on two threads, 11 ms on one).

A process that will only ever want one BLAS thread (``kb search`` in hybrid mode) says so
before numpy is imported (:func:`start_with_one_thread`): OpenBLAS then starts no worker
thread at all. Its worker, started with numpy and spinning while it waits for work, took a
core from the import itself: ``import numpy`` cost 170 ms against 95 ms on the shared 2-core
machine (medians of 40 interleaved runs), and :func:`one_blas_thread` then needs no
threadpoolctl (another 5-10 ms).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_BLAS: Any = None
# OpenBLAS reads the first of these that is set when it is loaded
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
_STARTED_WITH_ONE = False


def start_with_one_thread() -> bool:
    """Have numpy's OpenBLAS start with one thread, when numpy is not imported yet and the
    user has set none of its thread variables (whose choice stands). For a process whose
    matrix products all run on one thread anyway; the environment of the process changes,
    and so that of the programs it starts. Returns whether it did."""
    global _STARTED_WITH_ONE
    if "numpy" in sys.modules or any(name in os.environ for name in _THREAD_VARIABLES):
        return False
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    _STARTED_WITH_ONE = True
    return True


def _single_threaded() -> bool:
    """Whether numpy's BLAS has one thread only: OpenBLAS, started so by
    :func:`start_with_one_thread` (another BLAS does not read the variable)."""
    if not _STARTED_WITH_ONE:
        return False
    import numpy as np

    try:
        name = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        return False
    return "openblas" in str(name).lower()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy's matrix products on one thread inside this block (when threadpoolctl is
    installed; otherwise as they are)."""
    global _BLAS
    if _BLAS is None:
        if _single_threaded():
            _BLAS = False  # nothing to limit
        else:
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
