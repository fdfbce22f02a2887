"""The pure part of the pipelines' per-record work, done ahead (and elsewhere) for an item.

The normalize, validate and dedupe pipelines each do two kinds of work on a record: a pure function
of the record (the normalised fields, the schema's verdict, the MinHash signature) and the
stateful rest (stats, log lines, the run's dedupe index, the state store). A `Prepared` is the
pure part of one record, computed in one call by `crawler.archive.extract.prepare(record)` (with
the pipelines' own functions) in spiders/gbaf_warc.py's worker processes beside the parser, and
`attach(item, prepared)` hands it to the pipelines with the item:
each pipeline then takes its part from it instead of computing it again, and does the stateful
rest as before. The outcome is the same record, verdict and signature (the same code computes
them), so what is exported and stored does not depend on where the work ran.

An item without it (a live crawl, `workers=1`) goes through the pipelines as it always did.
"""
from dataclasses import dataclass
from typing import Any

ATTR = "_prepared"  # an attribute of the item, never one of its fields: nothing exports it


@dataclass
class Prepared:
    changes: dict  # the fields normalisation changes (NormalizePipeline; most records: none)
    valid: bool  # the fast schema check's verdict on the normalised record (ValidatePipeline)
    signature: bytes | None = None  # uint32 MinHash values of title and body; None without a body (DedupePipeline)
    text: tuple = ()  # (title, body) the signature is of
    applied: bool = False  # the normalize pipeline made these changes to the item: the verdict is the item's


def attach(item: Any, prepared: Prepared) -> None:
    setattr(item, ATTR, prepared)


def prepared_of(item: Any) -> Prepared | None:
    return getattr(item, ATTR, None)
