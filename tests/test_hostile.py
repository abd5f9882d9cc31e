"""Hostile input: each case is planted into a fresh course, then every command that reads it
runs as its own process under a memory cap and a timeout. Each must end with the expected exit
code and a message naming the place, and nothing outside the course may change.

Add a case by appending to CASES (content) or to the option and BibTeX tables below.
"""

# ruff: noqa: F811  (fork_server, imported, is an argument of the tests that use it)
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import paper, write
from hostile_helpers import (  # noqa: F401  (fork_server: this module's autouse fixture)
    KB, MEMORY_CAP, TIMEOUT, ForkServer, _cap, assert_clean_exit, can_drop_root_reading,
    command_env, fork_server, kb, run_capped, tree)
from kb.course.scaffold import init_course


# ------------------------------------------------------------------ the course and its readers

@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """(course, outside): a fresh course, and a folder beside it that nothing may touch."""
    course = tmp_path / "course"
    init_course(course, title="Hostile")
    text = (course / "mkdocs.yml").read_text(encoding="utf-8")
    (course / "mkdocs.yml").write_text(text.replace("  - kb:\n", "  - kb:\n      related: 0\n"),
                                       encoding="utf-8")
    outside = tmp_path / "outside"
    write(outside, "secret.md", paper("secret2020outside", title="Outside the course"))
    write(outside, "notes.txt", "private\n")
    return course, outside


READERS: tuple[tuple[str, ...], ...] = (
    ("check",), ("search", "--mode", "keyword", "attention"), ("export", "csl"),
)


