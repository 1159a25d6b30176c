"""The ``oc-connector`` command line. Configuration: the environment, read by oc_connector.settings."""

from __future__ import annotations

import logging

import click

from oc_connector.cli.errors import MainGroup, set_verbose
from oc_connector.secret import RedactingFilter, install_log_redaction


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


# Sub-commands register themselves below, one line each.
# -- commands --
from oc_connector.cli.check import check  # noqa: E402
from oc_connector.cli.demo import demo  # noqa: E402
from oc_connector.cli.reverse import coupons, vouchers  # noqa: E402
from oc_connector.cli.sandbox import sandbox  # noqa: E402
from oc_connector.cli.sync import sync  # noqa: E402

main.add_command(vouchers)
main.add_command(coupons)
main.add_command(sync)
main.add_command(check)
main.add_command(demo)
main.add_command(sandbox)
