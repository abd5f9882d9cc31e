"""Markdown files with YAML front matter <-> models; key rules; atomic writes.

Every problem met while reading is recorded as an :class:`~kb.model.entries.Issue` naming the file,
the line and the field, and loading carries on with the next file: one broken file never
hides the others.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from kb.course.config import Config
from kb.course.yaml_emit import WIDTH, emit
from kb.errors import ContentError
from kb.model.dates import date_problem
from kb.model.clock import FIX_ERROR
from kb.model.issue_codes import issue
from kb.model.media import MEDIA_KINDS, is_medium
from kb.model.rules import KEY_RULE, check_key, key_problem
from kb.model.suggest import suggest
from kb.course.files import INDEX_PAGES, NOT_READ_FIX, file_problem, nested_files, scan_folder
from kb.fs import NotRegularFile, atomic_write, atomic_write_all, read_limited
from kb.model.entries import (YEAR_SUFFIX_RULE, Issue, Paper, Poster, Project, Session, Source,
                              year_of)

PAPER_FIELDS = tuple(f for f in Paper.model_fields if f not in ("key", "notes"))


def paper_path(config: Config, key: str) -> Path:
    """The file of paper ``key``; the key is checked first, so no path leaves papers/."""
    return config.papers_dir / f"{check_key(key)}.md"


# ---------------------------------------------------------------- YAML with line numbers

# libyaml's C parser and emitter where PyYAML was built with them: ten times faster on a
# library of a thousand papers, with the same results and the same line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ContentLoader(_SafeLoader):  # type: ignore[misc,valid-type]  # base chosen at run time
    """SafeLoader without implicit floats and timestamps: ``arxiv: 1909.04490`` stays the
    string it reads as, and a date is text until the model checks it (so 2025-02-30 is a field
    error with a line, not a crash inside the YAML library)."""


_IMPLICIT_OFF = ("tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _IMPLICIT_OFF]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _refuse_aliases(root: yaml.Node, path: str) -> None:
    """Raise ContentError when a node is reached twice: a YAML alias (``*name``). Aliases can
    multiply a few lines into gigabytes ("billion laughs"); front matter has no use for them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise ContentError("the front matter uses a YAML alias (*name); kb does not expand "
                               "aliases", path=path, line=node.start_mark.line + 2,
                               fix="write the value out where the alias stands")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(x for pair in node.value for x in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _unreadable_value(loader: Any, root: yaml.Node) -> tuple[str, int, str] | None:
    """(field, line in the file, YAML tag) of the first value in ``root`` that cannot be constructed
    (a tagged ``!!timestamp 2025-02-30``, say), or None when no single value fails."""
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, (*loc, str(key.value))) for key, value in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, i)) for i, item in reversed(list(enumerate(node.value))))
        else:
            loader.constructed_objects, loader.recursive_objects = {}, {}
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                return ".".join(map(str, loc)), node.start_mark.line + 2, str(node.tag)
    return None


