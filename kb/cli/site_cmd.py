"""``kb site build``, ``kb site serve`` and ``kb site export``: the course site."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click

from kb.cli.app import State, cli, pass_state, quiet_option
from kb.model.plural import plural
from kb.site import generate

GENERATOR = click.option(
    "--generator", type=click.Choice(["auto", *generate.GENERATORS]), default=None,
    help="What builds the site with the kb plugin: mkdocs, properdocs, or auto (the default, "
         "also $KB_SITE_GENERATOR): ProperDocs when it is installed, else MkDocs.")


@cli.group("site")
def site_group() -> None:
    """Build, serve or export the course site (the kb plugin in MkDocs or ProperDocs).

    `kb site build` and `kb site serve` run the installed generator on mkdocs.yml as it is;
    `kb site export DIR` writes the site as plain Markdown and an mkdocs.yml without the kb
    plugin, for MkDocs, ProperDocs or Zensical. No build downloads anything.
    """


def _run(state: State, command: str, asked: str | None, args: list[str]) -> None:
    root = state.config.root
    name = generate.choose(asked)
    if not state.quiet:
        doing = {"build": "building", "serve": "serving"}[command]
        click.echo(f"{doing} {root / 'mkdocs.yml'} with {generate.describe(name)} "
                   "and the kb plugin", err=True)
    code = generate.run(command, root, name, args)
    if code:
        sys.exit(1)  # the generator said what stopped it


@site_group.command("build")
@click.option("--strict", is_flag=True,
              help="Fail on any warning, kb check's included (as mkdocs build --strict).")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the site (default: site/ of the course).")
@GENERATOR
@quiet_option
@pass_state
def build_command(state: State, strict: bool, site_dir: Path | None, generator: str | None) -> None:
    """Build the course site into site/ with the kb plugin (exit 1 if the build fails)."""
    args = (["--strict"] if strict else []) + (["--site-dir", str(site_dir.resolve())] if site_dir else [])
    _run(state, "build", generator, args + (["--quiet"] if state.quiet else []))


@site_group.command("serve")
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True,
              help="The address and port to serve on.")
@GENERATOR
@quiet_option
@pass_state
def serve_command(state: State, dev_addr: str, generator: str | None) -> None:
    """Serve the course site, rebuilt when a paper, session, poster or page changes (Ctrl-C ends)."""
    _run(state, "serve", generator, ["--dev-addr", dev_addr] + (["--quiet"] if state.quiet else []))


@site_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@quiet_option
@pass_state
def export_command(state: State, directory: Path) -> None:
    """Write the site as plain Markdown into DIRECTORY: docs/ and an mkdocs.yml without kb.

    Build it there with any generator that reads mkdocs.yml: `mkdocs build`, `properdocs
    build` or `zensical build`. DIRECTORY must be new, empty, or an earlier export.
    """
    from kb.site.export import export_site

    log = logging.getLogger("mkdocs.plugins.kb")  # the build's progress lines, as in a build
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    if not state.quiet:
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    started = time.perf_counter()
    try:
        written = export_site(state.config, directory,
                              warn=lambda text: click.echo(text, err=True))
    finally:
        log.removeHandler(handler)
    pages = sum(1 for p in written if p.suffix == ".md")
    click.echo(f"exported {plural(pages, 'page')} and {plural(len(written) - pages - 1, 'file')} into "
               f"{directory / 'docs'}, with {directory / 'mkdocs.yml'} "
               f"({time.perf_counter() - started:.1f} s)")
    click.echo(f"build it with: cd {directory} && mkdocs build   (or properdocs build, "
               "zensical build)")
