"""The course on disk: options in mkdocs.yml, safe reads and atomic writes, front matter,
loading, in-place edits, a new course, filters. Imports :mod:`kb.model` and nothing above."""
