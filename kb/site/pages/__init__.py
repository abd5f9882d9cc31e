"""The site's pages by role, one small renderer each, with no generator imported.

Each renderer takes the loaded course (:class:`~kb.site.pages.common.SiteData`) and an
``href`` function that turns a site source path into a link relative to the page being
rendered, and returns Markdown (or the file's text). :mod:`kb.site.build` decides which page
has which role and hands the results to a generator (the mkdocs plugin, or ``kb site export``).

``common``         site paths, the data computed once per build, tag chips, paper and poster cards
``paper``          a paper's page (``papers/<key>.md``)
``papers_index``   the papers table (``papers/index.md``)
``session``        what kb adds around a session page's text
``schedule``       the schedule table (``sessions/index.md`` and ``<!-- kb:schedule -->``)
``calendar``       ``sessions.ics``
``poster``         a poster's page and its media (a PDF or an image)
``posters_index``  the posters overview (``posters/index.md``)
``tags``           the tags page and one page per tag
``libmap``         the map page (``map.md``): the papers in 2-D and a timeline, as SVG
``search``         the search page and its files (data, vectors, encoder, runtime)
``report``         the instructor's page (``report.md``)
``bib``            the .bib downloads (``bib/<session>.bib``, ``bib/bibliography.bib``)
``home``           a home page for a course whose docs/ has none
"""
