"""Issue #19 items 1 and 5: parked and expired domains are dead (``parked``); CSDN pages that are no
article are judged by their shape. Through the real path: `linkcheck check` in a subprocess against
the simulated web, the nightly job over days into a real SQLite file, `dead`/`report`/SQL on it."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.classify import Page, classify
from linkcheck.cli import app, console
from linkcheck.net.resolve import RoutingResolver
from linkcheck.run.job import JobOptions, run_job
from linkcheck.simweb import by_id
from linkcheck.simweb import pages as P
from linkcheck.sites import CSDN, GENERIC, profile_for
from tests.support import fast_politeness, fast_settings
from tests.test_job import cli_args

PARKED = ["PARK-SEDO", "PARK-BODIS", "PARK-GODADDY", "PARK-GODADDY-LANDER", "PARK-DAN", "PARK-AFTERNIC",
          "PARK-SALEFORM", "PARK-CN"]  # fmt: skip
QUOTING = ["PARK-QUOTE", "PARK-QUOTE-FOOTER", "MARKET-PAGE"]
CSDN_PAGES = ["CSDN-USER", "CSDN-USER-SLASH", "CSDN-USER-HOST", "CSDN-USER-HOST-ART", "CSDN-LIST", "CSDN-CATEGORY",
              "CSDN-CATEGORY-NEW", "CSDN-COLUMN", "CSDN-ARCHIVE", "CSDN-MOBILE"]  # fmt: skip
runner = CliRunner()


@pytest.fixture
def blog(tmp_path: Path, simweb) -> Path:
    """A post citing every parked domain, the pages that quote parking pages, and CSDN's pages
    that are no article, each with the title the post gives it."""
    lines = [f"{by_id(i).note or i}\n\n<{by_id(i).url}>\n" for i in (*PARKED, *QUOTING, *CSDN_PAGES)]
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2016-5-1-links.md").write_text("---\ntitle: 链接\n---\n" + "\n".join(lines), "utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    return tmp_path


def test_check_calls_parked_domains_dead_and_keeps_quoting_pages_and_csdn_pages_alive(blog, simweb):
    done = subprocess.run(cli_args(simweb, "--format", "json", "--no-archive"), cwd=blog, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = {row["url"]: row for row in json.loads(done.stdout)}
    wrong = [
        (i, got[by_id(i).url]["verdict"], got[by_id(i).url]["reason"])
        for i in (*PARKED, *QUOTING, *CSDN_PAGES)
        if (got[by_id(i).url]["verdict"], got[by_id(i).url]["reason"]) != (by_id(i).verdict, by_id(i).reason)
    ]
    assert not wrong
    assert {got[by_id(i).url]["reason"] for i in PARKED} == {"parked"}
    # Redirected to a domain market: the evidence is where it ended.
    assert got[by_id("PARK-DAN").url]["final_url"] == "https://dan.com/buy-domain/parked-dan.example?redirected=true"
    # A user's home page is alive by its shape's marker, and says which shape it was.
    assert (got[by_id("CSDN-USER").url]["reason"], got[by_id("CSDN-USER").url]["marker"]) == (
        "live-marker", "page:user-home",
    )  # fmt: skip
    # A small site's page is read with one GET (its first 64 KB), not HEAD then GET: the page decides.
    assert [r.method for r in simweb.requests if r.host == "parked-sedo.example"] == ["GET"]


def test_check_report_names_parked_links_with_their_reason(blog, simweb):
    done = subprocess.run(cli_args(simweb, "--no-archive"), cwd=blog, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "parked" in done.stdout and "parked-sedo.example" in done.stdout
    assert "parked-dan.example" in done.stdout
    assert "techblog.example" not in done.stdout  # alive: not among the problems


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 200)


def test_parked_links_are_confirmed_over_days_and_listed_by_dead_report_and_sql(blog, simweb):
    db = blog / "state" / "linkcheck.db"
    days = [datetime(2026, 11, 1, 3, tzinfo=UTC) + timedelta(days=d) for d in (0, 4, 8)]

    async def night(when: datetime):
        options = JobOptions(paths=[blog / "posts"], db=db, check_all=True, archive=False,
                             canaries=("https://behave.test/ok",))  # fmt: skip
        hosts = [profile_host for profile_host in {by_id(i).url.split("/")[2] for i in (*PARKED, *QUOTING)}]
        settings = fast_settings(simweb, politeness_overrides=fast_politeness(hosts))
        return await run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda: when)

    results = [asyncio.run(night(when)) for when in days]
    parked_urls = {by_id(i).url for i in PARKED}
    assert {row["canonical"] for row in results[2].newly_dead} == parked_urls
    # The SQL the README gives.
    rows = sqlite3.connect(db).execute("select canonical, reason from dead_links where reason = 'parked'").fetchall()
    assert {url for url, _ in rows} == parked_urls
    listed = runner.invoke(app, ["dead", "--db", str(db), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    dead = {row["canonical"]: row["reason"] for row in json.loads(listed.output)}
    assert dead == dict.fromkeys(parked_urls, "parked")
    table = runner.invoke(app, ["dead", "--db", str(db)])
    assert table.exit_code == 0 and "parked" in table.output and "parked-cn.example" in table.output
    report = runner.invoke(app, ["report", "--db", str(db)])
    assert report.exit_code == 0 and "parked" in report.output and "parked-bodis.example" in report.output


# --- the markers are narrow: the notice as the page, never as a quotation ---------------------------


def _page(url: str, body: str, final_url: str | None = None) -> Page:
    return Page(url=url, final_url=final_url or url, status=200, content_type="text/html; charset=utf-8",
                body=body.encode(), body_read=True)  # fmt: skip


@pytest.mark.parametrize(
    "title",
    [
        "old.example - This website is for sale! - old Resources and Information.",
        "This domain may be for sale",
        "old.example is for sale",
        "The domain old.example is for sale.",
        "该域名正在出售",
        "old.example — 域名转让",
        "old.example 域名出售",
    ],
)
def test_a_sale_notice_that_is_the_whole_title_is_parked(title):
    outcome = classify(_page("https://old.example/a", f"<html><head><title>{title}</title></head><body></body></html>"))
    assert (outcome.verdict.value, outcome.reason) == ("dead", "parked")


@pytest.mark.parametrize(
    "title",
    [
        "为什么 “This domain may be for sale” 的页面越来越多",
        "域名转让流程详解",
        "域名出售",  # a bare word with no domain before it: a registrar's help page, a shop's category
        "Who bought old.example? It is for sale again",
        "old.example",
    ],
)
def test_a_title_that_quotes_or_discusses_a_sale_is_not_parked(title):
    outcome = classify(
        _page("https://blog.example/a", f"<html><head><title>{title}</title></head><body></body></html>")
    )
    assert (outcome.verdict.value, outcome.reason) == ("alive", "http-200")


def test_a_notice_in_a_headline_counts_in_an_h1_only_and_only_whole():
    h1 = "<html><head><title>old.example</title></head><body><h1>This domain is for sale</h1></body></html>"
    h2 = "<html><head><title>Notes</title></head><body><h1>Notes</h1><h2>This domain is for sale</h2></body></html>"
    longer = "<html><body><h1>This domain is for sale: what I learned</h1></body></html>"
    assert classify(_page("https://old.example/", h1)).reason == "parked"
    assert classify(_page("https://blog.example/n", h2)).reason == "http-200"
    assert classify(_page("https://blog.example/n", longer)).reason == "http-200"


def test_parking_markup_counts_as_markup_not_as_escaped_text():
    assert classify(_page("https://old.example/", P.GODADDY_STUB.decode())).reason == "parked"
    assert classify(_page("https://techblog.example/p", P.PARKING_ARTICLE.decode())).reason == "http-200"


def test_a_redirect_to_a_market_is_parked_a_link_to_the_market_is_not():
    sale = "https://dan.com/buy-domain/old.example?redirected=true"
    redirected = Page("https://old.example/", sale, 200, "text/html", b"<html></html>", (sale,), body_read=True)
    assert classify(redirected).reason == "parked"
    assert classify(_page(sale, "<html></html>")).reason == "http-200"
    # Within the market's own host (http → https) it is still the market's page.
    own = Page("http://dan.com/buy-domain/x.example", "https://dan.com/buy-domain/x.example", 200, "text/html",
               b"<html></html>", ("https://dan.com/buy-domain/x.example",), body_read=True)  # fmt: skip
    assert classify(own).reason == "http-200"


def test_parked_markers_are_the_generic_profiles_only():
    """A platform's page is judged by its own profile: a WeChat article quoting a Sedo title stays
    what WeChat's markers say."""
    assert profile_for("parked-sedo.example") is GENERIC and GENERIC.tombstone_markers
    quoting = (
        P.wx_generic("quoteParking0000000000", 1)
        .decode()
        .replace(
            "</title>",
            "</title><title>old.example - This website is for sale! - old Resources and Information.</title>",
        )
    )
    assert classify(_page("https://mp.weixin.qq.com/s/quoteParking0000000000", quoting)).verdict.value == "alive"


