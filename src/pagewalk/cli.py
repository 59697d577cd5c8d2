"""The ``pagewalk`` command.

Sub-commands live next to the layer they drive and register themselves here:
``demo`` (the story of the two texts on Linux demand paging, observe/demo.py),
``replay``/``mrc``/``record`` (trace/commands.py), ...  Errors that are the
user's (a bad size, a malformed trace) are printed as one line and exit with
status 2, whatever layer raised them; a KernelBug (the model's own bug) is one
line and status 70; never a traceback.
"""

from __future__ import annotations

import sys
import warnings

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


_registered = False


def _register() -> None:
    """Each layer adds its own sub-commands (once: main() may be called many times
    in one process, and every registration would add the commands again)."""
    global _registered
    if _registered:
        return
    _registered = True
    from .observe import demo, thrash
    from .scenario import commands as scenario_commands
    from .sweep import commands as sweep_commands
    from .trace import commands as trace_commands

    for module in (demo, scenario_commands, trace_commands, thrash, sweep_commands):
        module.register(app)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings reach the user as one line on stderr, like errors."""
    sys.stdout.flush()
    print(f"pagewalk: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``pagewalk`` console script."""
    _register()
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


if __name__ == "__main__":  # pragma: no cover
    main()
