"""The pure part of the pipelines' per-record work, done ahead (and elsewhere) for an item.

The normalize, validate and dedupe pipelines each do two kinds of work on a record: a pure function
of the record (the normalised fields, the schema's verdict, the MinHash signature) and the
stateful rest (stats, log lines, the run's dedupe index, the state store). `prepare(record)`
computes the pure part in one call, so that spiders/gbaf_warc.py can run it in its worker
processes beside the parser, and `attach(item, prepared)` hands it to the pipelines with the item:
each pipeline then takes its part from it instead of computing it again, and does the stateful
rest as before. The outcome is the same record, verdict and signature (the same code computes
them), so what is exported and stored does not depend on where the work ran.

An item without it (a live crawl, `workers=1`) goes through the pipelines as it always did.
"""
from dataclasses import dataclass
from functools import lru_cache

ATTR = "_prepared"  # an attribute of the item, never one of its fields: nothing exports it


@dataclass
class Prepared:
    changes: dict  # the fields normalisation changes (NormalizePipeline; most records: none)
    valid: bool  # the fast schema check's verdict on the normalised record (ValidatePipeline)
    signature: bytes | None = None  # uint32 MinHash values of title and body; None without a body (DedupePipeline)
    text: tuple = ()  # (title, body) the signature is of
    applied: bool = False  # the normalize pipeline made these changes to the item: the verdict is the item's


@lru_cache(maxsize=1)
def _is_valid():
    from pipelines.validate import compiled, load_schema

    return compiled(load_schema())  # the schema itself is checked by the pipeline, in the spider's process


def prepare(record):
    """The Prepared of a record as the parser made it, or None for a record the normalize
    pipeline drops as malformed (the pipeline then counts and logs it, as for any item)."""
    from pipelines.dedupe import minhash
    from pipelines.normalize import malformed, normalize_fields

    if malformed(record) is not None:
        return None
    normal = dict(record)
    normalize_fields(normal)
    changes = {k: v for k, v in normal.items() if k not in record or record[k] != v}
    # The record's own strings where unchanged: pickled once with it, and compared by identity.
    title, body = (changes["title"] if "title" in changes else record.get("title"),
                   changes["body"] if "body" in changes else record.get("body"))
    signature = minhash(f"{title or ''} {body}").hashvalues.tobytes() if body else None
    return Prepared(changes, _is_valid()(dict(normal)), signature, (title, body) if body else ())


def attach(item, prepared):
    setattr(item, ATTR, prepared)


def prepared_of(item):
    return getattr(item, ATTR, None)