def _walk(node: yaml.Node, loc: tuple[str | int, ...], offset: int,
          lines: dict[tuple[str | int, ...], int], dupes: list[tuple[str, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            name = str(key_node.value)
            line = key_node.start_mark.line + 1 + offset
            if name in seen:
                dupes.append((".".join(map(str, (*loc, name))), line))
            seen.add(name)
            lines[(*loc, name)] = line
            _walk(value_node, (*loc, name), offset, lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1 + offset
            _walk(item, (*loc, i), offset, lines, dupes)


def parse_front_matter(text: str, path: str) -> tuple[dict[str, Any], str, Source, list[Issue]]:
    """Split ``text`` into (front matter mapping, body, source with field lines, issues).

    Raises ContentError when there is no usable front matter at all.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        if "\n" not in text and "\r" in text:
            raise ContentError("the file ends its lines with carriage returns alone (old Mac "
                               "style), so kb reads it as one line", path=path, line=1,
                               fix="save it with LF (or CR LF) line ends")
        raise ContentError("the file does not start with a '---' front matter line", path=path,
                           line=1, fix="begin the file with '---', the YAML fields, then '---'")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise ContentError("the front matter is never closed", path=path, line=1,
                           fix="add a line '---' after the last YAML field")
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:]).strip("\n")
    loader = _ContentLoader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_aliases(node, path)
        data = loader.construct_document(node) if node is not None else None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. !!timestamp 2025-02-30
        where = _unreadable_value(loader, node) if node is not None else None
        raise ContentError(f"a value in the front matter cannot be read: {exc}", path=path,
                           line=where[1] if where else None,
                           field=where[0] if where else None,
                           fix="correct the value (dates are written YYYY-MM-DD)"
                           if where is None or where[2].endswith(":timestamp")
                           else "correct the value, or drop its '!!' type tag") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"malformed YAML in the front matter: {problem}", path=path,
                           line=mark.line + 2 if mark else None,
                           fix="correct the YAML at that line (quote values that contain ': ')"
                           ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ContentError("the front matter must be a mapping of fields (name: value)",
                           path=path, line=2, fix="write one 'field: value' per line")
    rest = lines[end + 1:]
    lead = next((i for i, line in enumerate(rest) if line), len(rest))
    source = Source(path=path, lines={(): 1}, body_line=end + 2 + lead)
    dupes: list[tuple[str, int]] = []
    _walk(node, (), 1, source.lines, dupes)
    issues = [issue("duplicate-field", path, f"the field {name!r} is given twice; only the last one counts",
                    fix="remove one of the two", field=name, line=line)
              for name, line in dupes]
    return data, body, source, issues


# ---------------------------------------------------------------- reading files

def read_text(path: Path, rel: str, max_bytes: int) -> str:
    """Read a UTF-8 text file, refusing anything but a regular file, reading at most
    ``max_bytes`` (larger files are refused) and naming the line of invalid bytes."""
    problem = file_problem(path)
    if problem:
        raise ContentError(f"not read: {problem}", path=rel, fix=NOT_READ_FIX)
    try:
        data = read_limited(path, max_bytes)
    except PermissionError:
        raise ContentError("permission denied: kb cannot read the file", path=rel,
                           fix=f"make it readable (chmod a+r {rel})") from None
    except NotRegularFile:
        raise ContentError("not read: not a regular file", path=rel, fix=NOT_READ_FIX) from None
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror}", path=rel) from None
    if len(data) > max_bytes:
        size = max(os.stat(path).st_size, len(data))
        raise ContentError(
            f"the file is {size / 1_048_576:.1f} MB, more than the {max_bytes / 1_048_576:.1f} MB "
            "kb reads", path=rel,
            fix="shorten it, or raise max_file_size in the kb plugin options of mkdocs.yml",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(f"invalid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                           path=rel, line=line, fix="save the file as UTF-8") from None


def _field_name(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_FIXES = {
    "missing": "add the field",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "string_type": "write text (quote it if it looks like a number or date)",
    "list_type": "write a list, e.g. [a, b] or one '- item' per line",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "date_type": "write the date as YYYY-MM-DD",
    "dict_type": "write a mapping of 'name: value' lines",
    "model_type": "write a paper key, or a mapping of 'name: value' lines (kb fields lists them)",
    "greater_than_equal": "use a number within the range the message names",
    "less_than_equal": "use a number within the range the message names",
    "string_too_short": "write a non-empty value",
}


def _year_problem(value: object) -> tuple[str, str]:
    """(message, fix) for a ``year:`` that is not a whole number, echoing it; '2023a' gets 2023."""
    year = year_of(value) if isinstance(value, str) else None
    if year is not None:
        return f"{value!r} is not a year", f"write year: {year} ({YEAR_SUFFIX_RULE})"
    return f"{value!r} is not a year", "write the four-digit publication year, e.g. 2023"


def _validation_issues(exc: ValidationError, source: Source) -> list[Issue]:
    issues = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not isinstance(p, str) or not p.startswith("function"))
        fix = _FIXES.get(err["type"], "")
        if err["type"] == "literal_error":
            fix = "use one of: " + str(err.get("ctx", {}).get("expected", ""))
        if err["type"] == "value_error" and "entry type" in err["msg"]:
            fix = "use a BibTeX type such as article, inproceedings, book or misc"
        msg = err["msg"].replace("Value error, ", "")
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == FIX_ERROR:  # the model's own message and fix (kb.model.clock)
            fix = str(err.get("ctx", {}).get("fix", ""))
        elif loc == ("year",) and err["type"] in ("int_parsing", "int_type", "int_from_float"):
            msg, fix = _year_problem(err.get("input"))
        elif loc and loc[-1] == "date" and (err["type"].startswith("date")
                                            or err["type"] == "value_error"):
            msg, fix = date_problem(err.get("input"), msg.partition(", ")[2])
        issues.append(issue("schema", source.path, msg, fix=fix, field=_field_name(loc) or None,
                            line=source.line(*loc)))
    return issues


#: What becomes of a field kb does not know, by the kind of file (see kb.site.build's
#: Site.meta: a paper's and a poster's page metadata are made from kb's fields alone).
UNKNOWN_FIELD = {
    "paper": "ignored: not shown on the site, not exported; kb keeps it in the file",
    "page": "ignored: not shown on the site",
    # a session page in docs/ is the instructor's: the theme gets its front matter as it is
    "theme": "kb ignores it; the theme reads it as page metadata",
}


def _unknown_field_issues(data: dict[str, Any], model: type[BaseModel], source: Source,
                          hint: str, fate: str) -> list[Issue]:
    known = [n for n, f in model.model_fields.items() if not f.exclude]
    issues = []
    for name in data:
        if name in known:
            continue
        issues.append(issue("unknown-field", source.path, f"unknown field {name!r} ({fate})",
                            fix=suggest(str(name), known, hint), field=str(name),
                            line=source.line(str(name))))
    return issues


M = TypeVar("M", bound=BaseModel)


def _load(model: type[M], data: dict[str, Any], extra: dict[str, Any], source: Source,
          hint: str, project: Project, fate: str) -> M | None:
    project.issues.extend(_unknown_field_issues(data, model, source, hint, fate))
    try:
        return model(**{**data, **extra})
    except ValidationError as exc:
        project.issues.extend(_validation_issues(exc, source))
        return None


def _read(path: Path, config: Config, project: Project) -> tuple[dict[str, Any], str, Source] | None:
    rel = config.relative(path)
    project.files_read += 1
    try:
        text = read_text(path, rel, config.options.max_file_size)
        data, body, source, issues = parse_front_matter(text, rel)
    except ContentError as exc:
        project.issues.append(issue("unreadable", rel, exc.message, fix=exc.fix or "", line=exc.line,
                                    field=exc.field))
        return None
    project.issues.extend(issues)
    return data, body, source


def _markdown_files(folder: Path, config: Config, project: Project, kind: str,
                    skip: tuple[str, ...] = ()) -> list[Path]:
    pages, strays, refused = scan_folder(folder, skip, inside=(config.root,))
    for path in strays:
        project.issues.append(issue("stray-file", config.relative(path), "not a .md file; kb ignores it",
                                    fix="rename it to <key>.md or move it elsewhere"))
    for path, problem in refused:
        rel = config.relative(path) if not path.is_symlink() else \
            config.relative(path.parent) + "/" + path.name
        project.issues.append(issue("unreadable", rel, f"not read: {problem}", fix=NOT_READ_FIX))
        _unloaded(project, kind, rel)
        if kind == "paper":
            project.broken.add(path.stem)
    return [Path(entry.path) for entry in pages]


def _unloaded(project: Project, kind: str, rel: str) -> None:
    """Count the ``kind`` file ``rel`` as one that failed to load (its issue is recorded)."""
    project.unloaded.setdefault(kind, set()).add(rel)


def load_paper(path: Path, config: Config, project: Project) -> Paper | None:
    """Load one paper file into ``project`` (issues recorded there); the key is the file name."""
    key = path.stem
    read = _read(path, config, project)
    if read is None:
        project.broken.add(key)
        _unloaded(project, "paper", config.relative(path))
        return None
    data, body, source = read
    project.sources[("paper", key)] = source
    problem = key_problem(key)
    if problem:
        project.issues.append(issue("invalid-key", source.path, problem + " (the file name is the key)",
                                    fix=f"rename the file; keys use only {KEY_RULE}", field="key", line=1))
    declared = data.pop("key", None)
    if declared is not None and str(declared) != key:
        project.issues.append(issue("key-mismatch", source.path,
                                    f"the key field {declared!r} does not match the file name {key!r}",
                                    fix=f"rename the file to {declared}.md or remove the key field",
                                    field="key", line=source.line("key")))
    paper = _load(Paper, data, {"key": key, "notes": body}, source,
                  "remove it, or move it under 'bibtex:' to keep it for export", project,
                  UNKNOWN_FIELD["paper"])
    if paper is None:
        project.broken.add(key)
        _unloaded(project, "paper", source.path)
    return paper


def load_project(config: Config) -> Project:
    """Load every paper, session and poster of the repository; problems become issues."""
    project = Project()
    if not config.papers_dir.is_dir():
        project.issues.append(issue("no-papers", config.options.papers_dir,
                                    "the papers folder does not exist"))
    for path in _markdown_files(config.papers_dir, config, project, "paper"):
        paper = load_paper(path, config, project)
        if paper is not None:
            project.papers[paper.key] = paper
    pages: tuple[tuple[str, type[BaseModel], Path, str, list[Any]], ...] = (
        ("session", Session, config.sessions_dir,
         "remove it; sessions use session, date, time, end, location, title, presenters, "
         "readings, order, slides", project.sessions),
        ("poster", Poster, config.posters_dir,
         "remove it; posters use title, authors, session, papers, tags", project.posters),
    )
    posters_hold_docs = config.docs_dir.resolve().is_relative_to(config.posters_dir.resolve())
    for path in [] if posters_hold_docs else nested_files(config.posters_dir):
        # a sub-folder (media/) holds what posters show; the site publishes nothing else there
        if not is_medium(path.name):
            project.issues.append(issue(
                "stray-file", config.relative(path), f"in a sub-folder of the posters but not a "
                f"{MEDIA_KINDS} file: the site does not publish it",
                fix=f"remove it, or give the poster a {MEDIA_KINDS} file under file: or image:"))
    for kind, model, folder, hint, loaded in pages:
        for path in _markdown_files(folder, config, project, kind, INDEX_PAGES):
            read = _read(path, config, project)
            page = None
            if read is not None:
                data, body, source = read
                project.sources[(kind, path.stem)] = source
                themed = kind == "session" and config.options.trust_html and \
                    folder.resolve().is_relative_to(config.docs_dir.resolve())
                fate = UNKNOWN_FIELD["theme" if themed else "page"]
                page = _load(model, data, {"slug": path.stem, "body": body}, source, hint,
                             project, fate)
            if page is not None:
                loaded.append(page)
                continue
            _unloaded(project, kind, config.relative(path))
            if kind == "session":  # its error is reported; posters naming it are not, again
                number = read[0].get("session") if read is not None else None
                prefix = re.match(r"\d+", path.stem)
                if isinstance(number, int):
                    project.broken_sessions.add(number)
                elif prefix:
                    project.broken_sessions.add(int(prefix.group(0)))
    project.sessions.sort(key=lambda s: (s.session, s.slug))
    return project


# ---------------------------------------------------------------- writing files

class _Dumper(_SafeDumper):  # type: ignore[misc,valid-type]  # base chosen at run time
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_front_matter(data: dict[str, Any], body: str = "") -> str:
    """Front matter plus body, as kb writes every content file."""
    text = emit(data)  # the common shapes, written as yaml.dump would, without its cost
    if text is None:
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH,
                         default_flow_style=False)
    out = f"---\n{text}---\n"
    if body.strip():
        out += "\n" + body.strip("\n") + "\n"
    return out


def paper_front_matter(paper: Paper) -> dict[str, Any]:
    """The paper's fields in the canonical order, empty ones left out, extras kept last."""
    data: dict[str, Any] = {}
    for name in PAPER_FIELDS:
        value = getattr(paper, name)
        if value in (None, "", [], {}):
            continue
        data[name] = value
    data.update(paper.model_extra or {})
    return data


def dump_paper(paper: Paper) -> str:
    return dump_front_matter(paper_front_matter(paper), paper.notes)


def write_paper(config: Config, paper: Paper, *, overwrite: bool = False) -> Path:
    """Write ``papers/<key>.md`` atomically; never overwrites unless asked to."""
    path = paper_path(config, paper.key)
    atomic_write(path, dump_paper(paper), overwrite=overwrite)
    return path


def write_papers(config: Config, papers: list[tuple[Paper, bool]]) -> dict[str, ContentError]:
    """:func:`write_paper` for many (paper, overwrite) in one batch (one disk sync for all);
    the keys of the files left alone because they existed, with their error."""
    refused = atomic_write_all([(paper_path(config, p.key), dump_paper(p), overwrite)
                                for p, overwrite in papers])
    return {path.name[:-3]: exc for path, exc in refused.items()}
