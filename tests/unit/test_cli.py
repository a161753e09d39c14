"""The command line's own job: a misspelt command or option is a usage error (exit 2).

Whole builds through the command line are tested in tests/test_command_line.py.
"""

from __future__ import annotations

import pytest

from generator import cli


@pytest.mark.parametrize("argv", [[], ["bild"], ["build", "--nope"], ["build", "--out"]])
def test_bad_usage_exits_with_status_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
