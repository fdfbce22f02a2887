"""Archives and datasets: WARC writing (writer), WARC reading and re-extraction (reader, extract,
spiders/gbaf_warc.py), backfill from CC-NEWS and CDX indexes (backfill), the dataset snapshot
(snapshot). User documentation: docs/archive.md."""
