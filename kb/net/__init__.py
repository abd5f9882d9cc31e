"""Paper metadata by id (arXiv's Atom API, Crossref's REST API) and the citations between
papers (OpenAlex's works API, :mod:`kb.net.openalex`), through httpx.

::

    client = PoliteClient(cache_dir=Path(".kb/net"))   # polite: User-Agent, rate limit, cache
    found = look_up(client, Endpoints(arxiv=..., crossref=...),
                    [parse_identifier("arxiv:2203.02155")])

The layer knows no course: the endpoints, the cache folder and the contact address are handed
in (:mod:`kb.curate.services` reads them from the course's options and the environment).
Errors are :mod:`kb.net.errors` (the tree is drawn there). What a server can make kb do is
bounded: ids are checked before they enter a URL (:func:`kb.model.ids.doi_problem`), one
request has a deadline, a size cap and a redirect limit (:mod:`kb.net.transfer`), answers are
read with their types checked (:mod:`kb.net.values`) and must be about the id asked for, and
only answers that were read are cached, for a while (:mod:`kb.net.cache`).
"""

from __future__ import annotations

from kb.net.client import PoliteClient
from kb.net.errors import NetError
from kb.net.lookup import Endpoints, Found, Identifier, look_up, parse_identifier

__all__ = ["Endpoints", "Found", "Identifier", "NetError", "PoliteClient", "look_up",
           "parse_identifier"]
