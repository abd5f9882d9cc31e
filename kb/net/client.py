"""A polite HTTP client for metadata services: one per command run.

- a User-Agent naming kb (and the contact address of the ``contact`` option, which
  Crossref's polite pool asks for);
- a minimum interval between two requests to one host (arXiv asks for one request every
  three seconds), with the clock and the sleep injectable so tests do not wait;
- retries with exponential back-off on 429 and 5xx answers and on dropped connections,
  honouring a ``Retry-After`` header;
- a timeout on every request;
- a cache of definitive answers (200 and 404) under ``.kb/net/``, so a re-run asks
  nothing twice;
- an httpx transport seam: tests hand in a transport, or point the endpoints at a
  loopback server.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from kb.version import __version__
from kb.fs import atomic_write
from kb.net.errors import NetError, OfflineError, ServiceError, NetTimeoutError

CACHEABLE = (200, 404)
RETRIED = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Answer:
    """A response as kb keeps it: the final URL asked, the status and the text."""

    url: str
    status: int
    text: str
    cached: bool = False


def user_agent(contact: str = "") -> str:
    """'kb/0.1.0 (research-paper knowledge base; mailto:...) httpx/0.28.1'."""
    mail = f"; mailto:{contact}" if contact else ""
    return f"kb/{__version__} (research-paper knowledge base{mail}) httpx/{httpx.__version__}"


class PoliteClient:
    """GET requests with rate limits per host, retries, timeouts and a response cache.

    ``intervals`` maps a host to the least number of seconds between two requests to it.
    ``cache_dir`` None keeps no cache. ``clock`` and ``sleep`` default to the real ones.
    """

    def __init__(self, *, cache_dir: Path | None = None, contact: str = "",
                 intervals: Mapping[str, float] | None = None, timeout: float = 20.0,
                 retries: int = 3, backoff: float = 1.0,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.cache_dir = cache_dir
        self.intervals = dict(intervals or {})
        self.retries = retries
        self.backoff = backoff
        self.clock = clock
        self.sleep = sleep
        self.requests = 0  # requests sent over the network (not cache hits)
        self._last: dict[str, float] = {}
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=True,
                                  headers={"User-Agent": user_agent(contact)})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ cache

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.json"

    def _cached(self, url: str) -> Answer | None:
        path = self._cache_path(url)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Answer(data["url"], int(data["status"]), data["text"], cached=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged cache entry is asked again

    def _store(self, url: str, answer: Answer) -> None:
        path = self._cache_path(url)
        if path is None or answer.status not in CACHEABLE:
            return
        atomic_write(path, json.dumps({"url": answer.url, "status": answer.status,
                                       "text": answer.text, "fetched": time.time()}))

    # ------------------------------------------------------------ requests

    def _wait_turn(self, host: str) -> None:
        interval = self.intervals.get(host, 0.0)
        last = self._last.get(host)
        if interval and last is not None:
            wait = last + interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def _retry_after(self, response: httpx.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After", "").strip()
        if header.isdigit():
            return min(float(header), 120.0)
        if header:
            try:
                return max(0.0, min(parsedate_to_datetime(header).timestamp() - time.time(), 120.0))
            except (TypeError, ValueError):
                pass
        return self.backoff * 2 ** attempt

    def get(self, url: str, *, what: str) -> Answer:
        """GET ``url`` (from the cache when it was answered before). ``what`` names the
        thing asked for in error messages ('arXiv 2203.02155'). Raises NetError."""
        cached = self._cached(url)
        if cached is not None:
            return cached
        host = urlsplit(url).netloc
        for attempt in range(self.retries + 1):
            self._wait_turn(host)
            self.requests += 1
            try:
                response = self._http.get(url)
            except httpx.TimeoutException:
                if attempt < self.retries:
                    self.sleep(self.backoff * 2 ** attempt)
                    continue
                raise NetTimeoutError(f"{what}: {host} did not answer in time "
                                    f"({self._http.timeout.read:g} s, {attempt + 1} tries)",
                                    fix="try again later, or check the network") from None
            except httpx.TransportError as exc:
                if attempt < self.retries and not isinstance(exc, httpx.ConnectError):
                    self.sleep(self.backoff * 2 ** attempt)
                    continue
                raise OfflineError(f"{what}: cannot reach {host} ({type(exc).__name__}: {exc})",
                                   fix="check the network connection (kb add needs it), or "
                                       "set KB_ARXIV_API / KB_CROSSREF_API to a reachable "
                                       "mirror") from None
            if response.status_code in RETRIED and attempt < self.retries:
                self.sleep(self._retry_after(response, attempt))
                continue
            answer = Answer(str(response.url), response.status_code, response.text)
            if response.status_code in RETRIED:
                raise ServiceError(f"{what}: {host} answered HTTP {response.status_code} "
                                   f"{response.reason_phrase} {attempt + 1} times",
                                   fix="the service is busy or down; try again later")
            self._store(url, answer)
            return answer
        raise NetError(f"{what}: no answer")  # pragma: no cover - the loop always returns
