"""Each first-hour mistake ends in one or two plain lines naming the setting, and a non-zero exit."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from oc_connector.cli import main
from oc_connector_sandbox import Sandbox

KEY = "mistake-key-0123456789abcdef"


@pytest.fixture(scope="module")
def shop() -> Iterator[Sandbox]:
    sb = Sandbox.start(orders=5, port=0)
    yield sb
    sb.stop()


def _env(sb: Sandbox, tmp_path: Path, **extra: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        "OPENCART_URL": sb.url, "OPENCART_API_KEY": sb.api_key, "OPENCART_ADMIN_USERNAME": sb.admin_username,
        "OPENCART_ADMIN_PASSWORD": sb.admin_password, "WAREHOUSE_URL": f"sqlite:///{tmp_path / 'wh.db'}",
        "OPENCART_ALLOW_INSECURE_HTTP": None,
    }
    return env | extra


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error:")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "code", "expected"),
    [
        ("sqlite:///{tmp}/no/such/folder/wh.db", 2, "the folder '{tmp}/no/such/folder' does not exist"),
        ("postgres://u:pw-secret@127.0.0.1/db", 2, "SQLAlchemy does not know the scheme postgres://; "
                                                   "write postgresql://u:***@127.0.0.1/db"),
        ("oc_warehouse.db", 2, "is a file name, not a database URL: for a SQLite file write "
                               "WAREHOUSE_URL=sqlite:///oc_warehouse.db"),
        ("postgresql+psycopg://u:pw-secret@127.0.0.1:{port}/db", 1,
         "is PostgreSQL running at 127.0.0.1:{port}?"),
    ],
    ids=["missing-folder", "postgres-scheme", "bare-file-name", "postgres-down"],
)
def test_a_bad_warehouse_url_is_one_line_naming_it(
    shop: Sandbox, tmp_path: Path, url: str, code: int, expected: str
) -> None:
    port = _free_port()
    url = url.format(tmp=tmp_path, port=port)
    result = CliRunner().invoke(main, ["sync", "--no-admin"], env=_env(shop, tmp_path, WAREHOUSE_URL=url))
    assert result.exit_code == code, result.output
    errors = _errors(result.output)
    assert len(errors) == 1 and len(result.output.strip().splitlines()) <= 2, result.output
    assert "WAREHOUSE_URL" in errors[0] and expected.format(tmp=tmp_path, port=port) in errors[0]
    assert "pw-secret" not in result.output and "Traceback" not in result.output


def test_verbose_shows_the_traceback(shop: Sandbox, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://u:pw-secret@127.0.0.1:{_free_port()}/db"
    env = _env(shop, tmp_path, WAREHOUSE_URL=url)
    result = CliRunner().invoke(main, ["-v", "sync", "--no-admin"], env=env)
    assert result.exit_code == 1
    assert "Traceback" in result.output and "OperationalError" in result.output
    assert "pw-secret" not in result.output


def test_plain_http_off_loopback_names_the_variable(shop: Sandbox, tmp_path: Path) -> None:
    env = _env(shop, tmp_path, OPENCART_URL="http://shop.example.com/")
    result = CliRunner().invoke(main, ["sync"], env=env)
    assert result.exit_code == 1
    assert _errors(result.output) == [
        "Error: refusing plain http:// to the non-loopback host shop.example.com: the API key and token "
        "would travel unencrypted; use https://, or set OPENCART_ALLOW_INSECURE_HTTP=1 "
        "(allow_insecure_http=True) if you accept that"
    ]


def test_a_wrong_port_asks_whether_the_shop_runs_there(shop: Sandbox, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/"
    result = CliRunner().invoke(main, ["sync", "--no-admin"], env=_env(shop, tmp_path, OPENCART_URL=url))
    assert result.exit_code == 1
    host = url.removeprefix("http://").rstrip("/")
    assert _errors(result.output) == [
        f"Error: could not connect to {host}: connection refused; is the shop running at {url}?"
    ]


def test_a_wrong_admin_password_fails_check(shop: Sandbox, tmp_path: Path) -> None:
    env = _env(shop, tmp_path, OPENCART_ADMIN_PASSWORD="wrong-pw")
    result = CliRunner().invoke(main, ["check"], env=env)
    assert result.exit_code == 1
    assert ("FAIL  admin login: admin login refused for user 'admin': wrong username or password: "
            "check OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD") in result.output
    assert "wrong-pw" not in result.output


def test_vouchers_without_admin_credentials_suggest_the_order_channel(shop: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "v.csv"
    src.write_text("request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message\n"
                   "k1,Ann,a@x.io,Shop,s@x.io,10,8,hi\n", encoding="utf-8")
    env = _env(shop, tmp_path, OPENCART_ADMIN_USERNAME=None, OPENCART_ADMIN_PASSWORD=None)
    result = CliRunner().invoke(main, ["vouchers", "issue", str(src)], env=env)
    assert result.exit_code == 2
    assert "OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD (not set)" in result.output
    assert "--channel order" in result.output


def test_check_passes_item_by_item(shop: Sandbox, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check"], env=_env(shop, tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "OK    OpenCart version: OpenCart 3.0 (detected: api/login answered)" in lines
    assert [line.split(":")[0] for line in lines] == [
        "OK    API login", "OK    OpenCart version", "OK    API token", "OK    admin login",
        "OK    admin permission for history", "OK    admin permission for lines",
        "OK    admin permission for coupons", "OK    admin permission for vouchers", "OK    warehouse",
    ]


def test_check_names_a_missing_permission(tmp_path: Path) -> None:
    with Sandbox.start(orders=3, port=0) as sb:
        perms = ["sale/order", "sale/voucher", "marketing/coupon"]
        sb.execute("UPDATE oc_user_group SET permission = ? WHERE user_group_id = 1",
                   (json.dumps({"access": perms, "modify": ["sale/order", "sale/voucher"]}),))
        result = CliRunner().invoke(main, ["check"], env=_env(sb, tmp_path))
        assert sb.query("SELECT COUNT(*) AS n FROM oc_coupon") == [{"n": 0}]  # the probe wrote nothing
    assert result.exit_code == 1
    assert ("FAIL  admin permission for coupons: coupons push needs modify marketing/coupon: grant it under "
            "Admin > System > Users > User Groups") in result.output
    assert "OK    admin permission for vouchers" in result.output
    assert _errors(result.output) == ["Error: 1 check(s) failed: admin permission for coupons"]


def test_check_reports_the_warehouse_down(shop: Sandbox, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://u:pw-secret@127.0.0.1:{_free_port()}/db"
    result = CliRunner().invoke(main, ["check"], env=_env(shop, tmp_path, WAREHOUSE_URL=url))
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if x.startswith("FAIL  warehouse"))
    assert "cannot connect" in line and "is PostgreSQL running at" in line and "pw-secret" not in line
    assert "OK    API login" in result.output


def test_check_help_lists_the_variables() -> None:
    out = CliRunner().invoke(main, ["check", "--help"]).output
    for name in ("OPENCART_URL", "OPENCART_API_KEY", "OPENCART_ADMIN_USERNAME", "OPENCART_ADMIN_PASSWORD",
                 "OPENCART_ALLOW_INSECURE_HTTP", "WAREHOUSE_URL"):
        assert name in out


def test_every_option_has_help() -> None:
    import click

    def walk(cmd: click.Command, path: str) -> Iterator[str]:
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.help and param.name not in ("help", "version"):
                yield f"{path} {param.opts[0]}"
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None, name
                yield from walk(sub, f"{path} {name}")

    assert list(walk(main, "oc-connector")) == []
    assert {"sync", "check", "vouchers", "coupons", "demo", "sandbox"} <= set(main.commands)


def test_sync_uses_the_shops_timezone_and_says_so(shop: Sandbox, tmp_path: Path) -> None:
    shop.set_setting("config_timezone", "Europe/Berlin")
    try:
        result = CliRunner().invoke(main, ["sync", "--lookback-days", "1", "--final-statuses", "5,7"],
                                    env=_env(shop, tmp_path))
    finally:
        shop.set_setting("config_timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert "shop timezone Europe/Berlin (the shop's admin settings)" in result.output
    plain = CliRunner().invoke(main, ["sync", "--no-admin"], env=_env(shop, tmp_path))
    assert "shop timezone UTC (default: no admin credentials" in plain.output
    assert "probe: " in plain.output and "ids/s" in plain.output  # not a terminal: plain lines


def test_progress_with_a_terminal_draws_a_bar_with_total_rate_and_time_left() -> None:
    import io

    from oc_connector.cli.progress import SyncProgressDisplay
    from oc_connector.sync.options import SyncProgress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    with SyncProgressDisplay(stream) as show:
        show(SyncProgress(phase="reread", ids_read=100, total_hint=400, current_id=100, hwm=900))
        show(SyncProgress(phase="reread", ids_read=400, total_hint=400, current_id=400, hwm=900))
        show(SyncProgress(phase="probe", ids_read=450, total_hint=None, current_id=950, hwm=900))
    out = stream.getvalue()
    assert "\x1b[" in out  # drawn with terminal control codes
    assert "400/400" in out and "ids/s" in out and "left" in out
    assert "probe" in out and "50/?" in out and "at order 950, mark 900" in out


def test_progress_without_a_terminal_prints_plain_lines() -> None:
    import io

    from oc_connector.cli.progress import SyncProgressDisplay
    from oc_connector.sync.options import SyncProgress

    ticks = iter([0.0, 10.0, 20.0, 21.0, 30.0])
    stream = io.StringIO()
    with SyncProgressDisplay(stream, clock=lambda: next(ticks), interval=5.0) as show:
        show(SyncProgress(phase="reread", ids_read=100, total_hint=400, current_id=100, hwm=900))
        show(SyncProgress(phase="reread", ids_read=200, total_hint=400, current_id=200, hwm=900))
        show(SyncProgress(phase="reread", ids_read=210, total_hint=400, current_id=210, hwm=900))
        show(SyncProgress(phase="probe", ids_read=450, total_hint=None, current_id=950, hwm=900))
    assert stream.getvalue().splitlines() == [
        "reread: 100/400 ids, 10.0 ids/s, 30s left, at order 100, mark 900",
        "reread: 200/400 ids, 10.0 ids/s, 20s left, at order 200, mark 900",
        "probe: 240 ids, 26.7 ids/s, at order 950, mark 900",
    ]
