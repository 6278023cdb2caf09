"""The README keeps its promises: the two commands first, and a settings table that matches the code."""

from __future__ import annotations

import re
from pathlib import Path

from services.settings_doc import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_opens_with_make_run_and_make_test() -> None:
    """The first code block is exactly the two commands a new user types."""
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make run", "make test"]


def test_the_settings_table_is_the_one_the_code_describes() -> None:
    """Every setting, default and meaning in the README is what `dutywatch settings` prints today."""
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings:begin -->\n")[1].split("<!-- settings:end -->")[0]
    assert table == markdown_table(), "run `dutywatch settings` and paste it between the settings markers"
