"""Run ``python -c CODE ...`` and ``python -m MODULE ...`` as processes of their own, forked
from a server that has already imported what they import (kb, mkdocs and its theme).

test_hostile.py starts about a hundred such processes, each under a memory cap and a timeout;
a fresh interpreter spends most of a small command's time importing (a site build: 0.9 s of
1.5 s). A forked child is still its own process: its own memory cap (set in the child before
the command starts), its own working directory, environment, umask and standard streams, its
own exit code or signal, killed with its process group at the timeout. What it inherits is
the server's imported modules and nothing else: the server runs no command itself.

    with ForkServer(env) as server:
        done = server.run([sys.executable, "-c", "from kb.cli import main; main()", "check"],
                          cwd=course, memory_cap=1 << 30, timeout=120)
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

# What the commands import anyway; the server imports it once, before it forks.
PRELOAD = ("kb.cli", "kb.model.entries", "kb.course.load", "kb.checks.validate", "pydantic",
           "yaml", "click", "mkdocs.commands.build", "mkdocs.config",
           "mkdocs.contrib.search", "material", "material.plugins.tags.plugin", "markdown",
           "pymdownx.highlight", "pymdownx.superfences", "kb.site.plugin")


class ServerGone(RuntimeError):
    pass


class ForkServer:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ForkServer:
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
             "import forkserver; forkserver.serve()"],
            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def run(self, argv: list[str], cwd: Path, *, env: dict[str, str], memory_cap: int,
            timeout: float) -> subprocess.CompletedProcess[str]:
        """``argv`` (``python -c CODE args`` or ``python -m MODULE args``) as a forked process;
        raises subprocess.TimeoutExpired as subprocess.run does."""
        assert self.process is not None and self.process.stdin and self.process.stdout
        assert argv[0] == sys.executable and argv[1] in ("-c", "-m"), argv
        with tempfile.TemporaryDirectory(prefix="kb-fork-") as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            umask = os.umask(0)
            os.umask(umask)
            request = {"argv": argv[1:], "cwd": str(cwd), "env": env, "cap": memory_cap,
                       "timeout": timeout, "umask": umask, "stdout": str(out), "stderr": str(err)}
            self.process.stdin.write(json.dumps(request) + "\n")
            ready, _, _ = select.select([self.process.stdout], [], [], timeout + 30)
            line = self.process.stdout.readline() if ready else ""
            if not line:
                raise ServerGone("the fork server did not answer")
            reply = json.loads(line)
            stdout, stderr = _text(out.read_bytes()), _text(err.read_bytes())
        if reply["timed_out"]:
            raise subprocess.TimeoutExpired(argv, timeout, stdout, stderr)
        return subprocess.CompletedProcess(argv, reply["returncode"], stdout, stderr)


def _text(data: bytes) -> str:
    """As subprocess.run(text=True) decodes: UTF-8, universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


# ------------------------------------------------------------------ the server

def serve() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)  # never returns
        returncode, timed_out = _wait(pid, request["timeout"])
        sys.stdout.write(json.dumps({"returncode": returncode, "timed_out": timed_out}) + "\n")
        sys.stdout.flush()


def _wait(pid: int, timeout: float) -> tuple[int, bool]:
    import signal
    import time

    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), False
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return -signal.SIGKILL, True
        time.sleep(0.005)


def _child(request: dict[str, object]) -> None:
    import atexit
    import resource
    import runpy
    import traceback

    code = 1
    try:
        os.setsid()  # its own process group, killed whole at the timeout
        os.chdir(str(request["cwd"]))
        os.umask(int(request["umask"]))  # type: ignore[call-overload]
        os.environ.clear()
        os.environ.update(request["env"])  # type: ignore[arg-type]
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(str(request[name]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        os.close(null)
        cap = int(request["cap"])  # type: ignore[call-overload]
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        flag, target_name, *args = request["argv"]  # type: ignore[misc]
        if flag == "-c":
            sys.argv = ["-c", *args]
            sys.path[0] = ""
            exec(compile(target_name, "<string>", "exec"), {"__name__": "__main__"})
        else:
            sys.argv = [target_name, *args]
            sys.path[0] = os.getcwd()
            sys.modules.pop(f"{target_name}.__main__", None)  # run, as -m does, not reused
            runpy.run_module(target_name, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
