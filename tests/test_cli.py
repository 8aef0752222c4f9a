"""The `tracker` command: outputs, --json, and errors that write nothing."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from tracker import campaigns
from tracker.cli import main

from .conftest import ROOT


@pytest.fixture
def seeded(run):
    assert (
        run(
            "campaign",
            "create",
            "spring",
            "--name",
            "Spring",
            "--destination",
            "https://shop.example/p",
            "--starts-on",
            "2026-11-01",
            "--timezone",
            "Europe/Berlin",
            "--currency",
            "EUR",
            "--budget",
            "5000",
        )[0]
        == 0
    )
    assert run("creator", "add", "@mia", "--platform", "tiktok", "--name", "Mia")[0] == 0
    assert run("campaign", "enroll", "spring", "mia", "--fee", "1500")[0] == 0
    return run


def test_init_is_idempotent(run):
    assert run("init")[0] == 0
    code, _, err = run("init")
    assert code == 0 and "schema version" in err


def test_link_create_json_has_the_public_fields(seeded):
    code, out, _ = seeded("link", "create", "spring", "mia", "--channel", "ad", "--json")
    assert code == 0
    link = json.loads(out)
    assert {"code", "short_url", "destination_url", "campaign", "creator", "channel"} <= set(link)
    assert link["short_url"] == f"https://go.example/{link['code']}"
    assert "utm_medium=paid_social" in link["destination_url"]
    code, out, _ = seeded("link", "create", "spring", "mia", "--channel", "bio")
    assert code == 0 and out.strip().startswith("https://go.example/")


def test_lists_are_json_arrays(seeded):
    seeded("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio")
    for args in (("campaign", "list"), ("creator", "list"), ("link", "list", "spring")):
        code, out, _ = seeded(*args, "--json")
        assert code == 0 and isinstance(json.loads(out), list) and len(json.loads(out)) == 1
    campaign = json.loads(seeded("campaign", "list", "--json")[1])[0]
    assert campaign["budget"] == "5000.00" and campaign["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ("campaign", "create", "spring", "--name", "x", "--destination", "https://a.example"),
            "already exists",
        ),
        (
            ("campaign", "create", "new", "--name", "x", "--destination", "javascript:alert(1)"),
            "http",
        ),
        (
            (
                "campaign",
                "create",
                "new",
                "--name",
                "x",
                "--destination",
                "https://a.example",
                "--starts-on",
                "11/01/2026",
            ),
            "not a date",
        ),
        (
            (
                "campaign",
                "create",
                "new",
                "--name",
                "x",
                "--destination",
                "https://a.example",
                "--budget",
                "lots",
            ),
            "not a number",
        ),
        (("campaign", "enroll", "spring", "ghost"), "does not exist"),
        (("campaign", "enroll", "spring", "mia", "--fee", "1.2.3"), "not a number"),
        (("creator", "add", "zoe", "--platform", "myspace"), "platform"),
        (("link", "create", "nope", "mia", "--channel", "bio"), "does not exist"),
        (("link", "create", "spring", "mia", "--channel", "banner"), "channel"),
        (
            (
                "link",
                "create",
                "spring",
                "mia",
                "--channel",
                "bio",
                "--destination",
                "//evil.example",
            ),
            "http",
        ),
        (("export", "clicks", "spring", "--since", "yesterday"), "not a date"),
    ],
)
def test_errors_are_one_line_exit_2_and_write_nothing(seeded, store, args, message):
    before = {
        t: store.one(f"SELECT COUNT(*) AS n FROM {t}")["n"]
        for t in ("campaigns", "creators", "links", "campaign_creators")
    }
    code, out, err = seeded(*args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and err.startswith("tracker: error:")
    after = {t: store.one(f"SELECT COUNT(*) AS n FROM {t}")["n"] for t in before}
    assert after == before


def test_export_header_and_injection(seeded, store, app):
    # Handles are checked now (letters, digits, . _ -); a creator added before
    # that, as an older install may hold, still exports inert.
    assert seeded("creator", "add", "=cmd|'/c calc'!A1", "--platform", "instagram")[0] == 2
    store.insert(
        "creators",
        {
            "handle": "=cmd|'/c calc'!a1",
            "platform": "instagram",
            "name": None,
            "created_at": "2026-01-01T00:00:00.000000Z",
        },
    )
    seeded("link", "create", "spring", "=cmd|'/c calc'!A1", "--channel", "bio", "--code", "evil1")
    client = app.test_client()
    client.get(
        "/evil1",
        headers={
            "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36",
            "Referer": "https://l.instagram.com/",
        },
    )
    client.get("/evil1", headers={"User-Agent": "curl/8.0"})
    code, out, _ = seeded("export", "clicks", "spring")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == (
        "click_id,clicked_at,campaign,creator,platform,channel,source,reason,"
        "is_bot,device,os,browser,referrer_host,ad_click_id,visitor,"
        "country,language,qr_scan"
    ).split(",")
    assert len(rows) == 2  # the curl bot is left out
    record = dict(zip(rows[0], rows[1]))
    assert record["creator"] == "'=cmd|'/c calc'!a1"  # handles are lower-cased
    assert record["is_bot"] == "false" and record["source"] == "organic"
    assert record["referrer_host"] == "l.instagram.com"
    code, out, _ = seeded("export", "clicks", "spring", "--include-bots")
    assert [r[8] for r in csv.reader(io.StringIO(out))][1:] == ["false", "true"]


def test_export_to_file(seeded, tmp_path):
    target = tmp_path / "out.csv"
    code, out, err = seeded("export", "clicks", "spring", "-o", str(target))
    assert code == 0 and out == "" and target.read_text().startswith("click_id,")


def test_every_command_has_help(capsys):
    for args in (
        ["--help"],
        ["campaign", "create", "--help"],
        ["link", "create", "--help"],
        ["export", "clicks", "--help"],
        ["serve", "--help"],
        ["demo", "--help"],
    ):
        assert main(args) == 0
        assert "usage: tracker" in capsys.readouterr().out


# -- help, docs and what `tracker --help` loads ------------------------------------------------


def help_text(capsys, *args) -> str:
    assert main([*args, "--help"]) == 0
    return capsys.readouterr().out


def test_no_arguments_prints_the_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tracker") and "campaign" in out and "migrate-data" in out
    assert main(["campaign"]) == 0  # a group without its command: its help
    assert "usage: tracker campaign" in capsys.readouterr().out


def test_arguments_are_explained_once(capsys):
    shown = help_text(capsys, "campaign", "enroll")
    assert shown.count("Positional arguments") == 1
    assert shown.count("HANDLE  the creator's handle, with or without @") == 1


def test_choices_come_from_the_vocabulary(capsys):
    from tracker.vocabulary import CHANNELS, DECLARED_SOURCES, PLATFORMS

    for args, words in (
        (("creator", "add"), PLATFORMS),
        (("creator", "set"), PLATFORMS),
        (("link", "create"), CHANNELS),
        (("promo", "add"), DECLARED_SOURCES),
    ):
        shown = help_text(capsys, *args)
        assert "[" + "|".join(words) + "]" in " ".join(shown.split()).replace(" |", "|"), args


def test_workers_help_says_what_serve_does(capsys, monkeypatch):
    shown = " ".join(help_text(capsys, "serve").split())
    assert "cores + 1 on SQLite" in shown and "2 x cores + 1 on PostgreSQL" in shown
    from tracker import serve

    monkeypatch.setattr(serve.multiprocessing, "cpu_count", lambda: 2)
    assert serve.default_workers("tracker.db") == 3
    assert serve.default_workers("postgresql://x/y") == 5


def test_every_report_window_in_the_help_is_one_the_report_takes(seeded):
    from tracker.vocabulary import WINDOW_NAMES

    assert {"7", "14", "30", "all"} <= set(WINDOW_NAMES)
    for window in WINDOW_NAMES:
        code, out, err = seeded("report", "spring", "--window", window, "--json")
        assert code == 0, err


LOADS = """
import json, sys
from tracker.cli import main
status = main(sys.argv[1:])
heavy = [m for m in ("psycopg", "psycopg_pool", "user_agents", "tracker.classify", "gunicorn")
         if m in sys.modules]
