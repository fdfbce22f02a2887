"""A full crawl of the replica over real HTTP must produce exactly the replica's expected records."""
import pytest

from replica.site import PER_PAGE, Site
from tests.conftest import run_crawl

IGNORED = {"crawled_at", "extraction"}


@pytest.fixture(scope="module")
def full_crawl(replica, tmp_path_factory):
    return run_crawl(replica.url, tmp_path_factory.mktemp("full"))


@pytest.fixture(scope="module")
def expected():
    return Site(articles=300, seed=1).expected_by_url()


def test_full_crawl_yields_exactly_the_expected_records(full_crawl, expected):
    assert full_crawl.returncode == 0, full_crawl.log[-3000:]
    urls = [r["url"] for r in full_crawl.records]
    assert len(urls) == len(set(urls)), "a record was exported twice"
    assert set(urls) == set(expected), (
        f"missing {sorted(set(expected) - set(urls))[:5]}, extra {sorted(set(urls) - set(expected))[:5]}")
    mismatches = []
    for record in full_crawl.records:
        want = expected[record["url"]]
        for key, value in want.items():
            if key not in IGNORED and record[key] != value:
                mismatches.append((record["url"], key, value, record[key]))
    assert not mismatches, "\n".join(f"{u} {k}:\n  want {w!r:.300}\n  got  {g!r:.300}"
                                     for u, k, w, g in mismatches[:10])


def test_every_record_says_where_each_field_came_from(full_crawl):
    for record in full_crawl.records:
        assert record["extraction"]["title"] in ("jsonld", "meta", "dom")
        assert record["extraction"]["body"] in ("jsonld", "dom", "fallback")
        assert set(record["extraction"].values()) <= {"jsonld", "meta", "dom", "fallback"}
        for field, layer in record["extraction"].items():
            assert record[field] not in (None, "", []), f"{field} has a layer but no value"


def test_pages_without_structured_data_fall_back_to_the_visible_page(full_crawl):
    # Pages with no JSON-LD, no meta tags and no Next.js data still give every field from the page.
    bare = [r for r in full_crawl.records if r["extraction"]["title"] == "dom"]
    assert bare, "the replica serves bare pages"
    for record in bare:
        for field in ("published_at", "category", "url"):
            assert record["extraction"][field] in ("dom", "fallback"), field


def test_non_article_pages_and_broken_links_yield_no_record(full_crawl, replica):
    site = Site(articles=300, seed=1)
    exported = {r["url"].split(".com", 1)[1] for r in full_crawl.records}
    assert not exported & set(site.non_article_paths())
    assert not exported & set(site.broken_paths())
    assert full_crawl.report["pages"]["by_status"].get("404", 0) >= 1


def test_run_report_summarises_the_run(full_crawl, expected):
    report = full_crawl.report
    assert report["records"]["exported"] == len(expected)
    assert report["records"]["new"] == len(expected)
    assert report["coverage"]["title"]["filled"] == 1.0
    assert report["coverage"]["body"]["filled"] == 1.0
    assert "Run summary:" in full_crawl.log
    # Scrapy 2.19's remote-control server (it runs code sent over HTTP) stays off.
    assert "Remote control HTTP server" not in full_crawl.log


def test_categories_and_max_pages_limit_the_crawl(replica, tmp_path, expected):
    result = run_crawl(replica.url, tmp_path, "categories=banking", "max_pages=1")
    assert result.returncode == 0
    assert result.records, "a one-category crawl still exports its articles"
    banking = {u for u, r in expected.items() if r["category"] == "Banking"}
    assert {r["category"] for r in result.records} >= {"Banking"}
    # Only banking articles, or articles the banking listing itself shows (a second category).
    others = [r for r in result.records if r["category"] != "Banking"]
    assert len(others) <= 12, [r["url"] for r in others]
    assert {r["url"] for r in result.records} <= set(expected)
    assert len(result.records) <= len(banking) + 12
    kinds = result.report["pages"]["by_kind"]
    assert kinds.get("listing", 0) == 0  # max_pages=1: no second listing page
    assert kinds.get("category", 0) == 1


def test_a_category_crawl_exports_everything_its_listing_pages_show(replica, tmp_path, expected):
    # Page 2's articles of a second category are often reached first through a related link of a
    # page-1 article, and skipped as another category's: the listing must bring them back.
    result = run_crawl(replica.url, tmp_path, "categories=banking", "max_pages=3")
    assert result.returncode == 0
    listed = {s.url for s in Site(articles=300, seed=1).listing("Banking")[:3 * PER_PAGE]} & set(expected)
    exported = {r["url"] for r in result.records}
    assert {expected[u]["category"] for u in listed} != {"Banking"}, "the listing shows a second category"
    assert listed <= exported, sorted(listed - exported)
    assert result.report["pages"]["by_kind"].get("listing", 0) == 2


def test_since_skips_older_articles(replica, tmp_path, expected):
    dates = sorted(r["published_at"] for r in expected.values())
    cutoff = dates[len(dates) // 2][:10]
    result = run_crawl(replica.url, tmp_path, f"since={cutoff}")
    assert result.returncode == 0
    assert result.records
    assert all(r["published_at"] >= cutoff for r in result.records)
    newer = {u for u, r in expected.items() if r["published_at"][:10] > cutoff}
    assert newer <= {r["url"] for r in result.records}
