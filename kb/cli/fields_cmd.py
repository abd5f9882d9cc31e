"""``kb fields``: the front-matter fields of every file kind and the reading kinds."""

from __future__ import annotations

import click

from kb.cli.app import cli, echo_json


@cli.command("fields")
@click.option("--json", "as_json", is_flag=True,
              help="Print the reference as JSON (per model: file, fields with type, required, "
                   "default, limits and description; the reading kinds).")
def fields_command(as_json: bool) -> None:
    """List the front-matter fields of papers, sessions, readings and posters, and the reading
    kinds (required, optional, background, presentation).

    Read from kb's models, so the list is always the one kb check validates against.
    """
    from kb.model.fields import as_json as reference_json
    from kb.model.fields import reference

    if as_json:
        echo_json(reference_json())
    else:
        click.echo("\n".join(reference()))
