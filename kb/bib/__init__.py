"""BibTeX and CSL-JSON: reading .bib files (``read``), LaTeX <-> Unicode (``latex``), the
entry <-> Paper mapping and BibTeX export (``mapping``), import into papers/ (``importer``)
and CSL-JSON export (``csl``)."""