def read_everything(course: Path, outside: Path,
                    as_owner: bool = False) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run every reading command and the site build; nothing outside, nothing in the content
    (only the caches .kb/ and site/) may change."""
    before, before_outside = tree(course, (".kb", "site")), tree(outside)
    results = {}
    for args in READERS:
        results[args[0]] = kb(course, *args, as_owner=as_owner)
    results["build"] = run_capped([sys.executable, "-m", "mkdocs", "build", "-q"], course,
                                  as_owner=as_owner)
    for name, result in results.items():
        assert_clean_exit(result, name)
    assert tree(course, (".kb", "site")) == before
    assert tree(outside) == before_outside
    return results


# ------------------------------------------------------------------ the fork server

def test_a_forked_command_answers_as_a_fresh_interpreter_does(world: tuple[Path, Path],
                                                              fork_server: ForkServer) -> None:
    """Every reader, forked or started fresh, on the same course with an error: the same exit
    code, output and errors."""
    course, _ = world
    write(course, "papers/future3020.md", paper("future3020", year=3020))
    env = command_env()
    commands = [[sys.executable, "-c", KB, *args] for args in READERS] + \
        [[sys.executable, "-m", "mkdocs", "build", "-q"]]
    for argv in commands:
        fresh = subprocess.run(argv, cwd=course, env=env, capture_output=True, text=True,
                               timeout=TIMEOUT, preexec_fn=_cap, stdin=subprocess.DEVNULL)
        forked = fork_server.run(argv, course, env=env, memory_cap=MEMORY_CAP, timeout=TIMEOUT)
        assert (forked.returncode, forked.stdout, forked.stderr) == \
            (fresh.returncode, fresh.stdout, fresh.stderr), argv[2:]
    assert fresh.returncode == 1 and "papers/future3020.md" in fresh.stderr


def test_a_forked_command_has_its_own_cap_timeout_umask_and_signals(tmp_path: Path,
                                                                    fork_server: ForkServer) -> None:
    def python(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return fork_server.run([sys.executable, "-c", code, "an", "arg"], tmp_path,
                               env={**command_env(), "PROBE": "here"}, memory_cap=MEMORY_CAP,
                               timeout=timeout)

    done = python("import os, sys; print(os.getcwd(), os.environ['PROBE'], sys.argv[1:]); "
                  "print('to stderr', file=sys.stderr); sys.exit(3)")
    assert (done.returncode, done.stdout, done.stderr) == (
        3, f"{tmp_path} here ['an', 'arg']\n", "to stderr\n")
    too_big = python(f"x = bytearray({MEMORY_CAP})")  # the whole cap: no room for it
    assert too_big.returncode == 1 and "MemoryError" in too_big.stderr
    assert python("import os, signal; os.kill(os.getpid(), signal.SIGTERM)").returncode == -15
    assert python("import sys; sys.exit('no')").stderr == "no\n"
    old = os.umask(0o077)
    try:
        python("open('made', 'w').close()")
    finally:
        os.umask(old)
    assert (tmp_path / "made").stat().st_mode & 0o777 == 0o600
    with pytest.raises(subprocess.TimeoutExpired):
        python("import time; time.sleep(30)", timeout=1)
    assert python("print('after a timeout')").stdout == "after a timeout\n"


# ------------------------------------------------------------------ planted content

@dataclass
class Case:
    name: str
    plant: Callable[[Path, Path], None]
    message: str         # what kb check says, after the file's path
    path: str            # the file kb check names


def _bomb(course: Path, outside: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    write(course, "papers/bomb2020lol.md", "---\ntitle: Laughs\n" + "\n".join(lines) + "\n---\n")


def _link(name: str, target: str) -> Callable[[Path, Path], None]:
    def plant(course: Path, outside: Path) -> None:
        (course / "papers" / name).symlink_to(target.replace("OUTSIDE", str(outside)))
    return plant


def _fifo(course: Path, outside: Path) -> None:
    os.mkfifo(course / "papers/fifo2020pipe.md")


def _field(rel: str, text: str | Callable[[], str]) -> Callable[[Path, Path], None]:
    """Plant ``text`` at ``rel``; a large one is given as a function, made when its case runs
    (not when each test process collects the cases)."""
    return lambda course, outside: write(course, rel, text if isinstance(text, str) else text())  # type: ignore[return-value]


BIG = "1" + "0" * 20
CASES = [
    Case("yaml alias bomb", _bomb, "error the front matter uses a YAML alias (*name)",
         "papers/bomb2020lol.md:3"),
    Case("year 10^20", _field("papers/big2020year.md", f"---\ntitle: Big\nyear: {BIG}\n---\n"),
         "error [year] Input should be less than or equal to 9999", "papers/big2020year.md:3"),
    Case("session 10^20", _field("docs/sessions/02-big.md", f"---\nsession: {BIG}\ntitle: B\n---\n"),
         "error [session] Input should be less than or equal to 999", "docs/sessions/02-big.md:2"),
    Case("poster session 10^20", _field("docs/posters/big.md", f"---\ntitle: B\nsession: {BIG}\n---\n"),
         "error [session] Input should be less than or equal to 999", "docs/posters/big.md:3"),
    Case("date 2025-02-30", _field("docs/sessions/02-feb.md",
                                   "---\nsession: 2\ndate: 2025-02-30\ntitle: Feb\n---\n"),
         "error [date] '2025-02-30' is not a date (day value is outside expected range)",
         "docs/sessions/02-feb.md:3"),
    Case("tagged date 2025-02-30", _field("papers/tagged2020date.md",
                                          "---\ntitle: Tagged\nadded: !!timestamp 2025-02-30\n---\n"),
         "error [added] a value in the front matter cannot be read: day is out of range",
         "papers/tagged2020date.md:3"),
    Case("tagged int in a list", _field("papers/tagged2020int.md",
                                        "---\ntitle: Tagged\ntags:\n- rl\n- !!int 12z\n---\n"),
         "error [tags.1] a value in the front matter cannot be read", "papers/tagged2020int.md:5"),
    Case("90k tags", _field("papers/tags2020many.md",
                            lambda: paper("tags2020many", tags=[f"t{i}" for i in range(90_000)])),
         "error [tags] 90000 tags, more than the 50 kb accepts", "papers/tags2020many.md:"),
    Case("symlink loop", _link("loop2020self.md", "loop2020self.md"),
         "error not read: a symbolic link loop", "papers/loop2020self.md"),
    Case("dangling symlink", _link("gone2020away.md", "missing.md"),
         "error not read: a symbolic link to 'missing.md', which does not exist",
         "papers/gone2020away.md"),
    Case("symlink to /dev/zero", _link("zero2020dev.md", "/dev/zero"),
         "error not read: not a regular file but a character device", "papers/zero2020dev.md"),
    Case("FIFO named like a paper", _fifo,
         "error not read: not a regular file but a FIFO (named pipe)", "papers/fifo2020pipe.md"),
    Case("symlink out of the course", _link("out2020side.md", "OUTSIDE/secret.md"),
         "outside the course", "papers/out2020side.md"),
    Case("file over max_file_size", _field("papers/huge2020file.md",
                                           lambda: paper("huge2020file", abstract="x " * 700_000)),
         "error the file is 1.4 MB, more than the 1.0 MB kb reads", "papers/huge2020file.md"),
    Case("reserved key index", _field("papers/index.md", paper("index")),
         "the key 'index' is a reserved name", "papers/index.md:1"),
    Case("reserved key CON", _field("papers/CON.md", paper("CON")),
         "the key 'CON' is a reserved name", "papers/CON.md:1"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_planted_content_is_a_clear_error_for_every_reader(world: tuple[Path, Path],
                                                           case: Case) -> None:
    course, outside = world
    case.plant(course, outside)
    results = read_everything(course, outside)
    check = results["check"]
    assert check.returncode == 1, check.stdout + check.stderr
    line = next((x for x in check.stdout.splitlines() if x.startswith(case.path)), "")
    assert case.message in line, check.stdout
    for name in ("search", "export"):  # they work with the papers that load
        assert results[name].returncode == 0, (name, results[name].stderr)
    assert results["build"].returncode != 0      # the site is not built over an error ...
    assert case.path.split(":")[0] in results["build"].stderr   # ... and says where


LOCKED = "papers/locked2020file.md: error not read: permission denied: kb cannot read the file"


def test_permission_denied_is_a_clear_error(world: tuple[Path, Path]) -> None:
    """A paper file of mode 000, read by every reader as its own process. Root reads any file,
    so as root (how CI runs) the readers run without the capabilities that allow that: the
    kernel refuses them the file as it refuses any other user."""
    if os.geteuid() == 0 and not can_drop_root_reading():
        pytest.skip("root that cannot drop CAP_DAC_OVERRIDE reads every file; the in-process "
                    "test_permission_denied_in_process_* cover the refusal")
    course, outside = world
    path = write(course, "papers/locked2020file.md", paper("locked2020file"))
    path.chmod(0)
    try:
        results = read_everything(course, outside, as_owner=True)
    finally:
        path.chmod(0o644)
    check = results["check"]
    assert check.returncode == 1, check.stdout + check.stderr
    assert LOCKED + " (unreadable)" in check.stdout
    assert check.stdout.splitlines()[-1] == "checked 2 papers (1 broken), 1 session, 1 poster: 1 error, 0 warnings"
    search, export = results["search"], results["export"]
    assert search.returncode == 0 and "vaswani2017attention" in search.stdout   # the rest loads
    assert "1 paper file could not be read and is left out" in search.stdout + search.stderr
    assert export.returncode == 0 and '"id": "vaswani2017attention"' in export.stdout
    assert "locked2020file" not in export.stdout
    assert results["build"].returncode != 0 and "kb: " + LOCKED in results["build"].stderr


@pytest.mark.parametrize("refusal", ["access", "open"])
def test_permission_denied_in_process_whoever_runs_it(
        world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, refusal: str) -> None:
    """The same refusal for any user, root included, without changing who runs the test: the
    system says no to the file, at the mode check (os.access) or, for a file whose mode
    changed after that check, at the open (os.open raises PermissionError)."""
    import errno

    from conftest import run

    course, _ = world
    locked = write(course, "papers/locked2020file.md", paper("locked2020file"))
    real_access, real_open = os.access, os.open

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if Path(str(path)) == locked:
            return False
        return real_access(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    def open_(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if Path(str(path)) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access" if refusal == "access" else "open",
                        access if refusal == "access" else open_)
    check = run(course, "check")
    assert check.exit_code == 1
    if refusal == "access":  # found by the mode check before any read
        assert LOCKED + " (unreadable)" in check.output, check.output
    else:  # refused by the open itself
        assert ("papers/locked2020file.md: error permission denied: kb cannot read the file "
                "(unreadable)\n    fix: make it readable (chmod a+r papers/locked2020file.md)\n"
                ) in check.output, check.output
    assert check.output.splitlines()[-1] == "checked 2 papers (1 broken), 1 session, 1 poster: 1 error, 0 warnings"
    search = run(course, "search", "--mode", "keyword", "attention", "--json")
    assert search.exit_code == 0 and "vaswani2017attention" in search.output
    assert "locked2020file" not in search.stdout


def test_giant_paper_file_is_refused_by_its_size_never_read_whole(world: tuple[Path, Path]) -> None:
    """A 4 GB paper file (sparse, so it takes no disk) once the cache exists: the cache's
    sync, like the loader, reads at most max_file_size of it (under the memory cap, reading
    it whole fails), and kb check names its size."""
    course, _ = world
    assert kb(course, "search", "--mode", "keyword", "attention").returncode == 0
    with open(course / "papers" / "huge2020sparse.md", "wb") as handle:
        handle.truncate(4 << 30)
    search = kb(course, "search", "--mode", "keyword", "attention")
    check = kb(course, "check")
    for name, result in (("search", search), ("check", check)):
        assert_clean_exit(result, name)
    assert search.returncode == 0 and "vaswani2017attention" in search.stdout
    assert check.returncode == 1
    assert "papers/huge2020sparse.md: error the file is 4096.0 MB, more than the 1.0 MB kb " \
        "reads" in check.stdout


def test_link_out_of_the_course_is_never_searched(world: tuple[Path, Path]) -> None:
    """After the first sync, papers are read by the cache's sync alone: it must refuse a link
    out of the course as the loader does."""
    course, outside = world
    assert kb(course, "search", "--mode", "keyword", "attention").returncode == 0
    (course / "papers" / "out2020side.md").symlink_to(outside / "secret.md")
    search = kb(course, "search", "--mode", "keyword", "outside", "--json")
    assert_clean_exit(search, "search")
    assert search.returncode == 0 and "out2020side" not in search.stdout, search.stdout
    check = kb(course, "check")
    assert "papers/out2020side.md: error not read: a symbolic link to" in check.stdout
    assert "outside the course" in check.stdout


def test_temporary_files_of_killed_writes_are_ignored(world: tuple[Path, Path]) -> None:
    course, outside = world
    write(course, "papers/.vaswani2017attention.md.k2j3h4g5.tmp", "---\ntitle: [half\n")
    results = read_everything(course, outside)
    assert results["check"].returncode == 0, results["check"].stdout
    assert "tmp" not in results["check"].stdout


# ------------------------------------------------------------------ options

HUGE = str(2**70)


@pytest.mark.parametrize("args, option", [
    (("search", "x", "--session", HUGE), "--session"),
    (("search", "x", "--year-from", HUGE), "--year-from"),
    (("search", "x", "--year-to", "-" + HUGE), "--year-to"),
    (("export", "bib", "--session", HUGE), "--session"),
    (("suggest", "--session", HUGE), "--session"),
])
def test_numeric_options_out_of_range_are_usage_errors(world: tuple[Path, Path],
                                                       args: tuple[str, ...], option: str) -> None:
    course, _ = world
    result = kb(course, *args)
    assert_clean_exit(result, " ".join(args))
    assert result.returncode == 2
    assert f"Invalid value for '{option}'" in result.stderr and "is not in the range" in result.stderr


# ------------------------------------------------------------------ BibTeX import

def _bib(name: str, text: str | bytes) -> Callable[[Path], Path]:
    def plant(outside: Path) -> Path:
        path = outside / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path
    return plant



BOMB = ('@string{a0 = "lollollollollollollollollollollollollollol"}\n'
        + "".join(f"@string{{a{i} = " + "#".join([f"a{i - 1}"] * 10) + "}\n" for i in range(1, 10))
        + "@article{bomb2020, title = a9, year = 2020}\n"
        + "@article{fine2020, title = {A fine entry beside the bomb}, year = 2020}\n")
CHAIN = ('@string{s0 = "A title at the end of a long chain"}\n'
         + "".join(f"@string{{s{i} = s{i - 1}}}\n" for i in range(1, 5000))
         + "@article{chain2020, title = s4999, year = 2020}\n")
CROSSREF = ("".join(f"@inproceedings{{c{i}, crossref = {{c{i + 1}}}, title = {{Chapter number {i}}}}}\n"
                    for i in range(2000))
            + "@proceedings{c2000, title = {The proceedings at the top}, year = 2020}\n")
ONE = "@article{grusse2020, title = {Über Grüße und Größe}, year = 2020}\n"


@dataclass
class BibCase:
    name: str
    plant: Callable[[Path], Path]
    code: int
    says: tuple[str, ...]
    imported: tuple[str, ...] = ()   # paper files that must exist afterwards, with their title
    titles: tuple[str, ...] = ()


BIB_CASES = [
    BibCase("@string macro bomb", _bib("bomb.bib", BOMB), 1,
            ("failed bomb2020: field 'title': @string macro 'a5' expands to more than 1,000,000 characters",),
            ("fine2020",)),
    BibCase("@string chain of 5,000", _bib("chain.bib", CHAIN), 0, (), ("chain2020",),
            ("A title at the end of a long chain",)),
    BibCase("crossref chain of 2,000", _bib("crossref.bib", CROSSREF), 0, (), ("c0", "c1999")),
    BibCase("circular @string", _bib("circular.bib", "@string{a = b}\n@string{b = {x} # a}\n"
                                     "@article{circ2020, title = a, year = 2020}\n"), 0,
            ("circular @string macro",), ("circ2020",)),
    BibCase("UTF-16 with BOM", _bib("utf16.bib", ONE.encode("utf-16")), 0, (), ("grusse2020",),
            ("Über Grüße und Größe",)),
    BibCase("UTF-32 with BOM", _bib("utf32.bib", ONE.encode("utf-32")), 0, (), ("grusse2020",),
            ("Über Grüße und Größe",)),
    BibCase("UTF-16 without BOM", _bib("nobom.bib", ONE.encode("utf-16-le")), 2,
            ("looks like UTF-16 or UTF-32 without a byte order mark",)),
    BibCase("placeholder bytes", _bib("ctrl.bib", "@article{ctrl2020, title = {Braces \x00 and "
                                      "\x01 bytes \\{kept\\}}, year = 2020}\n"), 0, (),
            ("ctrl2020",), ("Braces and bytes {kept}",)),  # control characters dropped at import
    BibCase("year 0000", _bib("year.bib", "@article{zero2020, title = {Year zero}, year = {0000}}\n"),
            1, ("failed zero2020: year 0 is outside 1600-",)),
    BibCase("reserved keys", _bib("keys.bib", "".join(
        f"@article{{{k}, title = {{Reserved key {k}}}, author = {{Doe, Jo}}, year = 2020}}\n"
        for k in ("index", "README", "CON", "nul", "aux"))), 0,
        ("imported index as doe2020reserved (the key 'index' cannot be a file name)",),
        ("doe2020reserved", "doe2020reservedb", "doe2020reservedc", "doe2020reservedd",
         "doe2020reservede")),
    BibCase("abstract over max_file_size", _bib("big.bib", "@article{big2020, title = {Big}, "
                                                "year = 2020, abstract = {" + "über " * 190_000 + "}}\n"),
            1, ("failed big2020: its file would be 1.1 MB, more than the 1.0 MB kb reads",)),
    BibCase("field over the expansion limit", _bib("long.bib", "@article{long2020, title = {L}, "
                                                   "year = 2020, note = {" + "x" * 1_000_001 + "}}\n"),
            1, ("failed long2020: field 'note': the value expands to more than 1,000,000",)),
    BibCase("FIFO instead of a .bib file", lambda outside: _mkfifo(outside / "pipe.bib"), 2,
            ("not read: not a regular file but a FIFO (named pipe)",)),
]


def _mkfifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("case", BIB_CASES, ids=[c.name for c in BIB_CASES])
def test_hostile_bibtex_imports_what_kb_accepts_and_reports_the_rest(
        world: tuple[Path, Path], case: BibCase) -> None:
    course, outside = world
    bib = case.plant(outside)
    before = tree(outside)
    result = kb(course, "import", str(bib))
    assert_clean_exit(result, case.name)
    assert tree(outside) == before
    assert result.returncode == case.code, result.stdout + result.stderr
    for text in case.says:
        assert text in result.stdout + result.stderr
    for key, title in zip(case.imported, case.titles or [None] * len(case.imported)):
        path = course / "papers" / f"{key}.md"
        assert path.is_file(), result.stdout
        if title is not None:
            import yaml
            assert yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["title"] == title
    check = kb(course, "check")  # whatever import wrote, kb itself accepts
    assert check.returncode == 0, check.stdout


# ------------------------------------------------------------------ outputs

def test_export_output_refuses_links_pipes_devices_and_missing_folders(
        world: tuple[Path, Path]) -> None:
    course, outside = world
    (outside / "link.bib").symlink_to(outside / "notes.txt")
    os.mkfifo(outside / "pipe.bib")
    before = tree(outside)
    for target, says in ((outside / "link.bib", "it is a symbolic link"),
                         (outside / "pipe.bib", "it is a FIFO (named pipe), not a regular file"),
                         (Path("/dev/full"), "it is a character device, not a regular file"),
                         (outside / "new" / "x.bib", "does not exist")):
        result = kb(course, "export", "bib", "--output", str(target))
        assert_clean_exit(result, str(target))
        assert result.returncode == 2 and says in result.stderr, result.stderr
    assert tree(outside) == before
    assert Path("/dev/full").is_char_device()


def test_files_kb_writes_follow_the_umask(world: tuple[Path, Path]) -> None:
    course, outside = world
    old = os.umask(0o022)
    try:
        assert kb(course, "export", "bib", "--output", str(outside / "all.bib")).returncode == 0
        assert kb(course, "import", str(_bib("one.bib", ONE)(outside))).returncode == 0
    finally:
        os.umask(old)
    assert (outside / "all.bib").stat().st_mode & 0o777 == 0o644
    assert (course / "papers/grusse2020.md").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("args", [
    ("search", "x", "--json", "--session", HUGE),
    ("related", "nokey", "--json"),
    ("check", "--format", "json", "--root", "/nonexistent"),
    ("import", "/nonexistent.bib", "--format", "json"),
])
def test_failing_json_commands_print_a_json_error(world: tuple[Path, Path],
                                                  args: tuple[str, ...]) -> None:
    import json

    course, _ = world
    if "--root" in args:
        args = ("--root", args[-1], *args[:-2])
    result = kb(course, *args)
    assert_clean_exit(result, " ".join(args))
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["error"]["message"] and data["error"]["exit_code"] == 2


# ------------------------------------------------------------------ faults (in process)

def test_full_disk_during_import_leaves_a_summary_and_no_half_file(
        world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from conftest import run
    import kb.fs

    course, outside = world
    bib = outside / "many.bib"
    bib.write_text("".join(f"@article{{many{i}, title = {{Paper number {i} on a full disk}}, "
                           f"author = {{Doe, Jo}}, year = 2020, doi = {{10.5555/full.{i}}}}}\n"
                           for i in range(10)), encoding="utf-8")
    written: list[str] = []
    real = kb.fs._write_temporary

    def filling(path: Path, text: str | bytes) -> tuple[str, int]:
        if len(written) == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        tmp, fd = real(path, text)
        written.append(tmp)
        return tmp, fd

    monkeypatch.setattr(kb.fs, "_write_temporary", filling)
    result = run(course, "import", str(bib))
    assert result.exit_code == 1
    assert "failed many0: not written: No space left on device" in result.output
    assert "failed many9: not written: No space left on device" in result.output
    assert result.output.splitlines()[-1].split()[-5:] == ["10", "0", "0", "0", "10"]
    left = [p.name for p in (course / "papers").iterdir() if p.name.startswith((".many", "many"))]
    assert left == []  # nothing half-written, no temporary file left behind


def test_a_disk_that_fails_to_sync_leaves_no_paper_placed(
        world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch's data are flushed before any file is moved into place: a flush error (a
    disk that fills while writing back) leaves neither papers nor temporary files, and says
    so."""
    import errno

    from conftest import run
    import kb.fs

    course, outside = world
    bib = outside / "many.bib"
    bib.write_text("".join(f"@article{{sync{i}, title = {{Paper number {i} on a failing disk}}, "
                           f"author = {{Doe, Jo}}, year = 2020}}\n" for i in range(12)),
                   encoding="utf-8")
    flushed: list[Path] = []

    def failing(folders: list[Path]) -> None:
        flushed.extend(folders)
        assert sorted(p.name for p in (course / "papers").iterdir()
                      if p.name.startswith("sync")) == []  # nothing placed before the flush
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(kb.fs, "_sync_file_systems", failing)
    result = run(course, "import", str(bib))
    assert flushed == [course / "papers"]
    assert result.exit_code == 1
    assert "failed sync0: not written: Input/output error" in result.output
    assert result.output.splitlines()[-1].split()[-5:] == ["12", "0", "0", "0", "12"]
    assert not [p for p in (course / "papers").iterdir() if p.name.startswith((".sync", "sync"))]


