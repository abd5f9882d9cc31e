"""Hostile content planted into a course: every way a paper file or a poster has tried to run
script on the site. Shared by the build tests and the browser test."""

from __future__ import annotations

from pathlib import Path

from conftest import paper, write

# Each payload calls alert(N); a browser test fails on any dialog.
NOTES = """## Notes with payloads

![figure](x.png){: onerror="alert(1)"}

[focus me](#top){: autofocus onfocus="alert(2)" tabindex="1"}

[reference style][evil] and [mixed case](JaVaScRiPt:alert(3)) and
[entity](&#106;avascript:alert(4)) and [percent](javascript:alert%285%29) and
[overridden](https://example.org/){: href="javascript:alert(6)"} and
[data url](data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==) and
[tab](java&#x09;script:alert(8)) and <javascript:alert(9)>

[evil]: javascript:alert(10)

<script>alert(11)</script> <img src=x onerror="alert(12)">

{: onmouseover="alert(13)" style="position:fixed;inset:0" }
A paragraph with an attribute list on its own line.
"""

POSTER_BODY = """<script>alert(20)</script>

<img src="x" onerror="alert(21)">

<a href="javascript:alert(22)">click</a> <a href=" &#x6A;avascript:alert(23)">spaced</a>

## <img src=x onerror=alert(24)> heading

<iframe srcdoc="&lt;script&gt;alert(25)&lt;/script&gt;"></iframe>

<svg onload="alert(26)"><circle r="5"/></svg>

<details open ontoggle="alert(27)"><summary>more</summary>text</details>

<form action="javascript:alert(28)"><button>go</button></form>

<object data="data:text/html,&lt;script&gt;alert(29)&lt;/script&gt;"></object>

<math><mtext><table><mglyph><style><img src=x onerror=alert(30)></style></mglyph></table></mtext></math>

<div markdown="1" onclick="alert(31)" id="__config">Inside *a div*.</div>

<base href="javascript:alert(32)//">

<meta http-equiv="refresh" content="0;url=javascript:alert(33)">

[attr link](https://example.org/){: onclick="alert(34)" href="data:text/html,x"}

<style>body { display: none }</style>

Poster notes, kept as text.
"""


def plant_site_payloads(root: Path) -> dict[str, Path]:
    """Write one paper and one poster carrying every payload; returns their paths."""
    planted = {
        "paper": write(root, "papers/evil2024notes.md",
                       paper("evil2024notes", title="Evil <img src=x onerror=alert(40)> notes",
                             summary='<script>alert(41)</script> and <b onclick="alert(42)">',
                             url="https://example.org/").replace("Notes.\n", NOTES)),
        "poster": write(root, "docs/posters/evil-poster.md",
                        "---\ntitle: 'Evil <img src=x onerror=alert(43)> poster'\n"
                        "authors: ['<script>alert(44)</script>']\npapers: [evil2024notes]\n---\n"
                        + POSTER_BODY),
    }
    return planted


# ------------------------------------------------------------------ issue 25: the site's findings

# Front matter the theme would print as HTML (subtitle and status in every page's navigation,
# description and author in <meta>) or obey (template: redirect.html goes to location:).
THEME_META_POSTER = """---
title: Meta poster
subtitle: '<img src=x onerror="alert(51)">'
status: '"><img src=x onerror="alert(52)">'
description: '"><script>alert(53)</script>'
author: '"><script>alert(54)</script>'
template: redirect.html
location: 'javascript:alert(55)'
---
Meta notes.
"""

# Images a reader's browser would fetch from elsewhere (a tracking pixel), and one of the site's.
REMOTE_IMAGE_NOTES = """![pixel](https://tracker.example/pixel.png)

<img src="//evil.example/p.gif" alt="beacon">

![own figure](media/fig.png)
"""

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\x0bIDATx\x9cc`\x00\x02\x00\x00\x05\x00\x01z^\xab?\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")  # one transparent pixel


def plant_media_folder(root: Path) -> None:
    """A poster showing one image and linking another from its notes, and beside them in
    docs/posters/media/ what the site must not publish: Markdown (a trusted page once), HTML
    and SVG (served from the site's origin), an image no poster shows."""
    media = root / "docs/posters/media"
    media.mkdir(parents=True, exist_ok=True)
    for name in ("shown.png", "linked.png", "unused.png", "fig.png"):
        (media / name).write_bytes(PNG)
    write(root, "docs/posters/media/evil.html", "<script>alert(60)</script>\n")
    write(root, "docs/posters/media/evil.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(61)"/>\n')
    write(root, "docs/posters/media/page.md", "# Trusted?\n\n<script>alert(62)</script>\n")
    write(root, "docs/posters/media/deeper/notes.md", "<img src=x onerror=alert(63)>\n")
    write(root, "docs/posters/media-user.md", "---\ntitle: Media user\nimage: media/shown.png\n---\n"
          "Our figure: ![figure](media/linked.png)\n")


def plant_theme_payloads(root: Path) -> dict[str, Path]:
    """Issue 25's site payloads: a poster's front matter for the theme, files in media/, a
    backtick in a tag on the report page, remote images in poster notes."""
    plant_media_folder(root)
    tag = "x`<img src=x onerror=alert(64)>"
    session = root / "docs/sessions/01-introduction.md"
    session.write_text(session.read_text(encoding="utf-8").replace(
        "readings:\n", "readings:\n- key: tick2020tag\n  kind: optional\n", 1), encoding="utf-8")
    return {
        "meta": write(root, "docs/posters/meta.md", THEME_META_POSTER),
        "pixel": write(root, "docs/posters/pixel.md", "---\ntitle: Pixel\n---\n" + REMOTE_IMAGE_NOTES),
        "tag": write(root, "papers/tick2020tag.md", paper("tick2020tag", tags=[tag])),
    }
