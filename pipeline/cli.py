"""The ``infucode`` console script: a thin dispatcher; each subcommand's module parses its own options."""

from __future__ import annotations

import importlib
import sys

#: subcommand -> (module, one-line help). Each module exposes ``main(argv: list[str]) -> int``.
COMMANDS: dict[str, tuple[str, str]] = {
    "code": ("infucode.pipeline.batch", "code notes (JSONL/CSV/Parquet/.txt folder) into claim lines"),
    "show": ("infucode.pipeline.show", "code notes and print a readable table of the events and codes"),
    "evaluate": ("infucode.annotations.evaluate", "score CPT/HCPCS lines against an evaluation file"),
    "score": ("infucode.annotations.scoring", "score extracted events against the gold corpus"),
    "serve": ("infucode.annotations.review.app", "start the pre-bill / review web app on 127.0.0.1"),
    "train": ("infucode.models.train", "retrain the scikit-learn models from annotations/"),
}


def _usage() -> str:
    lines = ["usage: infucode COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run 'infucode COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        from infucode import __version__

        print(__version__)
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"infucode: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
