"""scripts/install.py: uv gets the package sources pip is configured with, and pip takes over
where uv cannot install."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def _install_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("install_script", ROOT / "scripts/install.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pip_settings_reach_uv_with_the_environment_winning(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    install = _install_module()
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch<=2.14.1\n", encoding="utf-8")
    listed = (":env:.find-links='/opt/wheels'\n"
              f"global.constraint='{constraints}'\n"
              "global.extra-index-url='file:///a/simple file:///b/simple'\n"
              "global.find-links='/opt/wheels /more'\n"
              "global.index-url='https://mirror.example/simple'\n"
              ":env:.index-url='https://nearer.example/simple'\n"
              "global.constraint='/no/such/file.txt'\n"
              "global.cert='/etc/ssl/certs/ca-certificates.crt'\n")
    monkeypatch.setattr(install.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, listed, ""))
    settings = install.pip_settings()
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    command, env = install.uv_command(["-e", ".[test]"], settings)
    assert command[:5] == [sys.executable, "-m", "uv", "pip", "install"]
    flags = command[5:]
    assert flags[flags.index("--index-url") + 1] == "https://nearer.example/simple"  # env wins
    assert [flags[i + 1] for i, f in enumerate(flags) if f == "--extra-index-url"] == [
        "file:///a/simple", "file:///b/simple"]
    assert [flags[i + 1] for i, f in enumerate(flags) if f == "--find-links"] == ["/opt/wheels", "/more"]
    assert [flags[i + 1] for i, f in enumerate(flags) if f == "--constraint"] == [str(constraints)]
    assert flags[flags.index("--index-strategy") + 1] == "unsafe-best-match"
    assert flags[-2:] == ["-e", ".[test]"]
    assert env["SSL_CERT_FILE"] == "/etc/ssl/certs/ca-certificates.crt"


def test_pip_installs_when_uv_cannot(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    install = _install_module()
    ran: list[list[str]] = []

    def run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        if command[2] == "pip" and command[3] == "config":
            return subprocess.CompletedProcess(command, 0, "", "")
        return subprocess.CompletedProcess(command, 1 if command[2] == "uv" else 0, "", "")

    monkeypatch.setattr(install.subprocess, "run", run)
    assert install.main(["somepackage==1.0"]) == 0
    assert [c[2:4] for c in ran] == [["pip", "config"], ["uv", "pip"], ["pip", "install"]]
    assert ran[-1][-1] == "somepackage==1.0"
    assert "uv did not install them; pip does" in capsys.readouterr().err


def test_no_requirement_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _install_module().main([]) == 2
    assert capsys.readouterr().err.startswith("usage: python scripts/install.py REQUIREMENT")
