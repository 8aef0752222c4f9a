"""`tracker user …`, `tracker link qr` and `tracker creator set --handle`:
the console's users and the QR codes on the command line."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tracker import access, campaigns, users
from tracker.qr import qr_code

from .helpers import BASE, campaign_with_links

pytestmark = pytest.mark.usefixtures("cheap_hashes")

PASSWORD = "correct horse battery"


@pytest.fixture
def typed(monkeypatch):
    """Answers to hidden prompts, in order."""
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_user_add_asks_twice_and_stores_a_hash(run, store, typed):
    typed += [PASSWORD, PASSWORD]
    code, out, err = run("user", "add", "Ana@Example.com", "--role", "admin")
    assert code == 0, err
    assert out.splitlines()[1].startswith("ana@example.com\tadmin\t")
    row = store.user("ana@example.com")
    assert row["password_hash"].startswith("scrypt:") and PASSWORD not in out + err
    access.ensure_secrets(store)
    assert users.sign_in(store, "ana@example.com", PASSWORD, "client")["role"] == "admin"


def test_user_add_refuses_two_different_passwords(run, store, typed):
    typed += [PASSWORD, "something else entirely", PASSWORD, PASSWORD]
    code, _, err = run("user", "add", "ana@example.com")
    assert code == 0, err  # click asks again until both agree
    assert store.user("ana@example.com")["role"] == "viewer"


def test_user_add_from_stdin_and_json(run, store, monkeypatch):
    stdin(monkeypatch, PASSWORD + "\n")
    code, out, err = run("user", "add", "vic@example.com", "--password-stdin", "--json")
    assert code == 0, err
    assert json.loads(out)["email"] == "vic@example.com"
    assert json.loads(out)["role"] == "viewer"


@pytest.mark.parametrize(
    "args,password,words",
    [
        (("not-an-address",), PASSWORD, "not an e-mail address"),
        (("ana@example.com", "--role", "owner"), PASSWORD, "role must be one of admin, viewer"),
        (("ana@example.com",), "short", "at least 10 characters"),
    ],
)
def test_user_add_refusals_write_nothing(run, store, monkeypatch, args, password, words):
    stdin(monkeypatch, password + "\n")
    code, out, err = run("user", "add", *args, "--password-stdin")
    assert code == 2 and words in err and err.count("\n") == 1
    assert users.list_users(store) == []


def test_user_list_password_and_remove(run, store, monkeypatch):
    users.add_user(store, "ana@example.com", PASSWORD, "admin")
    code, out, _ = run("user", "list", "--json")
    assert [u["email"] for u in json.loads(out)] == ["ana@example.com"]
    before = store.user("ana@example.com")["password_hash"]
    stdin(monkeypatch, "a brand new password\n")
    assert run("user", "password", "ana@example.com", "--password-stdin")[0] == 0
    assert store.user("ana@example.com")["password_hash"] != before
    code, _, err = run("user", "password", "ghost@example.com", "--password-stdin")
    assert code == 2 and "does not exist" in err
    assert run("user", "remove", "ana@example.com")[0] == 0
    assert users.list_users(store) == []


def test_link_qr_to_stdout_and_files(run, store, tmp_path):
    campaign_with_links(store)
    code, out, _ = run("link", "qr", "mia-bio")
    assert code == 0 and out == qr_code(f"{BASE}/mia-bio", "svg").decode()
    for name in ("code.png", "code.svg"):
        code, _, err = run("link", "qr", "mia-bio", "-o", str(tmp_path / name))
        assert code == 0 and "qr=1" in err
        kind = name.rsplit(".", 1)[1]
        assert (tmp_path / name).read_bytes() == qr_code(f"{BASE}/mia-bio", kind)
    code, _, err = run("link", "qr", "mia-bio", "-o", str(tmp_path / "code.gif"))
    assert code == 2 and ".svg or .png" in err
    assert run("link", "qr", "ghost-code")[0] == 2
    assert campaigns.get_link(store, "mia-bio")["code"] == "mia-bio"


def test_creator_set_handle_moves_the_links_utm_content(run, store):
    campaign_with_links(store)
    code, out, err = run("creator", "set", "mia", "--handle", "mia.moves", "--json")
    assert code == 0, err
    assert json.loads(out)["handle"] == "mia.moves" and json.loads(out)["links_updated"] == 2
    assert "utm_content=mia.moves" in store.link("mia-bio")["target_url"]
