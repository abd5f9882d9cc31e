"""One HTTP exchange within limits: the whole answer within a deadline, at most ``max_body``
bytes of it after decompression, and at most :data:`MAX_REDIRECTS` redirects followed.

httpx alone bounds each read (its timeout), not the whole: a server that sends a byte just
before every timeout holds the caller for ever, a gzip bomb inflates in memory, and httpx
reads the body of every redirect it follows without a limit. So the exchange runs in a
worker thread that the caller waits for at most ``deadline`` seconds (abandoned after it,
told to stop at its next chunk); redirects are followed here, their bodies never read; the
body is read raw and inflated here, each step limited to the room left under the cap.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass

import httpx

from kb.model.suggest import quoted
from kb.net.errors import BadResponseError, NetTimeoutError, ServiceError, TooLargeError

MAX_REDIRECTS = 5
MAX_BODY = 5 * 1024 * 1024  # bytes after decompression; Crossref's largest works are ~1 MB
ACCEPT_ENCODING = "gzip, deflate"  # the encodings :class:`_Inflater` reads


@dataclass(frozen=True)
class Raw:
    """A response read whole: the final URL, status, reason, headers and body text."""

    url: str
    status: int
    reason: str
    headers: httpx.Headers
    text: str


class _Inflater:
    """The body's bytes, decoded by its Content-Encoding, never more than the room given."""

    def __init__(self, encoding: str, what: str) -> None:
        self.encoding = encoding.strip().lower()
        self.what = what
        self._zlib: zlib._Decompress | None = None
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self.encoding not in ("", "identity"):
            raise BadResponseError(f"{what}: the answer is encoded as {quoted(encoding)}, which kb "
                                   f"did not ask for (it asks for {ACCEPT_ENCODING})",
                                   fix="check the endpoint points at the service's API")
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if self._zlib is None:
            out = data
        else:
            try:
                out = self._zlib.decompress(data, room + 1)
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._started:  # raw deflate, no header
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    return self.feed(data, room)
                raise BadResponseError(f"{self.what}: the answer says it is {self.encoding} "
                                       f"but cannot be decompressed ({exc})",
                                       fix="try again later") from None
        self._started = True
        if len(out) > room:  # with room + 1 asked, more means the input was not used up
            raise _Full
        return out

    def flush(self, room: int) -> bytes:
        out = self._zlib.flush(room + 1) if self._zlib is not None else b""
        if len(out) > room:
            raise _Full
        return out


class _Full(Exception):
    """The body has grown past the cap."""


def _read_body(response: httpx.Response, what: str, max_body: int,
               stop: threading.Event) -> str | None:
    """The decoded text of ``response``'s body, None when told to stop."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and len(length) < 20 and int(length) > max_body:
        raise _Full
    inflater = _Inflater(response.headers.get("Content-Encoding", ""), what)
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        if stop.is_set():
            return None
        data = inflater.feed(raw, max_body - size)
        size += len(data)
        chunks.append(data)
    chunks.append(inflater.flush(max_body - size))
    charset = response.charset_encoding or "utf-8"
    body = b"".join(chunks)
    try:
        return body.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know: the services send UTF-8
        return body.decode("utf-8", errors="replace")


def _exchange(http: httpx.Client, url: str, what: str, max_body: int,
              stop: threading.Event) -> Raw | None:
    request = http.build_request("GET", url, headers={"Accept-Encoding": ACCEPT_ENCODING})
    for _ in range(MAX_REDIRECTS + 1):
        response = http.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is None:
                try:
                    text = _read_body(response, what, max_body, stop)
                except _Full:
                    raise TooLargeError(
                        f"{what}: the answer of {urlhost(url)} is larger than {size(max_body)} "
                        "(counted after decompression); not read",
                        fix="check the endpoint points at the service's API; its answers are "
                            "far smaller") from None
                if text is None:
                    return None
                return Raw(str(response.url), response.status_code, response.reason_phrase,
                           response.headers, text)
            request = response.next_request
        finally:
            response.close()
        if stop.is_set():
            return None
    raise ServiceError(f"{what}: {urlhost(url)} redirected more than {MAX_REDIRECTS} times "
                       f"(last to {str(request.url)[:200]}); a loop?",
                       fix="check the endpoint (KB_ARXIV_API / KB_CROSSREF_API or the "
                           "arxiv_api / crossref_api options) and try again later")


def urlhost(url: str) -> str:
    """'export.arxiv.org' or '127.0.0.1:8080'."""
    return httpx.URL(url).netloc.decode("ascii", errors="replace")


def size(n: int) -> str:
    """'5 MB', '1.5 MB' or '2000 bytes'."""
    return f"{n / 1024 ** 2:g} MB" if n >= 1024 ** 2 else f"{n} bytes"


def fetch_within(http: httpx.Client, url: str, *, what: str, deadline: float,
                 max_body: int = MAX_BODY) -> Raw:
    """GET ``url`` and read its answer whole, in at most ``deadline`` seconds of wall-clock
    time (connecting, redirects and the body included) and ``max_body`` bytes.

    Raises the httpx exception of a failed exchange (the caller retries what is worth it),
    NetTimeoutError past the deadline, TooLargeError, BadResponseError on an encoding kb
    cannot read, ServiceError on a redirect loop.
    """
    outcome: list[Raw | BaseException | None] = []
    stop = threading.Event()

    def work() -> None:
        try:
            outcome.append(_exchange(http, url, what, max_body, stop))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=work, name="kb-net-exchange", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive() or not outcome:
        stop.set()  # the worker stops at its next chunk; its reads time out on their own
        raise NetTimeoutError(f"{what}: {urlhost(url)} did not send its whole answer within "
                              f"{deadline:g} s",
                              fix="try again later; on a slow link allow more time with "
                                  "KB_NET_DEADLINE=60 (seconds)")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    assert result is not None
    return result
