"""Install packages into this Python's environment with uv, from the package indexes pip is
configured with; with pip where uv is missing or fails.

    python scripts/install.py torch==2.13.0 -e '.[test]'

`make setup` installs torch's CPU build, kb and its test tools so (after pip has put uv in
place). uv resolves and installs the same requirements as pip in a fraction of the time (on
the 2-core machine, torch and kb: 7 s against 21 s), but reads no pip configuration: the
index, extra indexes, find-links folders, constraint files and certificate pip would use
(`pip config list`: the environment's PIP_* variables and pip.conf files) are passed on to it,
and it picks, as pip does, the newest version any of them offers (--index-strategy
unsafe-best-match).
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys

USAGE = "usage: python scripts/install.py REQUIREMENT... (as pip install takes them)"


def pip_settings() -> dict[str, list[str]]:
    """Each pip setting's values, from every place pip reads (environment last: it wins)."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                            capture_output=True, text=True, check=False).stdout
    settings: dict[str, list[str]] = {}
    for line in sorted(listed.splitlines(), key=lambda row: row.startswith(":env:")):
        name, sep, value = line.partition("=")
        if not sep:
            continue
        try:
            text = ast.literal_eval(value)
        except (SyntaxError, ValueError):
            text = value.strip("'\"")
        settings.setdefault(name.rsplit(".", 1)[-1], []).append(str(text))
    return settings


def uv_command(args: list[str], settings: dict[str, list[str]]) -> tuple[list[str], dict[str, str]]:
    """The `uv pip install` command line and environment that install ``args`` as pip would."""
    command = [sys.executable, "-m", "uv", "pip", "install", "--python", sys.executable,
               "--quiet", "--index-strategy", "unsafe-best-match"]
    if settings.get("index-url"):
        command += ["--index-url", settings["index-url"][-1]]
    for option, flag in (("extra-index-url", "--extra-index-url"), ("find-links", "--find-links"),
                         ("constraint", "--constraint")):
        seen: list[str] = []
        for value in settings.get(option, []):
            seen += [part for part in value.split() if part not in seen]
        for part in seen:
            if flag != "--constraint" or os.path.isfile(part):
                command += [flag, part]
    env = dict(os.environ)
    if settings.get("cert"):
        env.setdefault("SSL_CERT_FILE", settings["cert"][-1])
    return command + args, env


def main(args: list[str]) -> int:
    if not args:
        print(USAGE, file=sys.stderr)
        return 2
    command, env = uv_command(args, pip_settings())
    try:
        done = subprocess.run(command, env=env, check=False).returncode
    except OSError as exc:
        done = -1
        print(f"install.py: uv could not run ({exc})", file=sys.stderr)
    if done == 0:
        return 0
    print("install.py: uv did not install them; pip does", file=sys.stderr)
    return subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", *args],
                          check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
