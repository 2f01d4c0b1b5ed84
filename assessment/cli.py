"""The ``desa-digital`` command: a Flask CLI group built on :func:`assessment.create_app`.

Every data task is a sub-command. Each module in :mod:`assessment.commands` contributes its commands through a
``register(app)`` function, so adding a command never means editing this file.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from assessment import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False,
             help="Penilaian Desa Digital — perintah administrasi dan data.")
def main() -> None:
    """Entry point of the console script."""
