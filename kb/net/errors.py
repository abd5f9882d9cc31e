"""The errors of kb.net, all under :class:`kb.errors.KbError`::

    NetError                 a metadata service could not give an answer
     ├── OfflineError        the host cannot be reached (no network, wrong endpoint)
     ├── NetTimeoutError     the host did not answer within the timeout, after retries
     ├── ServiceError        HTTP 429 or 5xx after retries, or another unexpected status
     └── BadResponseError    the answer is not the XML or JSON the service documents
"""

from __future__ import annotations

from kb.errors import KbError


class NetError(KbError):
    """A metadata service could not give an answer; the message names the id asked for."""


class OfflineError(NetError):
    """The service's host cannot be reached."""


class NetTimeoutError(NetError):
    """The service did not answer in time."""


class ServiceError(NetError):
    """The service answered with an error status."""


class BadResponseError(NetError):
    """The service's answer cannot be read (malformed XML or JSON)."""
