"""A polite HTTP client for metadata services: one per command run.

- a User-Agent naming kb (and the contact address of the ``contact`` option, which
  Crossref's polite pool asks for);
- a minimum interval between two requests to one host (arXiv asks for one request every
  three seconds), with the clock and the sleep injectable so tests do not wait;
- retries with exponential back-off on 429 and 5xx answers, timeouts and dropped
  connections, honouring a ``Retry-After`` header up to ``max_wait`` (60 s): a service that
  asks for a longer wait ends the request with an error saying how long it asked for. A
  wait longer than :data:`NOTIFY_WAIT` is announced through ``notify`` before it starts;
- limits on every request (:mod:`kb.net.transfer`): ``timeout`` seconds per read,
  ``deadline`` seconds (30) for the whole answer, ``max_body`` bytes (5 MB, after
  decompression), five redirects. So one ``get`` ends within
  ``(retries + 1) * deadline + retries * max_wait`` seconds, whatever the server does;
- a cache of the answers the service's parser read (:mod:`kb.net.cache`): a record for 30
  days, "no such id" for a day; ``refresh`` asks again and replaces them;
- query parameters that are secrets (an API key): sent with the request, but no part of the
  cache's key, of what the cache keeps, or of any message;
- an httpx transport seam: tests hand in a transport, or point the endpoints at a
  loopback server.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote_plus, urlencode

import httpx

from kb.version import __version__
from kb.model.suggest import quoted
from kb.net.cache import Answer, AnswerCache, Parsed
from kb.net.errors import NetError, NetTimeoutError, OfflineError, ServiceError
from kb.net.transfer import MAX_BODY, fetch_within, urlhost

RETRIED = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 60.0     # seconds kb waits when a service asks (Retry-After); longer: an error
NOTIFY_WAIT = 5.0   # waits longer than this are announced
DEADLINE = 30.0     # seconds for one request's whole answer

T = TypeVar("T")
__all__ = ["Answer", "Parsed", "PoliteClient", "user_agent"]


def user_agent(contact: str = "") -> str:
    """'kb/0.1.0 (research-paper knowledge base; mailto:...) httpx/0.28.1'."""
    mail = f"; mailto:{contact}" if contact else ""
    return f"kb/{__version__} (research-paper knowledge base{mail}) httpx/{httpx.__version__}"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 1e12 else "an unbounded time"


class PoliteClient:
    """GET requests with rate limits per host, retries, limits and a cache of read answers.

    ``intervals`` maps a host to the least number of seconds between two requests to it.
    ``cache_dir`` None keeps no cache; ``refresh`` asks again instead of using it (and keeps
    the new answers). ``notify`` receives a line before a long wait. ``clock`` and ``sleep``
    (the rate limit's and the retries' time) and ``now`` (wall-clock time, for the cache's
    expiry and Retry-After dates) default to the real ones; ``deadline`` is real time.
    """

    def __init__(self, *, cache_dir: Path | None = None, contact: str = "",
                 intervals: Mapping[str, float] | None = None, timeout: float = 20.0,
                 deadline: float = DEADLINE, max_body: int = MAX_BODY, retries: int = 3,
                 backoff: float = 1.0, max_wait: float = MAX_WAIT, refresh: bool = False,
                 notify: Callable[[str], None] | None = None,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.time) -> None:
        self.cache = AnswerCache(cache_dir, 2 * max_body + 4096) if cache_dir else None
        self.intervals = dict(intervals or {})
        self.timeout = min(timeout, deadline)
        self.deadline = deadline
        self.max_body = max_body
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.refresh = refresh
        self.notify = notify
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.requests = 0    # requests sent over the network
        self.cache_hits = 0  # answers taken from the cache instead
        self._last: dict[str, float] = {}
        self._http = httpx.Client(transport=transport, timeout=self.timeout,
                                  headers={"User-Agent": user_agent(contact)})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, what: str, read: Callable[[Answer], Parsed[T]],
            secret: Mapping[str, str] | None = None) -> T:
        """What ``read`` makes of the answer to GET ``url``, from the cache when a good
        answer is kept there. ``read`` raises NetError on an answer it cannot use (which is
        then not kept) and says how long to keep one it read. ``what`` names the thing asked
        for in error messages ('arXiv 2203.02155'). ``secret`` query parameters (an API key)
        are added to the request only: the cache knows the answer by ``url`` and keeps
        ``url``, and no message shows their values. Raises NetError."""
        if self.cache is not None and not self.refresh:
            cached = self.cache.load(url, self.now())
            if cached is not None:
                try:
                    parsed = read(cached)
                except NetError:  # kept under other rules (an older kb): asked again
                    pass
                else:
                    self.cache_hits += 1
                    return parsed.value
        answer = self._fetch(url, what, {k: v for k, v in (secret or {}).items() if v})
        parsed = read(answer)
        if self.cache is not None:
            self.cache.store(url, answer, parsed.keep)
        return parsed.value

    # ------------------------------------------------------------ waiting

    def _pause(self, seconds: float, why: str) -> None:
        if seconds > NOTIFY_WAIT and self.notify is not None:
            self.notify(f"{why}; waiting {_seconds(seconds)} before asking again...")
        self.sleep(seconds)

    def _wait_turn(self, host: str) -> None:
        interval = self.intervals.get(host, 0.0)
        last = self._last.get(host)
        if interval and last is not None:
            wait = last + interval - self.clock()
            if wait > 0:
                self._pause(wait, f"{host} asks for {interval:g} s between requests")
        self._last[host] = self.clock()

    def _asked_wait(self, headers: httpx.Headers) -> float | None:
        """The seconds a Retry-After header asks for (a number or an HTTP date), or None."""
        header = headers.get("Retry-After", "").strip()
        if header.isascii() and header.isdigit():
            return float(header) if len(header) < 13 else math.inf
        if header:
            try:
                return max(0.0, parsedate_to_datetime(header).timestamp() - self.now())
            except (TypeError, ValueError, OverflowError, IndexError):
                return None
        return None

    # ------------------------------------------------------------ requests

    def _fetch(self, url: str, what: str, secret: Mapping[str, str]) -> Answer:
        if not secret:
            return self._fetch_public(url, what, url)
        sent = url + ("&" if "?" in url else "?") + urlencode(secret)
        try:
            return self._fetch_public(sent, what, url)
        except NetError as exc:  # a message that quotes the URL asked must not show the key
            for value in secret.values():
                for shown in (quote_plus(value), value):
                    exc.message = exc.message.replace(shown, "***")
                    exc.args = tuple(str(a).replace(shown, "***") for a in exc.args)
            raise

    def _fetch_public(self, url: str, what: str, public: str) -> Answer:
        """GET ``url``; ``public`` is the URL as messages and the answer show it."""
        host = urlhost(url)
        for attempt in range(self.retries + 1):
            more = attempt < self.retries
            backoff = self.backoff * 2 ** attempt
            self._wait_turn(host)
            self.requests += 1
            try:
                raw = fetch_within(self._http, url, what=what, deadline=self.deadline,
                                   max_body=self.max_body)
            except httpx.TimeoutException:
                if more:
                    self._pause(backoff, f"{what}: {host} did not answer in time")
                    continue
                raise NetTimeoutError(f"{what}: {host} did not answer in time "
                                      f"({self.timeout:g} s, {attempt + 1} tries)",
                                      fix="try again later, or check the network") from None
            except httpx.TransportError as exc:
                connect = isinstance(exc, httpx.ConnectError)
                if more and not connect:
                    self._pause(backoff, f"{what}: the connection to {host} broke")
                    continue
                reach = "cannot reach" if connect else "lost the connection to"
                raise OfflineError(f"{what}: {reach} {host} ({type(exc).__name__}: {exc})",
                                   fix="check the network connection (kb add needs it), or "
                                       "set KB_ARXIV_API / KB_CROSSREF_API / KB_OPENALEX_API "
                                       "to a reachable mirror") from None
            except httpx.InvalidURL as exc:
                shown = str(exc) if public == url else "its address is malformed"
                raise NetError(f"{what}: {quoted(public)} is not a URL httpx can ask ({shown})",
                               fix="check KB_ARXIV_API / KB_CROSSREF_API / KB_OPENALEX_API or "
                                   "the arxiv_api / crossref_api options") from None
            if raw.status in RETRIED:
                asked = self._asked_wait(raw.headers)
                status = f"{host} answered HTTP {raw.status} {raw.reason}".rstrip()
                if asked is not None and asked > self.max_wait:
                    raise ServiceError(f"{what}: {status} and asked to wait {_seconds(asked)} "
                                       "before asking again (Retry-After), longer than kb "
                                       f"waits ({_seconds(self.max_wait)})",
                                       fix="try again later")
                if more:
                    self._pause(backoff if asked is None else asked, f"{what}: {status}")
                    continue
                raise ServiceError(f"{what}: {status} {attempt + 1} times",
                                   fix="the service is busy or down; try again later")
            return Answer(public if public != url else raw.url, raw.status, raw.text,
                          fetched=self.now())
        raise NetError(f"{what}: no answer")  # pragma: no cover - the loop always returns
