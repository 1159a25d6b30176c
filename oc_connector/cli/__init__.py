"""The ``oc-connector`` command line. Configuration: the environment, read by oc_connector.settings."""

from __future__ import annotations

import gc
import logging
import sys

import click

from oc_connector.cli.errors import MainGroup, set_verbose
from oc_connector.secret import RedactingFilter, install_log_redaction

# Sub-commands: name -> "module:attribute", imported when invoked (``oc-connector sync`` never
# loads the reverse-ETL, the admin HTML parsers or the sandbox); one line each.
_COMMANDS = {
    "vouchers": "oc_connector.cli.reverse:vouchers",
    "coupons": "oc_connector.cli.reverse:coupons",
    "sync": "oc_connector.cli.sync:sync",
    "check": "oc_connector.cli.check:check",
    "demo": "oc_connector.cli.demo:demo",
    "sandbox": "oc_connector.cli.sandbox:sandbox",
}


@click.group(cls=MainGroup, lazy_commands=_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True,
              help="More log output (-v info and the traceback of an error, -vv debug).")
@click.version_option(package_name="oc-connector", prog_name="oc-connector")
def main(verbose: int) -> None:
    """Connect an OpenCart 3.0 shop to a SQL warehouse, both ways.

    Exit codes: 0 done; 1 failed (the message says what to do); 2 a bad option or variable;
    3 done but some input rows were rejected (see --allow-rejected).
    """
    set_verbose(verbose)
    level = logging.WARNING - 10 * min(verbose, 2)
    install_log_redaction()  # urllib3 logs request URLs (api_token included) at DEBUG
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def entry() -> None:
    """The ``oc-connector`` console script: :func:`main` in a process of its own.

    The sub-command named on the command line is imported first, then the objects all imports
    built are frozen out of the garbage collector (``gc.freeze``): they live as long as the
    process, and neither the collections during a sync nor the interpreter's exit walk them
    again (an exit after SQLAlchemy and the connector were imported spends ~0.15 s of CPU on it).
    """
    ctx = click.Context(main)
    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if name is not None:
        main.get_command(ctx, name)
    gc.freeze()
    main()
