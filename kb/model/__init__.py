"""The content model and its rules: pydantic models, ids, names, venues, limits, the issue-code
registry, privacy and key/tag rules. No I/O; imports nothing of kb but :mod:`kb.errors`."""
