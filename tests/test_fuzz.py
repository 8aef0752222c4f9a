"""Fuzzing: the API from its own OpenAPI description (schemathesis), and the
importers, the URL check and the classifier with hypothesis. The promise:
no 500s, no unexpected exceptions, no partial writes."""

import io
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import access, campaigns, imports, validate
from tracker.classify import classify
from tracker.errors import TrackerError
from tracker.settings import Config
from tracker.store import open_store
from tracker.vocabulary import SOURCES
from tracker.web.app import create_app

from .helpers import campaign_with_links

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    store = open_store(db)
    store.migrate()
    campaign_with_links(store)
    app = create_app(Config(database=db, base_url="https://go.example"), store=store)
    app.token = access.create_token(store, "fuzzer")["token"]
    return app


def operations(app):
    schema = schemathesis.openapi.from_wsgi(
        "/api/openapi.json", app, headers={"Authorization": f"Bearer {app.token}"}
    )
    return [result.ok() for result in schema.get_all_operations()]


def test_api_never_fails_with_a_server_error(fuzz_app):
    """Every operation in /api/openapi.json, with cases generated from it.

    (schemathesis' pytest plugin does not load under pytest 9, so the cases
    are drawn from its hypothesis strategies directly.)"""
    ops = operations(fuzz_app)
    assert len(ops) >= 17
    for operation in ops:

        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(
                app=fuzz_app, headers={"Authorization": f"Bearer {fuzz_app.token}"}
            )
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.text[:300],
            )
            if response.status_code >= 400 and "json" in response.headers.get("Content-Type", ""):
                assert set(response.json()["error"]) == {"code", "message", "details"}

        run()


# -- importers -------------------------------------------------------------------------

CELLS = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


def counts(store):
    return {t: store.count(t) for t in ("orders", "metrics")}


@pytest.fixture
def seeded(store):
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10")
    return store


@FUZZ
@given(
    rows=st.lists(st.lists(CELLS, min_size=6, max_size=6), min_size=1, max_size=6),
    header=st.sampled_from(
        [
            "order_id,code,amount,currency,redeemed_at,click_id",
            "ORDER_ID;CODE;AMOUNT;CURRENCY;REDEEMED_AT;CLICK_ID",
        ]
    ),
)
def test_redemption_import_refuses_cleanly_or_writes_all(seeded, rows, header):
    import csv

    delimiter = ";" if ";" in header else ","
    buf = io.StringIO()
    buf.write(header + "\n")
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    before = counts(seeded)
    try:
        result = imports.import_redemptions(seeded, io.StringIO(buf.getvalue()))
    except TrackerError:
        assert counts(seeded) == before  # refused: nothing written
        return
    assert counts(seeded)["orders"] == before["orders"] + result["new"]


@FUZZ
@given(text=st.text(max_size=400))
def test_metrics_import_of_any_text_is_a_clean_answer(seeded, text):
    before = counts(seeded)
    try:
        imports.import_metrics(seeded, io.StringIO(text), "spring")
    except TrackerError:
        assert counts(seeded) == before


# -- the URL check and the classifier ---------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.from_regex(r"https?://[^/]{0,20}/?.{0,20}", fullmatch=True),
        st.builds(
            "https://{}.example/{}".format, st.text(min_size=1, max_size=12), st.text(max_size=20)
        ),
    )
)
def test_an_accepted_destination_is_always_plain_http_with_a_host(url):
    try:
        accepted = validate.url(url)
    except TrackerError:
        return
    parts = urlsplit(accepted)
    assert parts.scheme in ("http", "https") and parts.hostname
    assert "@" not in parts.netloc and "\\" not in accepted
    assert not any(ch.isspace() for ch in accepted)
    # what a Location header can carry: printable ASCII
    assert all(0x21 <= ord(ch) <= 0x7E for ch in accepted)


@settings(max_examples=300, deadline=None)
@given(
    channel=st.sampled_from(["bio", "post", "story", "ad", "other"]),
    query=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20)), max_size=5),
    referrer=st.one_of(st.none(), st.text(max_size=60)),
    agent=st.one_of(st.none(), st.text(max_size=120)),
)
def test_classifier_always_answers(channel, query, referrer, agent):
    result = classify(channel, query, referrer, agent, "tiktok")
    assert result.source in SOURCES
    assert result.platform and result.reason
    assert isinstance(result.is_bot, bool)
