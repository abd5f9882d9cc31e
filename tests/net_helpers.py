"""A loopback HTTP server (127.0.0.1 only) that answers like arXiv and Crossref, with the
recorded responses in tests/data/net (see SOURCES.md there for where each came from).

arXiv routes are keyed by the ``id_list`` value, Crossref routes by the DOI (decoded from
the path). Each route holds a list of replies; one is used per request, the last repeats,
so "429, then success" is two replies. Every request is logged (raw path and headers).

A reply can also misbehave as a hostile server would: ``data`` sends raw bytes (a gzip bomb
with its Content-Encoding header), ``drip`` sends the body one byte at a time with that
many seconds between bytes, ``endless`` sends bytes until the client hangs up.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import parse_qs, unquote, urlsplit

from conftest import SHARED

DATA = Path(__file__).resolve().parent / "data" / "net"


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    content_type: str = "application/atom+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    data: bytes | None = None  # raw body bytes, sent instead of ``body``
    drip: float = 0.0          # seconds between two bytes of the body
    endless: bool = False      # no Content-Length, bytes until the client hangs up


def arxiv_file(name: str, status: int = 200) -> Reply:
    return Reply(status, (DATA / "arxiv" / name).read_text(encoding="utf-8"))


def crossref_file(name: str) -> Reply:
    path = DATA / "crossref" / name
    if name.endswith(".txt"):  # Crossref's 404 is text/plain
        return Reply(404, path.read_text(encoding="utf-8"), "text/plain")
    return Reply(200, path.read_text(encoding="utf-8"), "application/json")


def instructgpt_feed() -> Reply:
    """arXiv's feed for 2203.02155: the recorded envelope (feed-template.xml) with the
    paper's title, authors, date and abstract read from ../shared/data at test time."""
    from kb.bib.read import read_bib

    [bib] = read_bib([SHARED / "bib" / "canon_extract.bib"])
    entry = next(e for e in bib.entries if e.fields.get("eprint") == "2203.02155")
    from kb.bib.latex import split_names

    people = split_names(entry.fields["author"])
    authors = "".join(
        f"    <author>\n      <name>{html.escape(' '.join(reversed(p.split(', '))))}</name>\n"
        "    </author>\n" for p in people)
    template = Template((DATA / "arxiv" / "feed-template.xml").read_text(encoding="utf-8"))
    body = template.substitute(
        query_id="instructgpt", id="2203.02155",
        title="Training language models to follow instructions with human feedback",
        summary=html.escape(" ".join(entry.fields["abstract"].split())),
        published=entry.fields["date"], category="cs.CL", authors=authors)
    return Reply(200, body)


class NetServer:
    """The server; ``arxiv_url`` and ``crossref_url`` are the endpoints to configure."""

    def __init__(self) -> None:
        self.arxiv: dict[str, list[Reply]] = {}
        self.crossref: dict[str, list[Reply]] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        host, port = self._http.server_address[:2]
        self.arxiv_url = f"http://{host}:{port}/api/query"
        self.crossref_url = f"http://{host}:{port}/crossref"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def requests(self, prefix: str = "") -> list[str]:
        return [path for path, _ in self.log if path.startswith(prefix)]

    def _reply_for(self, path: str) -> Reply:
        parts = urlsplit(path)
        if parts.path == "/api/query":
            ids = parse_qs(parts.query).get("id_list", [""])[0]
            replies = self.arxiv.get(ids)
            if replies is None and "," in ids:
                return self._batch(ids.split(","))
            default = Reply(200, (DATA / "arxiv" / "0000.0000-empty.xml").read_text("utf-8"))
        elif parts.path.startswith("/crossref/works/"):
            doi = unquote(parts.path[len("/crossref/works/"):])
            replies = self.crossref.get(doi)
            default = crossref_file("10.1371-notarealdoi-404.txt")
        else:
            return Reply(404, "no such route", "text/plain")
        if not replies:
            return default
        return replies.pop(0) if len(replies) > 1 else replies[0]

    def _batch(self, ids: list[str]) -> Reply:
        """One feed with the recorded entries of each id, as arXiv answers a batch."""
        bodies = [self._reply_for(f"/api/query?id_list={i}").body for i in ids]
        entries = [b[b.index("<entry>"):b.rindex("</entry>") + len("</entry>")]
                   for b in bodies if "<entry>" in b]
        envelope = bodies[0]
        start = envelope.index("<entry>") if "<entry>" in envelope else envelope.index("</feed>")
        end = envelope.rindex("</entry>") + len("</entry>") if "<entry>" in envelope else start
        return Reply(200, envelope[:start] + "\n  ".join(entries) + envelope[end:])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.log.append((self.path, dict(self.headers.items())))
                reply = server._reply_for(self.path)
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.data if reply.data is not None else reply.body.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    if not reply.endless:
                        self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if reply.endless:
                        block = b"<feed>" + b"x" * 65530
                        while True:
                            self.wfile.write(block)
                    elif reply.drip:
                        for i in range(len(data)):
                            self.wfile.write(data[i:i + 1])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout or size limit test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


ARXIV_ROUTES = {
    "1605.08386": "1605.08386.xml",
    "0000.0000": "0000.0000-empty.xml",
    "0808.05394,1707.08567": "0808.05394,1707.08567.xml",
    "astro-ph/0601001": "astro-ph-0601001.xml",
    "1111.2011": "1111.2011v2.xml",
}
CROSSREF_ROUTES = {
    "10.1371/journal.pone.0033693": "10.1371-journal.pone.0033693.json",
    "10.1371/journal.pone.0020476": "10.1371-journal.pone.0020476.json",
    "10.32396/usurj.v1i1.55": "10.32396-usurj.v1i1.55.json",
    "10.1145/3184558.3186235": "10.1145-3184558.3186235.json",
}


def start_server() -> NetServer:
    """A server with every recorded response on its route (2203.02155 included)."""
    server = NetServer()
    for ids, name in ARXIV_ROUTES.items():
        server.arxiv[ids] = [arxiv_file(name)]
    server.arxiv["abc"] = [arxiv_file("abc-error-400.xml", 400)]
    server.arxiv["2203.02155"] = [instructgpt_feed()]
    for doi, name in CROSSREF_ROUTES.items():
        server.crossref[doi] = [crossref_file(name)]
    return server