print(json.dumps({"status": status, "heavy": heavy}), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["campaign", "list"], ["campaign", "--help"]])
def test_help_and_a_sqlite_list_load_neither_psycopg_nor_the_agent_parser(tmp_path, args):
    proc = subprocess.run(
        [sys.executable, "-c", LOADS, "--db", str(tmp_path / "t.db"), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    assert result == {"status": 0, "heavy": []}


def test_the_cli_reference_matches_the_help():
    """docs/cli.md is generated from the click tree by cog: `make docs`."""
    from cogapp import Cog

    reference = str(ROOT / "docs" / "cli.md")
    status = Cog().main(["cog", "--check", "--diff", "-I", str(ROOT), reference])
    assert status == 0, "docs/cli.md is out of date: run `make docs`"


def test_the_reference_lists_every_command():
    from tracker.cli import cli
    from tracker.cli.docs import commands, reference

    text = reference()
    paths = [path for path, _ in commands(cli)]
    assert "tracker campaign set" in paths and "tracker promo remove" in paths
    for path in paths:
        assert f"## `{path}`" in text
    assert "cores + 1 on SQLite" in text


# -- errors ------------------------------------------------------------------------------------


def test_a_missing_file_is_said_in_plain_words(seeded, tmp_path):
    code, out, err = seeded("import", "redemptions", "nope.csv")
    assert (code, out, err) == (2, "", "tracker: error: nope.csv: no such file\n")
    code, out, err = seeded("export", "clicks", "spring", "-o", str(tmp_path / "no" / "x.csv"))
    assert code == 2 and "no such directory" in err and "Errno" not in err


def test_usage_errors_are_one_line_exit_2(seeded, store):
    for args in (
        ("campaign", "create", "x"),
        ("campaign", "bogus"),
        ("link", "list"),
        ("demo", "--clicks", "many"),
    ):
        code, out, err = seeded(*args)
        assert code == 2 and out == "" and err.startswith("tracker: error:"), args
        assert err.count("\n") == 1 and "--help" in err, err
    assert store.campaign("x") is None


def test_json_errors_are_one_object_on_stderr(seeded, store):
    code, out, err = seeded("campaign", "enroll", "spring", "ghost", "--json")
    assert code == 2 and out == "" and err.count("\n") == 1
    error = json.loads(err)["error"]
    assert error["code"] == "not_found" and "does not exist" in error["message"]
    assert set(error) == {"code", "message", "details"}
    code, out, err = seeded("campaign", "create", "x", "--json")  # click's own refusal
    assert code == 2 and out == "" and json.loads(err)["error"]["code"] == "usage"
    code, _, err = seeded("import", "redemptions", "nope.csv", "--json")
    assert json.loads(err) == {
        "error": {"code": "file", "message": "nope.csv: no such file", "details": None}
    }
    code, _, err = seeded(
        "campaign", "create", "x", "--name", "X", "--destination", "ftp://a", "--json"
    )
    assert code == 2 and json.loads(err)["error"]["code"] == "invalid"
    assert store.campaign("x") is None


# -- the first-hour defects ----------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["bad handle!", "mia@home", "<b>", "@", "ünal", "a/b"])
def test_creator_handles_are_checked(seeded, store, handle):
    code, out, err = seeded("creator", "add", handle, "--platform", "tiktok")
    assert code == 2 and out == "" and "creator handle" in err and err.count("\n") == 1
    assert [c["handle"] for c in store.creators()] == ["mia"]


def test_a_handle_is_letters_digits_dots_underscores_dashes(seeded):
    code, out, _ = seeded("creator", "add", "@Jade.Glow_2-x", "--platform", "instagram")
    assert code == 0 and out.splitlines()[1].split("\t")[0] == "jade.glow_2-x"


@pytest.mark.parametrize(
    "base_url", ["go.example.com", "ftp://go.example", "https://go.example/?a=1"]
)
def test_a_base_url_needs_a_scheme(db_url, capsys, monkeypatch, base_url):
    assert main(["--db", db_url, "init"]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "--base-url", base_url, "share", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tracker: error: --base-url {base_url!r}") and err.count("\n") == 1
    monkeypatch.setenv("TRACKER_BASE_URL", base_url)
    assert main(["--db", db_url, "share", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tracker: error: TRACKER_BASE_URL={base_url!r}: base URL")
    assert err.count("\n") == 1
    assert main(["--db", db_url, "campaign", "list"]) == 0  # not needed, not checked
    from tracker.settings import Config, SettingsError

    with pytest.raises(SettingsError):  # the server's rule is the same
        Config.from_env(env={"TRACKER_BASE_URL": base_url})


def test_a_link_for_a_creator_not_on_the_campaign_says_it_enrolled_them(seeded, store):
    seeded("creator", "add", "jade", "--platform", "instagram")
    code, out, err = seeded("link", "create", "spring", "jade", "--channel", "bio")
    assert code == 0 and out.startswith("https://go.example/")
    assert "jade was not on spring: enrolled at fee 0" in err
    assert "tracker campaign enroll spring jade --fee" in err
    code, out, err = seeded("link", "create", "spring", "jade", "--channel", "post", "--json")
    assert code == 0 and err == "" and json.loads(out)["newly_enrolled"] is False
    code, _, err = seeded("link", "create", "spring", "mia", "--channel", "post")
    assert code == 0 and err == ""  # mia was enrolled with her fee


def test_enroll_says_when_the_fee_changes(seeded, store):
    code, out, _ = seeded("campaign", "enroll", "spring", "mia", "--fee", "2000")
    assert code == 0 and out == "mia on spring: fee changed from 1500.00 to 2000.00\n"
    code, out, _ = seeded("campaign", "enroll", "spring", "mia")  # no --fee: kept
    assert out == "mia is already on spring (fee 2000.00, unchanged)\n"
    seeded("creator", "add", "jade", "--platform", "instagram")
    code, out, _ = seeded("campaign", "enroll", "spring", "jade", "--json")
    assert json.loads(out) == {
        "campaign": "spring",
        "creator": "jade",
        "fee": "0.00",
        "previous_fee": None,
    }


def test_promo_codes_are_echoed_as_typed_and_match_any_case(seeded, store, tmp_path):
    code, out, err = seeded("promo", "add", "spring", "mia", "MIA15", "--source", "organic")
    assert code == 0 and out.splitlines() == ["code\tcreator\tsource", "MIA15\tmia\torganic"]
    assert err == ""
    made = json.loads(seeded("promo", "add", "spring", "mia", "MiaAd", "--json")[1])
    assert (made["code"], made["code_as_typed"]) == ("miaad", "MiaAd")
    assert seeded("promo", "add", "spring", "mia", "mia15")[0] == 2  # the same code
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,code,amount,redeemed_at\n1,mia15,10,2026-11-03T10:00:00Z\n"
        "2,Mia15,10,2026-11-03T11:00:00Z\n"
    )
    code, out, _ = seeded("import", "redemptions", str(orders))
    assert code == 0 and "2 new" in out


# -- lists print a header -----------------------------------------------------------------------


def test_lists_print_a_header_row(seeded):
    seeded("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio")
    seeded("promo", "add", "spring", "mia", "MIA15")
    seeded("token", "create", "ci")
    headers = {
        ("campaign", "list"): "slug\tname\tstarts_on\ttimezone\tcurrency\tbudget\tdestination",
        ("creator", "list"): "handle\tplatform\tname",
        ("link", "list", "spring"): "code\tshort_url\tcreator\tchannel\tdisabled\tdestination_url",
        ("promo", "list", "spring"): "code\tcreator\tsource",
        ("campaign", "creators", "spring"): "handle\tplatform\tname\tfee",
        ("token", "list"): "name\tcampaign\taccess\tcreated_at",
    }
    for args, header in headers.items():
        code, out, _ = seeded(*args)
        lines = out.splitlines()
        assert code == 0 and lines[0] == header and len(lines) == 2, args
        assert len(lines[1].split("\t")) == len(header.split("\t")), args
    assert seeded("campaign", "list")[1].splitlines()[1].startswith("spring\tSpring\t2026-11-01\t")


def test_an_empty_list_is_a_header_and_a_note(run):
    code, out, err = run("creator", "list")
    assert (code, out, err) == (0, "handle\tplatform\tname\n", "(none)\n")


# -- the commands the API had and the CLI did not -------------------------------------------------


def test_promo_list(seeded):
    seeded("promo", "add", "spring", "mia", "MIA15", "--source", "sponsored")
    assert json.loads(seeded("promo", "list", "spring", "--json")[1]) == [
        {"code": "mia15", "creator": "mia", "source": "sponsored"}
    ]
    assert seeded("promo", "list", "nope")[0] == 2


def test_campaign_show_and_creators(seeded):
    code, out, _ = seeded("campaign", "show", "spring", "--json")
    shown = json.loads(out)
    assert shown["slug"] == "spring" and shown["budget"] == "5000.00"
    assert shown["creators"] == [
        {"handle": "mia", "platform": "tiktok", "name": "Mia", "fee": "1500.00"}
    ]
    code, out, _ = seeded("campaign", "show", "spring")
    assert out.splitlines()[-1] == "mia\ttiktok\tMia\t1500.00"
    assert json.loads(seeded("campaign", "creators", "spring", "--json")[1]) == shown["creators"]
    assert seeded("campaign", "show", "nope")[0] == 2


def table_of(store):
    return {
        t: store.query(f"SELECT * FROM {t} ORDER BY 1")
        for t in ("campaigns", "campaign_creators", "creators", "links", "promo_codes")
    }


def test_campaign_set(seeded, store):
    code, out, err = seeded(
        "campaign",
        "set",
        "spring",
        "--name",
        "Spring 2",
        "--budget",
        "6000.50",
        "--starts-on",
        "2026-11-02",
    )
    assert code == 0
    assert "name changed from Spring to Spring 2" in err and "budget changed from 5000.00" in err
    c = json.loads(seeded("campaign", "show", "spring", "--json")[1])
    assert (c["name"], c["budget"], c["starts_on"]) == ("Spring 2", "6000.50", "2026-11-02")
    code, out, err = seeded("campaign", "set", "spring", "--destination", "https://shop.example/q")
    assert code == 0 and "existing links keep their destination" in err
    seeded("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio")
    link = json.loads(seeded("link", "list", "spring", "--json")[1])[0]
    assert link["destination_url"].startswith("https://shop.example/q?")
    # a currency keeps the amounts' face value; JPY has no cents for 6000.50
    code, _, err = seeded("campaign", "set", "spring", "--currency", "JPY")
    assert code == 2 and "decimals for JPY" in err
    code, _, err = seeded(
        "campaign",
        "set",
        "spring",
        "--currency",
        "USD",
        "--timezone",
        "America/New_York",
        "--budget",
        "",
    )
    assert code == 0
    c = json.loads(seeded("campaign", "show", "spring", "--json")[1])
    assert (c["currency"], c["timezone"], c["budget"]) == ("USD", "America/New_York", None)
    assert c["creators"][0]["fee"] == "1500.00"
    code, _, err = seeded("campaign", "set", "spring")
    assert code == 2 and "nothing to change" in err


@pytest.mark.parametrize(
    "args,message",
    [
        (("--name", "ok", "--budget", "lots"), "not a number"),
        (("--name", "ok", "--timezone", "Mars/Olympus"), "time zone"),
        (("--name", "ok", "--destination", "javascript:alert(1)"), "http"),
        (("--name", "ok", "--starts-on", "soon"), "not a date"),
        (("--name", "ok", "--currency", "XYZ1"), "currency"),
    ],
)
def test_campaign_set_is_all_or_nothing(seeded, store, args, message):
    before = table_of(store)
    code, out, err = seeded("campaign", "set", "spring", *args)
    assert code == 2 and message in err and out == "" and err.count("\n") == 1
    assert table_of(store) == before


def test_campaign_set_refuses_what_would_rewrite_history(seeded, store, app, tmp_path):
    seeded("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio")
    seeded("promo", "add", "spring", "mia", "MIA15")
    app.test_client().get(
        "/mia-bio",
        headers={
            "User-Agent": "Mozilla/5.0 (Windows NT 10.0) "
            "AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
        },
    )
    before = table_of(store)
    code, _, err = seeded("campaign", "set", "spring", "--timezone", "UTC", "--name", "x")
    assert code == 2 and "1 click(s)" in err and "before the first click" in err
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,code,amount,redeemed_at\n1,mia15,10,2026-11-03T10:00:00Z\n")
    assert seeded("import", "redemptions", str(orders))[0] == 0
    code, _, err = seeded("campaign", "set", "spring", "--currency", "USD")
    assert code == 2 and "1 order(s)" in err
    assert table_of(store) == before


def test_campaign_unenroll(seeded, store):
    seeded("creator", "add", "jade", "--platform", "instagram")
    seeded("campaign", "enroll", "spring", "jade", "--fee", "10")
    code, out, _ = seeded("campaign", "unenroll", "spring", "@Jade")
    assert code == 0 and out == "jade is no longer on spring\n"
    on = json.loads(seeded("campaign", "creators", "spring", "--json")[1])
    assert [c["handle"] for c in on] == ["mia"]
    code, _, err = seeded("campaign", "unenroll", "spring", "jade")
    assert code == 2 and "not on campaign 'spring'" in err


def test_unenroll_is_refused_while_the_creator_has_links_or_codes(seeded, store):
    seeded("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio")
    seeded("promo", "add", "spring", "mia", "MIA15")
    before = table_of(store)
    code, out, err = seeded("campaign", "unenroll", "spring", "mia")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "1 link(s), 1 promo code(s)" in err and "tracker promo remove" in err
    assert table_of(store) == before


def test_creator_set(seeded, store):
    seeded("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio")
    code, out, err = seeded("creator", "set", "mia", "--platform", "Instagram", "--name", "")
    assert code == 0 and "platform changed from tiktok to instagram" in err
    assert "1 link(s) now carry utm_source=instagram" in err
    assert out.splitlines() == ["handle\tplatform\tname", "mia\tinstagram\t"]
    link = json.loads(seeded("link", "list", "spring", "--json")[1])[0]
    assert "utm_source=instagram" in link["destination_url"]
    assert "utm_source=tiktok" not in link["destination_url"]
    before = table_of(store)
    for args, message in (
        (("--platform", "myspace"), "platform"),
        ((), "nothing to change"),
        (("--name", "x\x01"), "control characters"),
    ):
        code, _, err = seeded("creator", "set", "mia", *args)
        assert code == 2 and message in err
    assert seeded("creator", "set", "ghost", "--name", "G")[0] == 2
    assert table_of(store) == before


def test_link_set_recomputes_the_target_and_servers_follow(seeded, store, app, monkeypatch):
    seeded("link", "create", "spring", "mia", "--channel", "ad", "--code", "mia-ad")
    client = app.test_client()
    agent = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0"}
    assert (
        client.get("/mia-ad", headers=agent)
        .headers["Location"]
        .startswith("https://shop.example/p?")
    )
    code, out, err = seeded(
        "link", "set", "mia-ad", "--destination", "https://shop.example/new?utm_campaign=mine"
    )
    assert code == 0 and "destination_url changed" in err
    link = json.loads(seeded("link", "list", "spring", "--json")[1])[0]
    target = link["destination_url"]
    assert target.startswith("https://shop.example/new?utm_campaign=mine&")
    assert "utm_medium=paid_social" in target and "utm_source=tiktok" in target
    assert target.count("utm_campaign") == 1  # the destination's own wins
    redirector = app.wsgi_app
    later = redirector.monotonic() + campaigns.LINK_CACHE_SECONDS + 1
    monkeypatch.setattr(redirector, "monotonic", lambda: later)
    location = client.get("/mia-ad", headers=agent).headers["Location"]
    assert location.startswith("https://shop.example/new?utm_campaign=mine&")
    before = table_of(store)
    for args, message in ((("--destination", "//evil.example"), "http"), ((), "nothing to change")):
        code, _, err = seeded("link", "set", "mia-ad", *args)
        assert code == 2 and message in err
    assert seeded("link", "set", "nope", "--destination", "https://a.example")[0] == 2
    assert table_of(store) == before


def test_promo_remove(seeded, store, tmp_path):
    seeded("promo", "add", "spring", "mia", "MIA15")
    seeded("promo", "add", "spring", "mia", "MIA20")
    code, out, _ = seeded("promo", "remove", "Mia15")
    assert code == 0 and out == "promo code Mia15 removed from spring\n"
    left = json.loads(seeded("promo", "list", "spring", "--json")[1])
    assert [p["code"] for p in left] == ["mia20"]
    code, _, err = seeded("promo", "remove", "mia15")
    assert code == 2 and "does not exist" in err
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,code,amount,redeemed_at\n1,MIA20,10,2026-11-03T10:00:00Z\n")
    assert seeded("import", "redemptions", str(orders))[0] == 0
    code, _, err = seeded("promo", "remove", "MIA20")
    assert code == 2 and "1 order(s)" in err
    assert store.promo_code("mia20") is not None


def test_import_metrics_reads_a_platform_export_and_names_the_creator(run):
    imports_dir = ROOT / "tests" / "data" / "imports"
    run(
        "campaign",
        "create",
        "usd",
        "--name",
        "US",
        "--destination",
        "https://shop.example/us",
        "--starts-on",
        "2026-11-01",
        "--timezone",
        "America/New_York",
    )
    for handle, platform in (("mia", "tiktok"), ("jade", "instagram")):
        run("creator", "add", handle, "--platform", platform)
        run("campaign", "enroll", "usd", handle)
    content = str(imports_dir / "tiktok_studio_content.csv")
    code, out, err = run("import", "metrics", content, "--campaign", "usd")
    assert code == 2 and out == "" and "--creator" in err
    code, out, err = run("import", "metrics", content, "--campaign", "usd", "--creator", "@Mia")
    assert code == 0 and out.endswith("metrics row(s) imported\n")
    assert "read as a TikTok Studio content export" in err and "  mia: " in err
    code, out, err = run(
        "import", "metrics", str(imports_dir / "meta_ads_by_day.csv"), "--campaign", "usd", "--json"
    )
    result = json.loads(out)
    assert code == 0 and (result["format"], result["rows"]) == ("meta_ads", 4)
    assert "skipped 2 row(s) that name no creator on usd" in err


def test_report_windows_csv_and_refused_ranges(seeded):
    code, out, _ = seeded("report", "spring", "--window", "last7", "--json")
    assert code == 0 and json.loads(out)["window"]["name"] == "last7"
    code, out, _ = seeded(
        "report", "spring", "--from", "2026-11-01", "--to", "2026-11-07", "--json"
    )
    window = json.loads(out)["window"]
    assert (code, window["name"], window["from"], window["to"]) == (
        0,
        "custom",
        "2026-11-01",
        "2026-11-07",
    )
    code, _, err = seeded("report", "spring", "--from", "2026-11-07", "--to", "2026-11-01")
    assert code == 2 and "from 2026-11-07 is after to 2026-11-01" in err
    code, _, err = seeded("report", "spring", "--from", "2026-11-07")
    assert code == 2 and "both from and to" in err
    code, out, _ = seeded("report", "spring", "--csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Creator,Platform,") and lines[1].startswith("mia,")
    code, out, _ = seeded("report", "spring")
    assert code == 0 and "ROAS = sponsored revenue / ad spend" in out
    assert "budget: spent" in out and "of €5,000.00" in out
