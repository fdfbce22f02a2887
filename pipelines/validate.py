"""Validate pipeline: every record against schemas/article.schema.json (jsonschema, Draft 2020-12).

An invalid record is not exported: it is logged with its URL and every reason, and counted per
reason in `validate/invalid/<field>/<rule>`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem

from pipelines.prepared import prepared_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "article.schema.json"


def load_schema(path: str | Path = SCHEMA_PATH) -> dict[str, Any]:
    try:
        raw = Path(path).read_bytes()
    except NotADirectoryError:  # inside a zipped egg (Scrapyd): read through the import system
        raw = __loader__.get_data(str(path))
    return json.loads(raw.decode("utf-8"))


def load_validator(path: str | Path = SCHEMA_PATH) -> Draft202012Validator:
    schema = load_schema(path)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(validator: Draft202012Validator, record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """[(field, rule, message)] for every way the record breaks the schema."""
    out = []
    for err in sorted(validator.iter_errors(record), key=lambda e: list(e.path)):
        field = ".".join(str(p) for p in err.path) or (
            err.message.split("'")[1] if err.validator == "required" else "record")
        field = field.split(".")[0]
        out.append((field, err.validator, err.message[:200]))
    return out


def compiled(schema: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A yes/no check of the same schema compiled to Python code: a tenth of jsonschema's time."""
    check = fastjsonschema.compile(schema)

    def is_valid(record):
        try:
            check(record)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


class ValidatePipeline:
    def __init__(self, stats: StatsCollector, validator: Draft202012Validator) -> None:
        self.stats, self.validator = stats, validator
        # jsonschema stays the judge of a record the fast check refuses (every reason, counted).
        self.is_valid = compiled(validator.schema)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats, load_validator())

    def process_item(self, item: Any) -> Any:
        prepared = prepared_of(item)
        if prepared is not None and prepared.applied and prepared.valid:  # the same check, run in a worker
            return item
        # A shallow copy: the values are plain JSON types already (asdict() walks every one of them).
        record = dict(ItemAdapter(item).items())
        if self.is_valid(record):
            return item
        found = problems(self.validator, record)
        if not found:
            return item
        for field, rule, _msg in found:
            self.stats.inc_value(f"validate/invalid/{field}/{rule}")
        self.stats.inc_value("gbaf/records/dropped/invalid")
        logger.warning("invalid record %s: %s", record.get("url"),
                       "; ".join(f"{f}: {m}" for f, _r, m in found))
        raise DropItem(f"invalid record {record.get('url')}: {len(found)} problem(s)")
