"""Search in the built site, measured in headless Chromium against the targets it must meet.

For this repository (about 50 papers) and a synthetic course of 1,000 papers (the generator of
scripts/bench_site.py, kept in .kb/bench-site-search/ so its vectors are embedded once):

- query time after the model has loaded, median and p95 over the course set's questions
  (scripts/course_questions.py), hybrid and keyword, timed in the page around
  ``window.kb.search`` (target: median <= 20 ms at 50 and at 1,000 papers);
- bytes of the first view of the home page, which does not search (target: < 3 MB);
- bytes of the model's first download (the encoder, its tokenizer, transformers.js and ONNX
  Runtime's wasm) and the time to load it (target: <= 40 MB), then the time to load it again on
  a revisit from the browser's caches (target: < 1 s);
- the build time the feature adds at 1,000 papers with a warm cache: a warm build against a
  warm build with the search files left out (target: < 10 s).

A last table times the same int8 model in Python through onnxruntime for a query, against the
numpy encoder ``kb search`` uses today. Bytes are what the server sent (``python -m
http.server``, no compression), as the Resource Timing API reports them.

On a slow link (``--link-only`` runs just this part): this repository's search page opened
with a query, in a fresh browser (empty caches), over a link Chromium emulates at 12 Mbit/s
with 40 ms of latency (CDP ``Network.emulateNetworkConditions``), at a phone's width (390 px)
and a desk's (1280 px): seconds from the navigation and bytes received until the first answer
by meaning (the quick model; target <= 5 s and <= 6 MB), then until the full model's results
are shown (it loads in the background, as on any link Chromium calls 4g). Screenshots of the
page before and after the full model, light and dark, go to test-output/.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_site_search.py [--papers 1000] [--link-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from site_browser import build_site, chromium, serve  # noqa: E402

from course_questions import QUESTIONS  # noqa: E402

MB = 1e6
BYTES_SO_FAR = ("() => performance.getEntriesByType('navigation').concat("
                "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)")
# The modes take turns on each question, so that a busy spell of the machine hits all alike.
TIME_QUERIES = """async ([qs, modes]) => {
  const times = Object.fromEntries(modes.map(m => [m, []]));
  for (const q of qs) {
    for (const mode of modes) {
      const t = performance.now();
      if (mode === "embed") { await window.kb.embed(q); } else { await window.kb.search(q, {k: 10, mode}); }
      times[mode].push(performance.now() - t);
    }
  }
  return times;
}"""


LINK_MBIT = 12.0
LINK_LATENCY_MS = 40
LINK_QUERY = "teaching a chatbot to follow instructions from people's rankings"
OUTPUT = ROOT / "test-output"
# Before any page script: note when the result list first shows each tier ("keyword",
# "quick", "full"), in ms since the navigation began, with the bytes received by then.
TIER_CLOCK = """(() => {
  performance.setResourceTimingBufferSize(2000);
  window.__kbTiers = {};
  new MutationObserver(() => {
    const list = document.querySelector('.kb-search__results');
    const tier = list && list.getAttribute('data-tier');
    if (tier && !(tier in window.__kbTiers)) {
      window.__kbTiers[tier] = {ms: performance.now(), bytes: performance.getEntriesByType(
        'navigation').concat(performance.getEntriesByType('resource')).reduce(
        (s, e) => s + e.transferSize, 0)};
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-tier']});
})();"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def synthetic(n: int) -> Path:
    from bench_site import synthetic_course

    root = ROOT / ".kb" / "bench-site-search" / f"synthetic-{n}"
    if not (root / "mkdocs.yml").is_file():
        synthetic_course(root, n)
    return root


def load_model(page: Any, base: str) -> tuple[float, float]:
    """Open the search page, then load the model: seconds, and MB the server sent for it."""
    page.goto(base + "search/")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.kb.loadIndex()")
    before = page.evaluate(BYTES_SO_FAR)
    started = time.perf_counter()
    page.evaluate("window.kb.loadModel()")
    return time.perf_counter() - started, (page.evaluate(BYTES_SO_FAR) - before) / MB


def measure_site(label: str, root: Path, profile: Path) -> dict[str, Any]:
    """Build, serve and measure one course's site in a fresh browser profile."""
    out: dict[str, Any] = {"site": label}
    with tempfile.TemporaryDirectory(prefix="kb-bench-search-") as tmp:
        site = Path(tmp) / "site"
        build_site(root, site)  # the first build embeds what the cache lacks
        out["build_s"] = build_site(root, site)
        out["papers"] = len(list((root / "papers").glob("*.md")))
        questions = [q for q, _ in QUESTIONS] * 2
        with serve(site) as base, chromium(profile) as context:
            page = context.new_page()
            page.goto(base)
            page.wait_for_load_state("networkidle")
            out["first_view_mb"] = page.evaluate(BYTES_SO_FAR) / MB
            out["model_load_s"], out["model_mb"] = load_model(page, base)
            modes = ["hybrid", "keyword", "embed"]
            page.evaluate(TIME_QUERIES, [questions[:5], modes])  # warm up the JIT
            for mode, times in page.evaluate(TIME_QUERIES, [questions, modes]).items():
                out[f"{mode}_median"] = statistics.median(times)
                out[f"{mode}_p95"] = pct(times, 0.95)
            page.close()
            # a revisit: same profile, caches kept
            out["revisit_s"], out["revisit_mb"] = load_model(context.new_page(), base)
    return out


def slow_link(page: Any) -> Any:
    """Emulate the 12 Mbit/s, 40 ms link on ``page``; returns the CDP session, whose
    Network.loadingFinished events are summed into ``session.received``."""
    cdp = page.context.new_cdp_session(page)
    cdp.received = 0
    cdp.on("Network.loadingFinished",
           lambda e: setattr(cdp, "received", cdp.received + e["encodedDataLength"]))
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LINK_LATENCY_MS,
        "downloadThroughput": LINK_MBIT * 1e6 / 8, "uploadThroughput": LINK_MBIT * 1e6 / 8})
    return cdp


def link_run(browser: Any, base: str, width: int, height: int,
             shots: str | None = None) -> dict[str, Any]:
    """One visit of the search page over the slow link in a fresh context (empty caches)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(TIER_CLOCK)
    page = context.new_page()
    cdp = slow_link(page)
    page.goto(base + "search/?query=" + LINK_QUERY.replace(" ", "+"))
    out: dict[str, Any] = {"width": width}
    try:
        for tier in ("quick", "full"):
            page.wait_for_function(f"'{tier}' in window.__kbTiers", timeout=300_000)
            if shots:
                for scheme, name in (("default", "light"), ("slate", "dark")):
                    page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
                    OUTPUT.mkdir(exist_ok=True)
                    page.screenshot(path=str(OUTPUT / f"{shots}-{width}-{name}-{tier}.png"))
                page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'default')")
        out.update(page.evaluate("""() => ({
            tiers: window.__kbTiers, connection: navigator.connection && {
              effectiveType: navigator.connection.effectiveType,
              downlink: navigator.connection.downlink, rtt: navigator.connection.rtt}})"""))
        out["line"] = page.locator(".kb-search__model").inner_text().strip()
        out["received"] = cdp.received
    finally:
        context.close()
    return out


def measure_link(site: Path) -> list[dict[str, Any]]:
    """The slow-link runs on a built site: timed runs at both widths, then runs for the
    screenshots (apart, so that taking them delays no timed run)."""
    from playwright.sync_api import sync_playwright

    from browser_launch import launch

    rows = []
    with serve(site) as base, sync_playwright() as p:
        browser = launch(p)
        try:
            for width, height in ((390, 844), (1280, 900)):
                rows.append(link_run(browser, base, width, height))
            for width, height in ((390, 844), (1280, 900)):
                link_run(browser, base, width, height, shots="search-link")
        finally:
            browser.close()
    return rows


def print_link(rows: list[dict[str, Any]]) -> None:
    print(f"\nThe search page over a {LINK_MBIT:g} Mbit/s link with {LINK_LATENCY_MS} ms latency "
          "(Chromium's emulation), fresh browser, this repository's site, query in the address")
    print("| width px | keyword answer s | first answer by meaning (quick) s | MB by then "
          "| full model's results s | MB by then | full model: MB, s after the quick answer |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        t = r["tiers"]
        quick, full, words = t["quick"], t["full"], t.get("keyword", {"ms": float("nan")})
        print(f"| {r['width']} | {words['ms'] / 1000:.2f} | {quick['ms'] / 1000:.2f} "
              f"| {quick['bytes'] / MB:.2f} | {full['ms'] / 1000:.2f} | {full['bytes'] / MB:.1f} "
              f"| {(full['bytes'] - quick['bytes']) / MB:.1f}, {(full['ms'] - quick['ms']) / 1000:.1f} |")
    print("targets: first answer by meaning <= 5 s and <= 6 MB")
    for r in rows:
        print(f"  {r['width']} px: navigator.connection under emulation {r['connection']}; "
              f"bytes by CDP {r['received'] / MB:.1f} MB; the model line at the end: {r['line']!r}")


def build_added(root: Path, rounds: int = 3) -> tuple[float, float]:
    """Warm build seconds with the search files, and with them left out (best of ``rounds``,
    the two kinds alternating, so that a busy spell of the machine hits both alike)."""
    from kb.site.plugin import KbPlugin

    original = KbPlugin._add_search_files
    times: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="kb-bench-search-") as tmp:
        site = Path(tmp) / "site"
        build_site(root, site)
        for _ in range(rounds):
            for with_search in (True, False):
                if not with_search:
                    KbPlugin._add_search_files = lambda self, files, config, session_src: None  # type: ignore[method-assign]
                try:
                    times[with_search].append(build_site(root, site))
                finally:
                    KbPlugin._add_search_files = original  # type: ignore[method-assign]
    return min(times[True]), min(times[False])


def python_query_path() -> list[tuple[str, float, float]]:
    """(encoder, load s, ms per query) for the int8 ONNX model and the CLI's numpy encoder."""
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from kb.course.config import load_config
    from kb.search.embed import model_location
    from kb.search.minilm import MiniEncoder
    from kb.search.onnx_export import ONNX_FILE, ensure_onnx_model
    from kb.fs import cache_home

    config = load_config(ROOT)
    location = Path(model_location(config.options.model))
    folder = ensure_onnx_model(location, cache_home() / "onnx")
    questions = [q for q, _ in QUESTIONS]
    rows = []
    started = time.perf_counter()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(folder / ONNX_FILE), options,
                                   providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    load = time.perf_counter() - started

    def onnx_embed(text: str) -> Any:
        ids = np.array([tokenizer.encode(text).ids])
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0]
        return hidden.mean(axis=0)

    for label, loader_s, embed in (("int8 ONNX, onnxruntime (1 thread)", load, onnx_embed),):
        embed(questions[0])
        times = []
        for q in questions:
            t = time.perf_counter()
            embed(q)
            times.append((time.perf_counter() - t) * 1000)
        rows.append((label, loader_s, statistics.median(times)))
    started = time.perf_counter()
    mini = MiniEncoder(location)
    load = time.perf_counter() - started
    mini.embed([questions[0]])
    times = []
    for q in questions:
        t = time.perf_counter()
        mini.embed([q])
        times.append((time.perf_counter() - t) * 1000)
    rows.append(("float32 numpy (kb search today)", load, statistics.median(times)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000, help="papers in the synthetic course")
    parser.add_argument("--link-only", action="store_true",
                        help="only the runs over the emulated 12 Mbit/s link (this repository)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-link-") as tmp:
        build_site(ROOT, Path(tmp) / "site")
        link = measure_link(Path(tmp) / "site")
    if args.link_only:
        print_link(link)
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-profile-") as profiles:
        rows.append(measure_site("this repository", ROOT, Path(profiles) / "a"))
        big = synthetic(args.papers)
        rows.append(measure_site(f"synthetic, {args.papers} papers", big, Path(profiles) / "b"))
    with_search, without = build_added(big)

    print(f"Search in the built site, headless Chromium, {os.cpu_count()} CPU cores "
          "(query times over the course set's questions, twice each, after the model loaded)")
    print("| site | papers | hybrid median / p95 ms | keyword median / p95 ms | of which the "
          "query's embedding, ms | first view MB | model download MB | model load s "
          "| revisit load s (MB) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['site']} | {r['papers']} | {r['hybrid_median']:.1f} / {r['hybrid_p95']:.1f} "
              f"| {r['keyword_median']:.1f} / {r['keyword_p95']:.1f} "
              f"| {r['embed_median']:.1f} / {r['embed_p95']:.1f} | {r['first_view_mb']:.2f} "
              f"| {r['model_mb']:.1f} | {r['model_load_s']:.2f} | {r['revisit_s']:.2f} "
              f"({r['revisit_mb']:.2f}) |")
    print("targets: median <= 20 ms at 50 and 1,000 papers; first view < 3 MB; model download "
          "<= 40 MB; revisit < 1 s")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other processes inflate the times)")
    print(f"\nBuild time added at {args.papers} papers, warm cache (mkdocs build --strict, best "
          "of 3)")
    print("| build | seconds |")
    print("| --- | --- |")
    print(f"| with the search files | {with_search:.2f} |")
    print(f"| search files left out | {without:.2f} |")
    print(f"| added by the feature (target < 10 s) | {with_search - without:.2f} |")
    print("\nThe query encoder in Python (one query, the course set's questions)")
    print("| encoder | load s | ms per query (median) |")
    print("| --- | --- | --- |")
    for label, load, ms in python_query_path():
        print(f"| {label} | {load:.2f} | {ms:.1f} |")
    print_link(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
