"""kb.search.blas: a process that asks before numpy is imported gets an OpenBLAS with one
thread and limits nothing later (no threadpoolctl); one that asks too late, or whose user set
the thread count, keeps the limit of :func:`one_blas_thread`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, os, sys
from kb.search import blas
{before}
started = blas.start_with_one_thread()
import numpy as np
with blas.one_blas_thread():
    inside = sorted(m for m in ("threadpoolctl",) if m in sys.modules)
    (np.ones((64, 64), dtype=np.float32) @ np.ones(64, dtype=np.float32)).sum()
from threadpoolctl import threadpool_info
threads = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
print(json.dumps({{"started": started, "threadpoolctl": inside, "threads": threads,
                  "variable": os.environ.get("OPENBLAS_NUM_THREADS")}}))
"""


def _probe(before: str = "", **env: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    environ.update(PYTHONPATH=str(ROOT), **env)
    out = subprocess.run([sys.executable, "-c", PROBE.format(before=before)], env=environ,
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_one_thread_from_the_start_needs_no_threadpoolctl() -> None:
    got = _probe()
    assert got == {"started": True, "threadpoolctl": [], "threads": [1], "variable": "1"}


def test_too_late_once_numpy_is_imported() -> None:
    got = _probe(before="import numpy")
    assert got["started"] is False and got["variable"] is None
    assert got["threadpoolctl"] == ["threadpoolctl"]  # the block still limits BLAS


def test_the_users_thread_count_stands() -> None:
    got = _probe(OMP_NUM_THREADS="2")
    assert got["started"] is False and got["variable"] is None
    assert got["threadpoolctl"] == ["threadpoolctl"]
