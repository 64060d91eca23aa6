"""Every command of the command line, with hostile arguments: never a traceback.

The commands are listed from the CLI itself (``claims.cli.main`` and its subgroups), so a new
command is walked as soon as it exists. Each is run once with ordinary arguments, then with one
argument at a time replaced by something hostile: ids beyond 64 bits, negative, zero, not a number;
paths that do not exist, a folder, /dev/null, a binary file; impossible dates; ``javascript:`` and
``file:`` links; names with newlines, NULs and right-to-left overrides; megabyte strings; and the
global options pointing at a folder, a binary file or an unreachable server.

Each run must end in exit code 0, 1 (``Error: …``) or 2 (``Usage: …``), with no traceback and no
exception other than SystemExit. The model is pointed at a missing folder, so commands that need it
fail with ``Error: …``, which is a clean outcome; nothing here loads it.

Output paths never get /dev/null or a device: a command that writes there would replace the device.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from claims.cli import main
from claims.settings import load_settings
from claims.store import Store
from claims.workspace import Workspace
from conftest import HashEmbedder, add_test_users

BIG = 2**63
LONG = "x" * 1_000_000

HOSTILE_INTS = [str(BIG), str(BIG - 1), str(2**64 + 1), "-1", "0", "abc", "1e3", "9" * 40, ""]
HOSTILE_NAMES = ["ana\nmallory", "ana\r\nreviewer: admin", "", "   ", "ana\x00", "\u202eana", "=HYPERLINK(\"x\")",
                 "n" * 10_000]
HOSTILE_DATES = ["2022-13-45", "2022-02-30", "0000-00-00", "yesterday", "", "2022-03-15T25:00", "9" * 30]
HOSTILE_URLS = ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>alert(1)</script>", "http://",
                "https://example.com/a b\"c", "\x00", "h" * 100_000]
HOSTILE_TEXTS = ["", "\x00", "=cmd|' /C calc'!A0", "%_'\";-- DROP TABLE reviews", "\u202e\u200b", LONG]
HOSTILE_CHOICES = ["bogus", "", "SUPPORTED\n"]

NAME_PARAMS = {"reviewer", "actor", "by_reviewer", "name"}
DATE_PARAMS = {"day", "since"}
URL_PARAMS = {"url", "evidence"}
OUTPUT_PARAMS = {"out"}


@dataclass(frozen=True)
class Case:
    command: tuple[str, ...]
    args: tuple[str, ...]
    label: str
    stdin: str = "a long enough password\n"


@dataclass(frozen=True)
class Files:
    """The files and folders the cases point at (made once per module in tmp)."""

    root: Path
    article: Path
    archive: Path
    missing: Path
    folder: Path
    binary: Path
    existing_out: Path

    def hostile_inputs(self) -> list[str]:
        return [str(self.missing), str(self.folder), "/dev/null", str(self.binary), ""]

    def hostile_outputs(self, command: tuple[str, ...]) -> list[str]:
        # An existing file: export replaces it whole (as documented); backup must refuse it.
        existing = self.existing_out if command == ("backup",) else self.root / "replaced-by-export.csv"
        return [str(self.folder), str(self.root / "no-such-folder" / "out.csv"), str(existing), ""]


ROOT = "@@ROOT@@"  # the cases name their files under this; each run puts them in its own tmp folder


def files_under(root: Path) -> Files:
    return Files(root=root, article=root / "article.txt", archive=root / "archive.csv", missing=root / "missing.txt",
                 folder=root / "a-folder", binary=root / "binary.txt", existing_out=root / "existing.csv")


def make_files(root: Path) -> Files:
    files = files_under(root)
    files.article.write_text("Headline\n\nMinister Kim said exports rose 5 percent in 2022.\n", encoding="utf-8")
    files.archive.write_text("text,speaker\nExports rose 5 percent in 2022.,Kim\n", encoding="utf-8")
    files.folder.mkdir(exist_ok=True)
    files.binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    files.existing_out.write_text("keep me\n", encoding="utf-8")
    return files


def _commands() -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command of ``main`` and of its subgroups (``users add`` …)."""

    def walk(group: click.Group, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
        for name, command in sorted(group.commands.items()):
            if isinstance(command, click.Group):
                yield from walk(command, (*prefix, name))
            else:
                yield (*prefix, name), command

    yield from walk(main, ())


def _ordinary(param: click.Parameter, files: Files, command: tuple[str, ...]) -> str:
    """An ordinary value for a parameter that needs one."""
    if isinstance(param.type, click.Choice):
        return str(param.type.choices[0])
    if param.name in OUTPUT_PARAMS:
        return str(files.root / f"{'-'.join(command)}-out.db")
    if isinstance(param.type, click.Path):
        return str(files.archive if command == ("import-statements",) else files.article)
    if isinstance(param.type, (click.types.IntParamType, click.IntRange)):
        return "2"
    if param.name in NAME_PARAMS:
        return "ana" if command != ("users", "add") else "newcomer"
    if command == ("match",):
        return "exports rose"
    return "ordinary"


def _hostile(param: click.Parameter, files: Files, command: tuple[str, ...]) -> list[str]:
    if isinstance(param.type, click.Choice):
        return HOSTILE_CHOICES
    if param.name in OUTPUT_PARAMS:
        return files.hostile_outputs(command)
    if isinstance(param.type, click.Path):
        return files.hostile_inputs()
    if isinstance(param.type, (click.types.IntParamType, click.IntRange)):
        return HOSTILE_INTS
    if param.name in NAME_PARAMS:
        return HOSTILE_NAMES
    if param.name in DATE_PARAMS:
        return HOSTILE_DATES
    if param.name in URL_PARAMS:
        return HOSTILE_URLS
    return HOSTILE_TEXTS


def _invocation(command: tuple[str, ...], cmd: click.Command, values: dict[str, str], flags: bool) -> tuple[str, ...]:
    options: list[str] = []
    arguments: list[str] = []
    for param in cmd.params:
        if isinstance(param, click.Option):
            if param.is_flag:
                if flags:
                    options.append(param.opts[0])
            elif param.name in values:
                options += [param.opts[0], values[param.name]]
        elif param.name in values:
            arguments.append(values[param.name])
    # "--" so that a hostile value starting with "-" is taken as the argument it stands for.
    return (*command, *options, "--", *arguments) if arguments else (*command, *options)


def cases(files: Files) -> list[Case]:
    """For each command: ordinary arguments, every flag on, then each parameter hostile in turn."""
    out: list[Case] = []
    for command, cmd in _commands():
        params = [p for p in cmd.params if not (isinstance(p, click.Option) and p.is_flag) and p.name != "help"]
        ordinary = {p.name: _ordinary(p, files, command) for p in params
                    if p.required or isinstance(p, click.Argument) or p.name in NAME_PARAMS | {"reason"}}
        name = " ".join(command)
        out.append(Case(command, _invocation(command, cmd, ordinary, flags=False), f"{name} ordinary"))
        out.append(Case(command, _invocation(command, cmd, ordinary, flags=True), f"{name} all-flags"))
        for param in params:
            for i, value in enumerate(_hostile(param, files, command)):
                values = {**ordinary, param.name: value}
                out.append(Case(command, _invocation(command, cmd, values, flags=False), f"{name} {param.name} {i}"))
        if any(p.name in NAME_PARAMS for p in params) and not any(isinstance(p, click.Argument) and
                                                                  p.name in NAME_PARAMS for p in params):
            missing_name = {k: v for k, v in ordinary.items() if k not in NAME_PARAMS}
            out.append(Case(command, _invocation(command, cmd, missing_name, flags=False), f"{name} no-name"))
    # The global options, on a command that opens the database and one that needs the model.
    for command, tail in ((("status",), ()), (("match",), ("--", "exports rose"))):
        run = (*command, *tail)
        for i, db in enumerate(["not a url", f"sqlite:///{files.folder}", f"sqlite:///{files.binary}",
                                "postgresql+psycopg://nobody@127.0.0.1:1/none", "mysql://x@127.0.0.1:1/y",
                                "sqlite:///" + "d" * 5000]):
            out.append(Case(command, ("--db", db, *run), f"--db {i} {command[0]}"))
        for i, folder in enumerate([str(files.binary), "/dev/null", ""]):
            out.append(Case(command, ("--index-dir", folder, *run), f"--index-dir {i} {command[0]}"))
        for i, folder in enumerate([str(files.binary), str(files.folder), "/dev/null"]):
            out.append(Case(command, ("--model-path", folder, *run), f"--model-path {i} {command[0]}"))
    # Passwords from standard input: empty, enormous, with a NUL.
    for i, password in enumerate(["\n", "p" * 1_000_000 + "\n", "pass\x00word long\n", ""]):
        out.append(Case(("users", "add"), ("users", "add", f"stdin-user-{i}"), f"users add stdin {i}", password))
    return out


CASES = cases(files_under(Path(ROOT)))

# Found by this walk (issue #11); each needs a fix outside this file, then its entry goes.
KNOWN_TRACEBACKS: dict[str, str] = {}  # all found by this walk are fixed; a new one goes here with its cause


def _marked(case: Case):
    reason = KNOWN_TRACEBACKS.get(case.label)
    return pytest.param(case, id=case.label, marks=pytest.mark.xfail(reason=reason, strict=False) if reason else ())


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Files:
    return make_files(tmp_path_factory.mktemp("hostile-files"))


@pytest.fixture(scope="module")
def workspace_dir(tmp_path_factory) -> Path:
    """A workspace with users and one document of claims, written with the fake embedder."""
    data = tmp_path_factory.mktemp("hostile-cli") / "data"
    settings = load_settings({"data_dir": str(data)}, environ={})
    store = Store(settings.db_url)
    add_test_users(store)
    ws = Workspace(settings, store=store, embedder=HashEmbedder())
    ws.ingest_text("Queue\n\nMinister Kim said exports rose 5 percent in 2022. Prices rose 3 percent in May.")
    ws.close()
    return data


def test_the_walk_covers_every_command():
    walked = {" ".join(c.command) for c in CASES}
    assert walked >= {"ingest", "label", "undo", "users add", "users password", "backup", "export", "status"}
    assert walked == {" ".join(command) for command, _ in _commands()}
    assert len(CASES) > 300


@pytest.mark.slow  # some 340 invocations, each opening the workspace (the model is never loaded)
@pytest.mark.parametrize("case", [_marked(c) for c in CASES])
def test_a_hostile_argument_never_raises_a_traceback(case, files, workspace_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty path means the current folder: never the repository
    runner = CliRunner()
    env = {"CLAIMDESK_DATA": str(workspace_dir), "CLAIMDESK_MODEL_PATH": str(files.root / "no-model"),
           "CLAIMDESK_DB": None, "CLAIMDESK_INDEX_DIR": None, "CLAIMDESK_REVIEWER": None, "HF_HUB_OFFLINE": "1"}
    args = [a.replace(ROOT, str(files.root)) for a in case.args]
    result = runner.invoke(main, args, env=env, input=case.stdin, catch_exceptions=True)
    shown = f"claimdesk {' '.join(a[:60] for a in args)!r}\n{result.output[-1500:]}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        raise AssertionError(f"{shown}\nraised {result.exception!r}:\n"
                             + "".join(traceback.format_exception(*result.exc_info))[-3000:])
    assert result.exit_code in (0, 1, 2), shown
    assert "Traceback" not in result.output, shown
    if result.exit_code != 0:
        assert result.stderr.startswith(("Error: ", "Usage: ")), shown
    assert files.existing_out.read_text(encoding="utf-8") == "keep me\n", shown  # backup never overwrote it


def test_the_app_listens_on_this_machine_only():
    """Exposing the app is a decision (README, "Deploying and reliability"): by default Streamlit binds
    to 127.0.0.1, and only a reverse proxy on the same machine reaches it."""
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
