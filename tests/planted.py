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
