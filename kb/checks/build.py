"""Whether a site build goes on after its checks: the decision the mkdocs plugin applies right
after checking the content, before any slow work (embedding, related papers, the search data).

An error always stops the build. A ``--strict`` build stops on a warning too: mkdocs would fail
it anyway, but only at the very end, after all that work; stopping here says why at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from kb.model.entries import Issue
from kb.model.plural import plural


def log_line(issue: Issue) -> str:
    """One line of the build's log per issue, marked as kb's."""
    return "kb: " + issue.format(one_line=True)


def build_stop(issues: Sequence[Issue], *, strict: bool) -> str | None:
    """The message that stops the build after its checks, or None when it goes on. Errors are
    listed one per line; the warnings are in the build's log already (one line each), so a
    strict build that stops on them only counts them."""
    errors = [i for i in issues if i.severity == "error"]
    warnings = sum(i.severity != "error" for i in issues)
    if errors:
        listing = "\n".join(log_line(i) for i in errors)
        return (f"kb found {plural(len(errors), 'error')} in the content; `kb check` lists them "
                f"too:\n{listing}")
    if strict and warnings:
        return (f"kb found {plural(warnings, 'warning')} in the content (logged above) and the "
                "build is strict, so it stops before building any page; `kb check --strict` "
                "lists them too, and the checks: option in mkdocs.yml sets a code's severity")
    return None
