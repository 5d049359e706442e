"""The command line of CONTRACT.md section 2: `python -m sgoversight COMMAND …`.

Exit codes: 0 success, 2 bad input (nothing written), 1 any other failure. Errors go to stderr,
results to stdout. DATABASE_URL selects the database. A database set up by a newer version of the
application is refused before any command reads or writes it (exit 1). A command writing a file
(`--out`) never replaces an existing one unless given `--force`. Each command imports only what
it uses: `score` on SQLite loads no pandas, SQLAlchemy, pydantic or Streamlit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sgoversight.auth import SYSTEM, Role
from sgoversight.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sgoversight.store.read import Connection

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
IMPORT_KINDS = ("providers", "alerts", "concerns", "plans", "actions", "training", "cqc-ratings")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error, which is the contract's bad-input code already."""


class DatabaseUnusable(Exception):
    """This version of the application must not read or write the database; says why."""


def get_engine() -> Engine:
    """The process-wide engine for DATABASE_URL; loads SQLAlchemy, so only the commands that
    work through it call this."""
    from sgoversight.store.db import get_engine as engine_for

    return engine_for()


def _database(*, creates: bool = False) -> Engine:
    """The configured database, once it is known this version may use it.

    Rule: a database stamped by a schema revision this version does not know (set up by a newer
    version) is refused before anything reads or writes it. A command that creates the database
    (`creates`: init-db, restore) also makes its folder; no other command creates anything.
    """
    from sgoversight.store.db import create_folder
    from sgoversight.store.migrate import newer_schema_problem

    engine = get_engine()
    problem = newer_schema_problem(engine)
    if problem is not None:
        raise DatabaseUnusable(problem)
    if creates:
        create_folder(engine)
    return engine


def _indent(text: str) -> int:
    """`--indent N`: a whole number of spaces from 0 to 8."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 8:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of spaces from 0 to 8")
    return value


def _output_options(parser: argparse.ArgumentParser) -> None:
    """`--format table|csv|json` and `--indent N` of the commands that print a report: JSON is
    compact (one line) unless --indent asks for N spaces per level, for people to read."""
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument(
        "--indent",
        type=_indent,
        default=None,
        metavar="N",
        help="JSON only: indent N spaces per level, for people (default: compact, one line)",
    )


def _new_file(out: str, force: bool) -> Path:
    """The path `out` for a command to write, checked before anything is read: an existing file
    is replaced only with --force, and a folder never."""
    path = Path(out)
    if path.is_dir():
        raise BadInput(f"{path}: is a folder; give a file name")
    if path.exists() and not force:
        raise BadInput(
            f"{path}: already exists; choose a new file name, or add --force to replace it"
        )
    return path


def _init_db(_args: argparse.Namespace) -> int:
    from sgoversight.store.migrate import current_revision, upgrade

    engine = _database(creates=True)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    if before == after:
        print(f"Database already at the newest schema ({after}).")
    else:
        print(f"Database migrated from {before or 'empty'} to {after}.")
    return EXIT_OK


def _demo_data(args: argparse.Namespace) -> int:
    from sgoversight.demo.load import is_empty, load_demo

    engine = _database()
    if args.if_empty and not is_empty(engine):
        print("Database already holds data; demo borough not loaded.")
        return EXIT_OK
    summary = load_demo(engine, seed=args.seed, as_of=args.as_of)
    print(summary)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from sgoversight.intake.importing import import_file

    path = Path(args.file)
    # The Care Quality Commission's ratings file (sgoversight.intake.cqc).
    if args.kind == "cqc-ratings":
        from sgoversight.intake.cqc import run_command

        return run_command(_database(), path, actor=SYSTEM, dry_run=args.dry_run)
    report = import_file(_database(), args.kind, path, actor=SYSTEM, dry_run=args.dry_run)
    for line in report.unknown_column_messages():
        print(line, file=sys.stderr)
    if not report.ok:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        # Each unknown header and value once, with the mapping line that would read it.
        for line in report.hint_lines():
            print(line, file=sys.stderr)
        print(report.summary(), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report.summary())
    return EXIT_OK


def _date(value: str) -> dt.date:

    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date YYYY-MM-DD") from exc


@contextmanager
def _plain_reader() -> Iterator[Connection]:
    """A plain DB-API read connection to the configured database (sgoversight.store.read), once this
    version may read it, for the commands that load no pandas, SQLAlchemy or pydantic: a
    database set up by a newer version is refused in newer_schema_problem's words (exit 1)."""
    from sgoversight.paths import database_url, shown_url
    from sgoversight.store import read
    from sgoversight.store.migrate import newer_schema_problem_in

    url = database_url()
    with read.connect(url) as connection:
        problem = newer_schema_problem_in(connection, shown_url(url))
        if problem is not None:
            raise DatabaseUnusable(problem)
        yield connection


