"""Entry point of the ``otel-llm`` command.

Each sibling module that defines ``register(subparsers)`` contributes one sub-command;
``register`` adds its parser and sets ``func`` (taking the parsed args, returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
from collections.abc import Sequence

import otel_llm.cli as cli_package
from otel_llm import __version__

_MARKUP = re.compile(r":[a-z]+:`~?([^`]+)`|``([^`]+)``|`([^`]+)`")


def plain(text: str | None) -> str | None:
    """``text`` without reST markup (the modules' docstrings double as help texts)."""
    if not text:
        return text
    return _MARKUP.sub(lambda match: next(group for group in match.groups() if group is not None), text)


def _plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip reST markup from the description, epilog and help of ``parser`` and its sub-commands."""
    parser.description, parser.epilog = plain(parser.description), plain(parser.epilog)
    for action in parser._actions:
        action.help = plain(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = plain(choice.help)
            for sub in action.choices.values():
                _plain_help(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="otel-llm", description="The otel-llm command line.")
    parser.add_argument("--version", action="version", version=f"otel-llm {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(cli_package.__path__), key=lambda m: m.name):
        if info.name == "main" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{cli_package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    _plain_help(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
