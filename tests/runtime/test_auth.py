"""The stack's admin token: made once in the data folder, the same for every service that starts with it."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from services.runtime.auth import ADMIN_TOKEN_FILE, admin_token_file, token_book
from services.runtime.settings import ApiTokens


def test_a_generated_token_is_never_readable_by_others(tmp_path: Path) -> None:
    """The token file is made with mode 0600 from its first byte, whatever the umask."""
    previous = os.umask(0)
    try:
        admin_token_file(tmp_path / ADMIN_TOKEN_FILE)
    finally:
        os.umask(previous)
    assert oct((tmp_path / ADMIN_TOKEN_FILE).stat().st_mode & 0o777) == oct(0o600)


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
    """Configured tokens are the only ones known, each caller carrying its token's name and units."""
    tokens = TypeAdapter(ApiTokens).validate_python({"district": {"token": "d" * 24, "units": ["maojian"]}})
    caller = token_book(tokens, tmp_path).caller("d" * 24)
    assert caller is not None and caller.may_act_for("maojian") and not caller.may_act_for("zhangwan")
    assert caller.name == "district"
    assert not (tmp_path / ADMIN_TOKEN_FILE).exists()
    admin = admin_token_file(tmp_path / ADMIN_TOKEN_FILE)
    assert token_book({}, tmp_path).caller(admin) is not None


def test_an_empty_token_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / ADMIN_TOKEN_FILE).write_text("\n")
    with pytest.raises(ValueError, match="write a token in it, or delete it"):
        admin_token_file(tmp_path / ADMIN_TOKEN_FILE)


def test_tokens_in_the_older_form_still_read_named_by_a_digest() -> None:
    """`{"<token>": [units]}` reads as before; its name is a digest, never the token itself."""
    tokens = TypeAdapter(ApiTokens).validate_python({"t" * 30: ["*"]})
    [(name, grant)] = tokens.items()
    assert name.startswith("sha256:") and "t" * 8 not in name
    assert grant.token.get_secret_value() == "t" * 30 and grant.units == ["*"]
