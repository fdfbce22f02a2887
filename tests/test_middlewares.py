"""Downloader middlewares on their own: Retry-After parsing, backoff bounds."""
from datetime import datetime, timezone

import pytest

from crawler.middlewares import retry_after_seconds


@pytest.mark.parametrize("value,expected", [
    ("7", 7.0), (b"120", 120.0), ("Wed, 25 Nov 2026 06:00:30 GMT", 30.0), ("garbage", None), ("", None),
    ("Wed, 25 Nov 2026 05:00:00 GMT", 0.0),  # a date in the past: no wait
    ("1.5", 1.5), ("-10", None), ("\u00b2", None), ("\u0663", None),  # "²" and "٣" pass str.isdigit()
    ("99999999999", 99999999999.0),  # capped by GBAF_RETRY_AFTER_MAX where it is used
])
def test_retry_after_seconds(value, expected):
    now = datetime(2026, 11, 25, 6, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(value, now=now) == expected