def test_batch_writes_flush_their_file_system(tmp_path: Path) -> None:
    from kb.fs import _sync_file_systems, atomic_write_all

    refused = atomic_write_all([(tmp_path / "a" / "x.md", "one\n", False),
                                (tmp_path / "b" / "y.md", b"two\n", False)])
    assert refused == {}
    assert (tmp_path / "a" / "x.md").read_text() == "one\n"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["x.md"]  # no temporary left
    _sync_file_systems([tmp_path / "a", tmp_path / "b"])  # one file system: flushed once, no error
    with pytest.raises(OSError):
        _sync_file_systems([tmp_path / "missing"])


def test_temp_files_of_a_killed_import_are_removed_on_the_next(world: tuple[Path, Path]) -> None:
    course, outside = world
    stale = write(course, "papers/.old2020.md.a1b2c3d4.tmp", "---\ntitle: half")
    fresh = write(course, "papers/.new2020.md.e5f6g7h8.tmp", "---\ntitle: in progress")
    os.utime(stale, (1, 1))
    result = kb(course, "import", str(_bib("one.bib", ONE)(outside)))
    assert result.returncode == 0, result.stdout
    assert ".old2020.md.a1b2c3d4.tmp: warning: removed a temporary file an interrupted write left" \
        in result.stdout
    assert not stale.exists() and fresh.exists()  # a write of the last minute may be live
