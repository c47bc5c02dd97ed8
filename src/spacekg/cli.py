"""The ``spacekg`` command line: a thin shell over the pipeline and the server.

Exit codes: 0 success; 1 the graph does not conform (``validate``); 2 any other error, with
a message naming the file, line or IRI at fault.
"""

from __future__ import annotations

import sys

import click

from spacekg.errors import SpacekgError, ValidationFailed


@click.group()
@click.version_option(package_name="spacekg")
def cli():
    """Build, check and serve the spacekg knowledge graph."""


def main(argv=None):
    """Entry point of the ``spacekg`` console script."""
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except ValidationFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except SpacekgError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    sys.exit(0)


def _register():
    """Attach the sub-commands defined in their own modules (imported lazily by click)."""
    import importlib

    for module in ("spacekg.commands.build", "spacekg.server.cli", "spacekg.commands.quality",
                   "spacekg.commands.links", "spacekg.commands.add"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a stage not written yet
            if exc.name and exc.name.startswith("spacekg"):
                continue
            raise
        for command in getattr(mod, "COMMANDS", ()):
            cli.add_command(command)


_register()
