"""The ``pagewalk`` command.

Sub-commands live next to the layer they drive and register themselves here:
``demo`` (the story of the two texts on Linux demand paging, observe/demo.py),
``replay``/``mrc``/``record`` (trace/commands.py), ...  Errors that are the
user's (a bad size, a malformed trace) are printed as one line and exit with
status 2, whatever layer raised them; a KernelBug (the model's own bug) is one
line and status 70; never a traceback.
"""

from __future__ import annotations

import os
import sys
import warnings
from importlib import import_module

import typer

from .errors import InvalidArgument, KernelBug, PagewalkError

app = typer.Typer(
    name="pagewalk",
    help=("An executable model of Linux demand paging: watch every page fault take its "
          "path through the kernel (demo, run), and replay memory traces of real "
          "programs against N frames and a policy (replay, mrc, record)."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from . import __version__
        typer.echo(f"pagewalk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_print_version, is_eager=True),
) -> None:
    """pagewalk: Linux demand paging, executable."""


# The module that registers each sub-command: `pagewalk record ...` imports only
# the trace layer's commands, not the scenario runner, the explorer or the sweeps
# (tests/test_cli.py holds this table to what the modules register).
_MODULES = ("observe.demo", "scenario.commands", "trace.commands", "observe.thrash",
            "sweep.commands")
COMMAND_MODULES = {
    "demo": "observe.demo",
    "run": "scenario.commands", "validate": "scenario.commands",
    "scenarios": "scenario.commands",
    "replay": "trace.commands", "mrc": "trace.commands", "record": "trace.commands",
    "thrash": "observe.thrash",
    "sweep": "sweep.commands", "plot": "sweep.commands",
}
_registered: set[str] = set()


def _sub_command(argv: list[str]) -> str | None:
    """The sub-command ``argv`` starts with, or None (no word, or a root option such as
    --help first: ``pagewalk --help record`` shows the root's help, every command)."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def _register(argv: list[str] | None = None) -> None:
    """Each layer adds its own sub-commands, each module once (main() may be called
    many times in one process).  With ``argv`` naming a known sub-command, only its
    module; otherwise (no argv, --help, an unknown word: the help and click's
    "no such command" list them all) every module."""
    command = _sub_command(argv or [])
    wanted = (COMMAND_MODULES[command],) if command in COMMAND_MODULES else _MODULES
    for name in wanted:
        if name not in _registered:
            _registered.add(name)
            import_module(f".{name}", __package__).register(app)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings reach the user as one line on stderr, like errors."""
    sys.stdout.flush()
    print(f"pagewalk: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``pagewalk`` console script."""
    _register(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _show_warning
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort as exc:      # click's wrapper of EOFError and Ctrl-C
        cause = exc.__cause__ or exc.__context__
        if cause is None or isinstance(cause, KeyboardInterrupt):
            print("pagewalk: interrupted", file=sys.stderr)
            sys.exit(130)
        _fail(f"{type(cause).__name__}: {cause}")
    except InvalidArgument as exc:  # a bad argument: the message says what to write
        _fail(exc.strerror)
    except KernelBug as exc:        # the model's own bug, not the user's input
        print(f"pagewalk: internal error (a bug in pagewalk; please report it): "
              f"{_one_line(str(exc))}", file=sys.stderr)
        sys.exit(70)
    except (PagewalkError, ValueError, OSError) as exc:  # one line, never a traceback
        _fail(str(exc))
    except KeyboardInterrupt:
        print("pagewalk: interrupted", file=sys.stderr)
        sys.exit(130)
    except (MemoryError, RecursionError) as exc:
        _fail(f"the input is too large or too deeply nested for this host "
              f"({type(exc).__name__}); give a smaller one")
    except Exception as exc:        # whatever layer raised it: one line, exit status 2
        if _is_click_error(exc):
            _usage_error(exc, argv)
        _fail(f"{type(exc).__name__}: {exc}")
    # As click's standalone mode: always SystemExit, with typer.Exit(n)'s status.
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)


def _is_click_error(exc: Exception) -> bool:
    """click's ClickException family (typer vendors click as a private module)."""
    return any(c.__name__ == "ClickException" for c in type(exc).__mro__)


def _usage_error(exc, argv: list[str] | None) -> None:
    """A usage error (unknown option, missing argument, a value of the wrong type):
    one line that names the command's --help; a bare ``pagewalk`` shows the help."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        exc.show()
        sys.exit(exc.exit_code)
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "pagewalk"
    _fail(f"{exc.format_message()} (see '{command} --help')")


def _one_line(message: str) -> str:
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    text = "; ".join(lines) or "failed"
    return text if len(text) <= 500 else text[:497] + "..."


def _fail(message: str) -> None:
    print(f"pagewalk: error: {_one_line(message)}", file=sys.stderr)
    sys.exit(2)


# Sub-commands that load the compiled trace engine: the interpreter's teardown
# after them (finalizing numba's and LLVM's state) took 0.2-0.4 s, as long as
# recording /bin/date under valgrind; :func:`script` skips it.
_QUICK_EXIT = ("replay", "mrc", "record")


def script() -> None:
    """The ``pagewalk`` console script (and ``python -m pagewalk.cli``): :func:`main`;
    after a sub-command of ``_QUICK_EXIT`` the process ends at once with its exit
    status (``os._exit``): its files are closed by then, and stdout and stderr are
    flushed here.  :func:`main` itself (tests, Python callers) never does this."""
    try:
        main()
    except SystemExit as exc:
        if _sub_command(sys.argv[1:]) not in _QUICK_EXIT or not isinstance(exc.code, int | None):
            raise
        code = exc.code or 0
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe: the normal exit would report it and fail too
            code = code or 120
        os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    script()
