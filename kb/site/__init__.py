"""The course site: page renderers by role (:mod:`kb.site.pages`), the one entry point that
turns a course into the site's pages and files (:mod:`kb.site.build`), the mkdocs adapter
(:mod:`kb.site.plugin`), the plain-Markdown export (:mod:`kb.site.export`), the generator
runner (:mod:`kb.site.generate`), escaping and citation helpers, templates and assets."""