def _weekly_report(args: argparse.Namespace) -> int:
    from sgoversight.weekly import read as weekly_read
    from sgoversight.weekly import rules as weekly

    # Parsed before the database is touched, so a bad week is exit 2 even with no database.
    week = weekly.as_week(args.week)
    with _plain_reader() as connection:
        report = weekly_read.report_for_week(connection, week)
    sys.stdout.write(weekly.render_report(report, args.format, args.indent))
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    from sgoversight.board import read as scoring_read
    from sgoversight.board import rules as scoring
    from sgoversight.paths import database_url

    # Parsed before the database is touched, so a bad month is exit 2 even with no database.
    month = scoring.as_board_month(args.month)
    with _plain_reader() as connection:
        ratings = scoring_read.score_from_connection(
            connection,
            month,
            actor=SYSTEM,
            opener=scoring_read.more_connections(database_url()),
        )
    sys.stdout.write(scoring.render_ratings(ratings, args.format, indent=args.indent))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from sgoversight.board import rules as scoring
    from sgoversight.board.pack import export_board_pack

    month = scoring.as_board_month(args.month)
    out = export_board_pack(_database(), SYSTEM, month, _new_file(args.out, args.force))
    print(f"Board pack for {month.label} written to {out}.")
    return EXIT_OK


def _standards(args: argparse.Namespace) -> int:
    from sgoversight.standards import read as standards_read
    from sgoversight.standards import rules as standards

    # Parsed before the database is touched, so a bad quarter is exit 2 even with no database.
    quarter = standards.as_quarter(args.quarter)
    with _plain_reader() as connection:
        results = standards_read.scorecard_from_database(connection, quarter, actor=SYSTEM)
    sys.stdout.write(
        standards.render_scorecard(
            results, args.format, quarter=quarter, suppress=args.suppress, indent=args.indent
        )
    )
    return EXIT_OK


