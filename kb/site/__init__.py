"""The course site: the ``kb`` mkdocs plugin (:mod:`kb.site.plugin`), its page renderers
(:mod:`kb.site.pages`, one module per page role), the escaping and citation helpers, templates and assets."""
