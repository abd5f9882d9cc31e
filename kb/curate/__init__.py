"""Curation: add by id, enrich, tag, reading lists, BibTeX import, and the Library placement
rules that import and add share."""