def _national_return(args: argparse.Namespace) -> int:
    from sgoversight.standards import national_return

    # Checked before the database is touched, so a bad year or path is exit 2 with nothing written.
    year = national_return.parse_year(args.year)
    out = national_return.xlsx_path(args.out)
    _new_file(args.out, args.force)
    tables = national_return.national_return_from_database(_database(), year, actor=SYSTEM)
    out.write_bytes(national_return.national_return_xlsx(tables, year, suppress=args.suppress))
    label = national_return.financial_year(year).label
    shown = "counts below 5 shown as <5" if args.suppress else "exact counts, not for sharing"
    print(f"Safeguarding Adults Collection return {label} written to {out} ({shown}).")
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    from sgoversight.store.backup import backup

    out = _new_file(args.out, args.force)
    summary = backup(_database(), out, SYSTEM, replace=args.force)
    print(f"Backup written to {args.out}: {summary}.")
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from sgoversight.store.backup import restore

    summary = restore(_database(creates=True), args.file, SYSTEM)
    print(f"Restored from {args.file}: {summary}.")
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    """The new password: one line on stdin with --password-stdin (for scripts), else typed twice
    at a hidden prompt. Never a command-line argument, so it stays out of shell history and `ps`."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("New password: ")
    if getpass.getpass("Type it again: ") != password:
        raise BadInput("the two passwords are not the same")
    return password


def _users_add(args: argparse.Namespace) -> int:
    from sgoversight import users

    engine = _users_engine()
    password = _read_password(args)
    added = users.add_user(
        engine,
        SYSTEM,
        args.username,
        args.name,
        args.email,
        password,
        args.role,
        args.provider_id,
    )
    print(f"User {added.username} added ({', '.join(added.roles)}).")
    return EXIT_OK


def _users_engine() -> Engine:
    """The database, with the seed accounts copied in if it has none yet."""
    from sgoversight import users

    engine = _database()
    users.seed_users(engine)
    return engine


def _users_change(change: str, done: str) -> Callable[[argparse.Namespace], int]:
    """A `users` subcommand that applies sgoversight.users.`change` to one username as the
    system actor and prints `done` (with {username})."""

    def handler(args: argparse.Namespace) -> int:
        from sgoversight import users

        engine = _users_engine()
        changed = getattr(users, change)(engine, SYSTEM, args.username)
        print(done.format(username=changed.username))
        return EXIT_OK

    return handler


_users_disable = _users_change("disable_user", "User {username} is disabled: they cannot sign in.")
_users_enable = _users_change("enable_user", "User {username} is enabled.")
_users_unlock = _users_change("unlock_user", "User {username} is unlocked.")


def _users_reset_password(args: argparse.Namespace) -> int:
    from sgoversight import users

    engine = _users_engine()
    if users.account(engine, args.username) is None:  # before asking for a password
        raise BadInput(f"username: there is no user called {args.username}")
    password = _read_password(args)
    changed = users.reset_password(engine, SYSTEM, args.username, password)
    print(f"Password for {changed.username} changed.")
    return EXIT_OK


def _users_list(_args: argparse.Namespace) -> int:
    from sgoversight import users

    engine = _users_engine()
    now = users.utc_now()
    rows = [("USERNAME", "NAME", "ROLES", "PROVIDER", "STATUS", "FAILED")]
    for found in users.list_users(engine, SYSTEM):
        if found.disabled:
            status = "disabled"
        elif found.locked_until is not None and found.locked(now):
            status = f"locked until {users.clock_time(found.locked_until)}"
        else:
            status = "enabled"
        if found.demo:
            status += " (demo)"
        rows.append(
            (
                found.username,
                found.name,
                ",".join(found.roles),
                found.provider_id or "-",
                status,
                str(found.failed_logins),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return EXIT_OK


_FORCE_HELP = "replace FILE if it exists (without it an existing file is never overwritten)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sgoversight", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("init-db", help="create or migrate the schema (idempotent)")
    p.set_defaults(handler=_init_db)

    p = commands.add_parser("demo-data", help="load the synthetic demo borough")
    p.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same borough)")
    p.add_argument("--as-of", type=_date, default=None, help="last day of the demo data (today)")
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no data")
    p.set_defaults(handler=_demo_data)

    p = commands.add_parser(
        "import",
        help="import a contract file (CSV or XLSX) or the CQC ratings file, all or nothing",
    )
    p.add_argument("kind", choices=IMPORT_KINDS, metavar="KIND", help=", ".join(IMPORT_KINDS))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    p.set_defaults(handler=_import)

    p = commands.add_parser("weekly-report", help="the weekly safeguarding data report")
    p.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2026-W47")
    _output_options(p)
    p.set_defaults(handler=_weekly_report)

    p = commands.add_parser("score", help="the Provider Oversight Board's RAG table for a month")
    p.add_argument(
        "--month", required=True, metavar="YYYY-MM", help="the Board month, e.g. 2026-10"
    )
    _output_options(p)
    p.set_defaults(handler=_score)

    p = commands.add_parser("export", help="write a pack for a meeting")
    exports = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    q = exports.add_parser("board-pack", help="the Provider Oversight Board pack (.xlsx or .pdf)")
    q.add_argument("--month", required=True, metavar="YYYY-MM", help="the Board month")
    q.add_argument("--out", required=True, metavar="FILE", help="FILE.xlsx or FILE.pdf")
    q.add_argument("--force", action="store_true", help=_FORCE_HELP)
    q.set_defaults(handler=_export)

    p = commands.add_parser("standards", help="the six safeguarding standards scorecard")
    p.add_argument("--quarter", required=True, metavar="YYYY-Qn", help="e.g. 2026-Q3")
    _output_options(p)
    p.add_argument(
        "--suppress", action="store_true", help="show counts below 5 as <5 (for sharing outside)"
    )
    p.set_defaults(handler=_standards)

    p = commands.add_parser(
        "national-return", help="the annual Safeguarding Adults Collection (SAC) tables as XLSX"
    )
    p.add_argument("--year", required=True, metavar="YYYY", help="2025 for April 2025-March 2026")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.add_argument(
        "--suppress", action="store_true", help="show counts below 5 as <5 (for sharing outside)"
    )
    p.set_defaults(handler=_national_return)

    p = commands.add_parser("backup", help="write a consistent copy of the database (app may run)")
    p.add_argument("--out", required=True, metavar="FILE", help="new SQLite file to write")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(handler=_backup)

    p = commands.add_parser("restore", help="load a backup into an empty database, all or nothing")
    p.add_argument("file", metavar="FILE", help="a file written by `backup`")
    p.set_defaults(handler=_restore)

    p = commands.add_parser("users", help="add, disable, enable, unlock or list users")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("add", help="add a user (the password is asked for, never an argument)")
    q.add_argument("username", metavar="USERNAME")
    q.add_argument("--name", required=True, help="the name shown in the app")
    q.add_argument("--email", required=True)
    q.add_argument(
        "--role",
        required=True,
        action="append",
        choices=[role.value for role in Role],
        metavar="ROLE",
        help="repeat for several: " + ", ".join(role.value for role in Role),
    )
    q.add_argument("--provider-id", default=None, help="required with --role provider")
    q.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (scripts)"
    )
    q.set_defaults(handler=_users_add)
    q = actions.add_parser("disable", help="stop a user signing in")
    q.add_argument("username", metavar="USERNAME")
    q.set_defaults(handler=_users_disable)
    q = actions.add_parser("enable", help="let a disabled user sign in again")
    q.add_argument("username", metavar="USERNAME")
    q.set_defaults(handler=_users_enable)
    q = actions.add_parser("unlock", help="end a lock-out after wrong passwords")
    q.add_argument("username", metavar="USERNAME")
    q.set_defaults(handler=_users_unlock)
    q = actions.add_parser("reset-password", help="give a user a new password")
    q.add_argument("username", metavar="USERNAME")
    q.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (scripts)"
    )
    q.set_defaults(handler=_users_reset_password)
    q = actions.add_parser("list", help="every user with roles and status (no password hashes)")
    q.set_defaults(handler=_users_list)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; turn bad input and failures into messages and exit codes."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except DatabaseUnusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:
        failure = f"{type(exc).__name__}: {exc}"
        problem = _schema_problem() if args.handler is not _init_db else None
        if problem is None:
            print(f"error: {failure}", file=sys.stderr)
        else:  # the likely cause first, then what failed, for whoever looks further
            print(f"error: {problem}", file=sys.stderr)
            print(f"(what failed: {failure.splitlines()[0]})", file=sys.stderr)
        return EXIT_FAILURE


def _schema_problem() -> str | None:
    """After a failure: the plain reason when the database has no schema or an older one (the
    usual cause of "no such table" on a first run), else None. Checked only once something has
    failed, so a working command never pays for it."""
    from sgoversight.store.migrate import schema_problem

    try:
        return schema_problem(get_engine())
    except Exception:  # the database cannot even be read: the original error says more
        return None
