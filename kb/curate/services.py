"""The metadata services as the course configures them: endpoints and a polite client.

The endpoints are settings, so tests and mirrors can point elsewhere: the environment
variables ``KB_ARXIV_API`` and ``KB_CROSSREF_API`` win over the ``arxiv_api`` and
``crossref_api`` options of the kb plugin in mkdocs.yml; ``KB_OPENALEX_API`` is OpenAlex's
(default https://api.openalex.org) and ``KB_OPENALEX_KEY`` an OpenAlex API key, sent as the
``api_key`` parameter when set (an environment variable only: a key does not belong in a file
under version control). ``KB_NET_DEADLINE`` sets the seconds one request may take in all
(default 30), for a slow link.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from kb.course.config import Config
from kb.errors import ConfigError
from kb.model.suggest import quoted
from kb.net import arxiv, openalex
from kb.net.client import PoliteClient
from kb.net.lookup import Endpoints

#: Extra keyword arguments for every PoliteClient that :func:`open_client` makes: the seam
#: through which tests hand in an httpx transport, a fake clock and sleep, short timeouts.
CLIENT_OPTIONS: dict[str, Any] = {}


def endpoints(config: Config) -> Endpoints:
    """The endpoints to ask: the environment's, else the plugin options' (with defaults)."""
    return Endpoints(
        arxiv=os.environ.get("KB_ARXIV_API") or config.options.arxiv_api,
        crossref=os.environ.get("KB_CROSSREF_API") or config.options.crossref_api,
    )


def openalex_endpoint() -> str:
    """OpenAlex's API: ``KB_OPENALEX_API``, else https://api.openalex.org."""
    return os.environ.get("KB_OPENALEX_API", "").strip() or openalex.DEFAULT_API


def openalex_key() -> str:
    """The OpenAlex API key of ``KB_OPENALEX_KEY``, or '' (OpenAlex answers without one)."""
    return os.environ.get("KB_OPENALEX_KEY", "").strip()


def deadline() -> float | None:
    """``KB_NET_DEADLINE`` in seconds, or None when it is not set."""
    text = os.environ.get("KB_NET_DEADLINE", "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:
        raise ConfigError(f"KB_NET_DEADLINE is {quoted(text)}, not a number of seconds "
                          "between 0 and 3600", fix="set it to e.g. 60, or unset it (30 s)")
    return value


def open_client(config: Config, **options: Any) -> PoliteClient:
    """A client with the response cache under ``.kb/net/`` and arXiv's and OpenAlex's
    request intervals (arXiv's wins when a test serves both from one host);
    ``options`` (refresh, notify, ...) go to :class:`PoliteClient`."""
    arxiv_host = urlsplit(endpoints(config).arxiv).netloc
    openalex_host = urlsplit(openalex_endpoint()).netloc
    settings: dict[str, Any] = {
        "cache_dir": config.cache_dir / "net", "contact": config.options.contact,
        "intervals": {openalex_host: openalex.INTERVAL, arxiv_host: arxiv.INTERVAL},
    }
    limit = deadline()
    if limit is not None:
        settings["deadline"] = limit
    settings.update(CLIENT_OPTIONS)
    settings.update(options)
    return PoliteClient(**settings)


class _Outcome(Protocol):
    @property
    def status(self) -> str: ...


OutcomeT = TypeVar("OutcomeT", bound=_Outcome)


@dataclass
class ServiceReport(Generic[OutcomeT]):
    """What a command that asked the metadata services did: one outcome per paper or id, and
    how many requests it sent and answers it took from the cache (kb add, enrich, references)."""

    outcomes: list[OutcomeT]
    dry_run: bool = False
    requests: int = 0
    kept: int = 0  # answers taken from the cache in .kb/net/ instead of asked

    @property
    def ok(self) -> bool:
        return all(o.status != "failed" for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)