# --- CSDN: articles and the other pages -----------------------------------------------------------


def test_csdn_says_which_paths_are_articles_and_what_its_other_pages_are():
    assert CSDN.shape_for("/v_JULY_v/article/details/1") is None  # an article
    assert CSDN.shape_for("/article/details/121722230") is None  # an article on a user's own host
    names = {path: CSDN.shape_for(path).name for path in ("/v_JULY_v", "/yang_xian521/", "/", "/x/article/list/2",
             "/hjimce/article/category/3163421", "/qq_38231713/category_10001159.html",
             "/column/details/opencv-tutorial.html")}  # fmt: skip
    assert names == {
        "/v_JULY_v": "user-home", "/yang_xian521/": "user-home", "/": "user-home", "/x/article/list/2": "article-list",
        "/hjimce/article/category/3163421": "category", "/qq_38231713/category_10001159.html": "category",
        "/column/details/opencv-tutorial.html": "column",
    }  # fmt: skip


def test_a_csdn_page_without_its_shapes_marker_is_unrecognized_never_alive_nor_dead():
    bare = "<html><head><title>x</title></head><body><p>nothing of CSDN's</p></body></html>"
    user = classify(_page("https://blog.csdn.net/v_JULY_v", bare))
    article = classify(_page("https://blog.csdn.net/v_JULY_v/article/details/1", P.csdn_user_home("v_JULY_v").decode()))
    assert (user.verdict.value, user.reason) == ("error", "unrecognized-page")
    # A user's page where an article should be is no article: the article's markers are asked for.
    assert (article.verdict.value, article.reason) == ("error", "unrecognized-page")
