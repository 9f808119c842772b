import importlib

from infucode.pipeline import cli


def test_every_subcommand_module_exists_and_has_main():
    for name, (module, _help) in cli.COMMANDS.items():
        mod = importlib.import_module(module)
        assert callable(getattr(mod, "main", None)), name


def test_unknown_command_is_a_usage_error(capsys):
    assert cli.main(["no-such-command"]) == 2
    assert "unknown command" in capsys.readouterr().err


def test_help_lists_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "code" in out and "evaluate" in out
