"""The errors of kb.net, all under :class:`kb.errors.KbError`::

    NetError                   a metadata service could not give an answer
     ├── BadIdError            an id that cannot go into a URL as it is (a '..' segment, a
     │                         control character, white space): refused before any request
     ├── OfflineError          the host cannot be reached (no network, wrong endpoint)
     ├── NetTimeoutError       no answer within the timeout after retries, or the whole answer
     │                         not within the request's deadline
     ├── ServiceError          HTTP 429 or 5xx after retries, another unexpected status, a
     │                         Retry-After longer than kb waits, a redirect loop
     └── BadResponseError      the answer is not the XML or JSON the service documents:
          │                    malformed, nested too deep, a field of the wrong type or range
          ├── TooLargeError    the answer is larger than kb reads (counted after decompression)
          └── MismatchError    the answer is about another id than the one asked for

Every message names the service, the id asked for and what was wrong; the ``fix`` says what
to do. None of them is cached: only answers that were read whole are kept in ``.kb/net/``.
"""

from __future__ import annotations

from kb.errors import KbError


class NetError(KbError):
    """A metadata service could not give an answer; the message names the id asked for."""


class BadIdError(NetError):
    """An id that would change the URL it is put into; nothing was asked."""


class OfflineError(NetError):
    """The service's host cannot be reached."""


class NetTimeoutError(NetError):
    """The service did not answer, or not whole, in time."""


class ServiceError(NetError):
    """The service answered with an error status, or asked for a wait kb does not make."""


class BadResponseError(NetError):
    """The service's answer cannot be read (malformed XML or JSON, fields of the wrong type)."""


class TooLargeError(BadResponseError):
    """The answer is larger than the client reads."""


class MismatchError(BadResponseError):
    """The answer describes another paper than the id asked for."""
