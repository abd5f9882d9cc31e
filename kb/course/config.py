"""Find the project root and read kb's options from the ``kb`` entry of mkdocs.yml.

One configuration file serves both front ends: the mkdocs plugin reads its options from
``plugins: [..., kb: {...}]`` and the CLI reads the very same entry through
:func:`load_config`.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kb.model.issue_codes import validate_settings
from kb.errors import ConfigError
from kb.course.option_schema import Field, OptionError, Options, field_validator
from kb.model.privacy import DEFAULT_PRIVATE_FIELDS
from kb.model.suggest import suggest

if TYPE_CHECKING:
    import yaml

CONFIG_FILE = "mkdocs.yml"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_CACHE_DIR = ".kb"
# mkdocs.yml's settings as last parsed, in the default cache folder (see _settings)
PARSED_FILE = "mkdocs.json"


class KbOptions(Options):
    """The options of the ``kb`` plugin entry in mkdocs.yml (all optional; no other is accepted)."""

    papers_dir: str = Field("papers", description="folder of papers/<key>.md, relative to the root")
    sessions_dir: str = Field("docs/sessions", description="folder of session pages")
    posters_dir: str = Field("docs/posters", description="folder of poster notes")
    related: int = Field(5, ge=0, le=50, description="related papers shown on each paper page")
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or path")
    cache_dir: str = Field(DEFAULT_CACHE_DIR, description="folder of the rebuildable cache")
    tags: dict[str, str] = Field(
        default_factory=dict, description="tag vocabulary: tag -> description (empty: any tag)"
    )
    not_duplicates: list[list[str]] = Field(
        default_factory=list, description="pairs of keys marked as not duplicates"
    )
    title_similarity: float = Field(
        93.0, ge=50, le=100, description="fuzzy title score (0-100) that flags a duplicate"
    )
    max_file_size: int = Field(
        1_048_576, ge=1024, description="largest content file kb reads, in bytes"
    )
    private_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PRIVATE_FIELDS),
        description="BibTeX fields never published on the site nor exported without --private",
    )
    library_map: bool = Field(
        True, description="draw the map page (a 2-D projection of the embeddings) at build time"
    )
    bib_curator_fields: bool = Field(
        False, description="the site's BibTeX also carries kb's summary and keywords fields"
    )
    report: Literal["off", "hidden", "nav"] = Field(
        "hidden", description="the instructor's page report/: off, hidden (not in the "
        "navigation) or nav")
    checks: dict[str, str] = Field(
        default_factory=dict,
        description="issue code -> error, warning or off (kb check --list-codes lists the codes)",
    )
    trust_html: bool = Field(
        True, description="session, home and other docs/ pages may use raw HTML (false: they "
        "are sanitised like papers and posters, which always are)"
    )
    arxiv_api: str = Field(
        "http://export.arxiv.org/api/query",
        description="arXiv API endpoint queried as ?id_list=... (env KB_ARXIV_API wins)",
    )
    crossref_api: str = Field(
        "https://api.crossref.org",
        description="Crossref REST API base queried as /works/{doi} (env KB_CROSSREF_API wins)",
    )
    contact: str = Field(
        "", description="an e-mail address sent in kb's User-Agent (Crossref's polite pool)"
    )
    timezone: str = Field(
        "", description="the IANA time zone of the sessions' time: and end:, e.g. Europe/Berlin "
        "(empty: the calendar's times are local wherever it is read)"
    )

    @field_validator("not_duplicates")
    @classmethod
    def _pairs(cls, value: list[list[str]]) -> list[list[str]]:
        for pair in value:
            if len(pair) != 2:
                raise ValueError(f"each entry must be a pair of keys, got {pair!r}")
        return value

    @field_validator("checks", mode="before")
    @classmethod
    def _checks(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("write one 'code: error|warning|off' per line")
        return validate_settings(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        value = value.strip()
        if value and not known_timezone(value):
            import zoneinfo

            raise ValueError(f"unknown time zone {value!r}: "
                             + suggest(value, sorted(zoneinfo.available_timezones()),
                                       "write an IANA name such as Europe/Berlin or America/New_York"))
        return value

    @field_validator("report", mode="before")
    @classmethod
    def _report(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML reads a bare off (or on) as a boolean
            return "hidden" if value else "off"
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        if isinstance(value, list):  # a bare list of tags is a vocabulary without descriptions
            return {str(tag): "" for tag in value}
        return value if value is not None else {}


def known_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (zoneinfo)."""
    import zoneinfo

    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class Config:
    """Resolved configuration: the project root plus its options and derived paths."""

    def __init__(self, root: Path, options: KbOptions | None = None, site: dict[str, Any] | None = None):
        self.root = root.resolve()
        self.options = options or KbOptions()
        self.site = site or {}

    @property
    def papers_dir(self) -> Path:
        return self.root / self.options.papers_dir

    @property
    def sessions_dir(self) -> Path:
        return self.root / self.options.sessions_dir

    @property
    def posters_dir(self) -> Path:
        return self.root / self.options.posters_dir

    @property
    def docs_dir(self) -> Path:
        """mkdocs' docs_dir (default docs/): the home page and any other page of the site."""
        return self.root / str(self.site.get("docs_dir") or "docs")

    @property
    def cache_dir(self) -> Path:
        return self.root / self.options.cache_dir

    def relative(self, path: Path) -> str:
        """A path as the user sees it: relative to the root where possible."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def not_duplicate(self, a: str, b: str) -> bool:
        return any({a, b} == set(pair) for pair in self.options.not_duplicates)


@cache
def _tolerant_loader() -> type[yaml.SafeLoader]:
    """A safe loader that accepts mkdocs' custom tags (!ENV, !!python/name:...) as plain
    values."""
    import yaml

    class TolerantLoader(yaml.SafeLoader):
        pass

    def unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        assert isinstance(node, yaml.MappingNode)  # the third and last kind of YAML node
        return loader.construct_mapping(node)

    TolerantLoader.add_multi_constructor("!", unknown_tag)
    TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", unknown_tag)
    return TolerantLoader


def _plain(value: Any) -> bool:
    """Whether ``value`` comes back from JSON as it is: None, booleans, numbers (finite),
    strings, and lists and string-keyed mappings of them (not a date, say)."""
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _settings(root: Path, text: str) -> Any:
    """mkdocs.yml's settings parsed from ``text``: from the copy of its last parse that the
    course's cache keeps (``.kb/mkdocs.json``, the digest of the text beside them) when it is
    of this very text, else parsed with PyYAML now.

    Importing PyYAML and parsing took 10-15 ms of every command, a third of what a keyword
    search costs. The copy is written when the cache folder is the default one and exists
    (a course that set another cache_dir is read with PyYAML each time) and the settings
    are plain JSON values, so that the copy gives them back exactly."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    copy = root / DEFAULT_CACHE_DIR / PARSED_FILE
    try:
        saved = json.loads(copy.read_text(encoding="utf-8"))
        if isinstance(saved, dict) and saved.get("sha256") == digest and "site" in saved:
            return saved["site"]
    except (OSError, ValueError):
        pass
    import yaml

    try:
        site = yaml.load(text, Loader=_tolerant_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"malformed YAML: {getattr(exc, 'problem', exc)}", path=CONFIG_FILE,
            line=mark.line + 1 if mark else None, fix="correct the YAML syntax at that line",
        ) from None
    if (isinstance(site, dict) and _plain(site) and copy.parent.is_dir()
            and plugin_entry(site).get("cache_dir", DEFAULT_CACHE_DIR) == DEFAULT_CACHE_DIR):
        from kb.fs import atomic_write

        try:
            atomic_write(copy, json.dumps({"sha256": digest, "site": site}))
        except OSError:  # a read-only cache: parsed again next time
            pass
    return site


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds mkdocs.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_FILE} found in {here} or any folder above it",
        fix="run kb inside a course repository, pass --root DIR, or create one with `kb init DIR`",
    )


