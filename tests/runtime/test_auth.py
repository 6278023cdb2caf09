"""The stack's admin token: made once in the data folder, the same for every service that starts with it."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from services.runtime.auth import ADMIN_TOKEN_FILE, admin_token_file, token_book


def test_services_starting_together_get_one_token(tmp_path: Path) -> None:
    """Processes racing to make the file all end with the token it holds; no half-written file is read."""
    path = tmp_path / ADMIN_TOKEN_FILE
    with ProcessPoolExecutor(max_workers=4) as pool:
        tokens = list(pool.map(admin_token_file, [path] * 16))
    assert len(set(tokens)) == 1
    assert path.read_text().strip() == tokens[0]
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert [each.name for each in tmp_path.iterdir()] == [ADMIN_TOKEN_FILE]


def test_configured_tokens_replace_the_admin_token(tmp_path: Path) -> None:
    book = token_book({"district": ["maojian"]}, tmp_path)
    caller = book.caller("district")
    assert caller is not None and caller.may_act_for("maojian") and not caller.may_act_for("zhangwan")
    assert not (tmp_path / ADMIN_TOKEN_FILE).exists()
    admin = admin_token_file(tmp_path / ADMIN_TOKEN_FILE)
    assert token_book({}, tmp_path).caller(admin) is not None


def test_an_empty_token_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / ADMIN_TOKEN_FILE).write_text("\n")
    with pytest.raises(ValueError, match="write a token in it, or delete it"):
        admin_token_file(tmp_path / ADMIN_TOKEN_FILE)
