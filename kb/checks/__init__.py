"""Checks over a loaded course: validation into Issue records, citations, the course report."""