def plugin_entry(site: dict[str, Any]) -> dict[str, Any]:
    """The ``kb`` entry of mkdocs.yml's ``plugins`` (a list or a mapping), or {}."""
    plugins = site.get("plugins") or []
    if isinstance(plugins, dict):
        return dict(plugins.get("kb") or {})
    for item in plugins:
        if isinstance(item, dict) and "kb" in item:
            return dict(item["kb"] or {})
    return {}


def options_from_mapping(values: dict[str, Any], *, path: str = CONFIG_FILE) -> KbOptions:
    """Validate a mapping of plugin options; errors name the option and the fix."""
    try:
        return KbOptions(**values)
    except OptionError as err:
        if err.unknown:
            known = ", ".join(KbOptions.model_fields)
            raise ConfigError(
                f"unknown kb option {err.field!r}", path=path, field=f"plugins.kb.{err.field}",
                fix=f"remove it or use one of: {known}",
            ) from None
        raise ConfigError(
            err.message, path=path, field=f"plugins.kb.{err.field}",
            fix=f"see the option's description: {KbOptions.model_fields[err.field].description}",
        ) from None


def load_config(root: Path | None = None) -> Config:
    """Read mkdocs.yml at ``root`` (or found upward from the working folder)."""
    if root is None:
        env = os.environ.get("KB_ROOT")
        root = Path(env) if env else find_root()
    path = root / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{CONFIG_FILE} not found in {root}",
            fix="pass the folder that holds mkdocs.yml, or create a course with `kb init DIR`",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{CONFIG_FILE} is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                          path=path, fix="save the file as UTF-8") from None
    site = _settings(root, text) or {}
    if not isinstance(site, dict):
        raise ConfigError("mkdocs.yml must be a mapping of settings", path=CONFIG_FILE,
                          fix="start from the file `kb init` writes")
    return Config(root, options_from_mapping(plugin_entry(site)), site)
