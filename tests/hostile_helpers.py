"""Running kb as its own process under a memory cap and a timeout, for the hostile suites
(tests/test_hostile.py, tests/test_hostile_site.py): commands fork from a server that has
imported kb and mkdocs once (tests/forkserver.py) while a module's fork_server fixture runs,
else start as fresh interpreters."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from forkserver import ForkServer

REPO = Path(__file__).resolve().parents[1]
MEMORY_CAP = 3 << 30   # bytes of address space per command (a build may load torch to embed)
TIMEOUT = 120          # seconds per command (a site build loads the model: slow on a busy machine)
KB = "from kb.cli import main; main()"


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


# Linux capabilities that let root read any file whatever its mode bits (capability.h).
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, PR_CAPBSET_DROP = 1, 2, 24


def _drop_root_reading() -> None:
    """Take from this process (and what it runs) the two capabilities that let root ignore
    file modes, so that root is refused a file of mode 000 as any user is (CI runs as root).
    Dropped from the bounding set, they are gone from the program exec'd next."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def can_drop_root_reading() -> bool:
    try:
        probe = subprocess.run(["true"], preexec_fn=_drop_root_reading)
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def command_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "NO_MKDOCS_2_WARNING": "1", "COLUMNS": "200"}
    env.pop("KB_ROOT", None)
    return env


_FORKS: list[ForkServer] = []  # this module's fork server, while its tests run


@pytest.fixture(scope="module", autouse=True)
def fork_server() -> Iterator[ForkServer]:
    """Commands start as processes forked from one that has imported kb and mkdocs already
    (tests/forkserver.py): each still its own process, under its own cap and timeout."""
    with ForkServer(command_env()) as server:
        _FORKS.append(server)
        try:
            yield server
        finally:
            _FORKS.remove(server)


def run_capped(argv: list[str], cwd: Path, *, as_owner: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``cwd`` as its own process under the memory cap; a hang fails the test
    at TIMEOUT. With ``as_owner``, root runs it without the capabilities to read files
    whatever their mode (a fresh interpreter: capabilities leave a process at exec)."""
    env = command_env()

    def setup() -> None:
        _cap()
        if as_owner and os.geteuid() == 0:
            _drop_root_reading()

    try:
        if _FORKS and not as_owner:
            return _FORKS[-1].run(argv, cwd, env=env, memory_cap=MEMORY_CAP, timeout=TIMEOUT)
        return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT, preexec_fn=setup, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(argv[2:])} did not finish within {TIMEOUT} s")


def kb(root: Path, *args: str, as_owner: bool = False) -> subprocess.CompletedProcess[str]:
    return run_capped([sys.executable, "-c", KB, *args], root, as_owner=as_owner)


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every entry below ``folder`` (symlinks and special files by kind, not followed)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = Path(dirpath).relative_to(folder)
        dirnames[:] = [d for d in dirnames if (rel_dir / d).parts[0] not in skip]
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            path = Path(dirpath) / name
            rel = str(rel_dir / name)
            if rel.split(os.sep)[0] in skip:
                continue
            st = path.lstat()
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif not path.is_file():
                out[rel] = f"special:{st.st_mode:o}"
            else:
                try:
                    out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{st.st_mode:o}"
                except PermissionError:
                    out[rel] = f"unreadable:{st.st_mode:o}"
    return out


def assert_clean_exit(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode >= 0, f"{what}: killed by signal {-result.returncode}"
    assert "Traceback" not in result.stderr, f"{what}:\n{result.stderr[-3000:]}"
    assert "MemoryError" not in result.stderr
