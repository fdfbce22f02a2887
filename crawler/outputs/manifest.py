"""The run manifest: what a run delivered, each output verified, written before the state commit.

One manifest per run, in the run's directory, whatever the outputs are and wherever they lie:
`<GBAF_DATA_DIR>/articles/<run date>/<run id>.manifest.json`. It holds run id, start and end,
close reason, schema_version, record counts (items scraped and dropped plus every
`gbaf/records/*` counter) and, for each output, its final path, the temporary name it was
verified under, format, record count, size and sha256. Its presence is the run's commit marker:
docs/protocol.md says what a run and its recovery do around it.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.items import SCHEMA_VERSION
from crawler.outputs.storage import replace_durably, write_atomically

JSONL_FORMATS = ("jsonlines", "jsonl", "jl")
MANIFEST_SUFFIX = ".manifest.json"


class OutputError(RuntimeError):
    """An output does not hold what the run exported: the run must not be delivered."""


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    return value


def write_json_atomically(data: dict, path: Path, before_rename: Callable[[], object] | None = None) -> None:
    """Write, fsync, rename into place, fsync the folder (storage.atomic_path). before_rename()
    runs between the two."""
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n", before_rename)


def manifest_path(data_dir: str | os.PathLike, run_date: str, run_id: str) -> Path:
    return Path(data_dir) / "articles" / str(run_date) / f"{run_id}{MANIFEST_SUFFIX}"


def count_records(path: Path, fmt: str, offset: int = 0) -> int | None:
    """Records in the file from byte `offset` on, read back from disk; None for formats whose
    records cannot be counted back (RSS, Atom, XML, CSV: checksummed only). A JSON Lines line
    that is not one whole JSON object (a short write) raises OutputError."""
    if fmt in JSONL_FORMATS:
        n = 0
        with open(path, "rb") as f:
            f.seek(offset)
            for number, line in enumerate(f, 1):
                if not line.endswith(b"\n"):
                    raise OutputError(f"{path}: line {number} of this run is cut short")
                try:
                    json.loads(line)
                except ValueError:
                    raise OutputError(f"{path}: line {number} of this run is not JSON") from None
                n += 1
        return n
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_metadata(path).num_rows
        except Exception as exc:  # Arrow raises several kinds for a broken file
            raise OutputError(f"{path}: not a readable Parquet file ({exc})") from None
    if fmt == "json":
        try:
            return len(json.loads(Path(path).read_bytes() or b"[]"))
        except ValueError:
            raise OutputError(f"{path}: not a whole JSON document") from None
    return None


def describe_output(final: Path, temp: Path, fmt: str, expected: int | None, offset: int = 0,
                    kind: str = "feed") -> dict:
    """The manifest entry of an output verified under its temporary name (fsynced already)."""
    counted = count_records(temp, fmt, offset)
    if counted is not None and expected is not None and counted != expected:
        raise OutputError(f"{final}: {counted} records written, {expected} exported")
    entry = {"path": Path(final).as_posix(), "temp": Path(temp).as_posix(), "kind": kind,
             "format": fmt, "records": expected if counted is None else counted,
             "size": temp.stat().st_size, "sha256": sha256_file(temp)}
    if offset:
        entry["offset"] = offset  # appended: size and sha256 cover the whole file
    return entry


def build_manifest(stats: dict, run_id: str, spider_name: str, reason: str, outputs: list[dict]) -> dict:
    records = {key: stats[key] for key in ("item_scraped_count", "item_dropped_count") if key in stats}
    records.update({k: v for k, v in sorted(stats.items()) if k.startswith("gbaf/records/")})
    return {
        "run_id": run_id,
        "spider": spider_name,
        "started_at": _iso(stats.get("start_time")),
        "finished_at": _iso(stats.get("finish_time") or datetime.now(timezone.utc)),
        "finish_reason": reason,
        "schema_version": SCHEMA_VERSION,
        "records": records,
        "outputs": outputs,
    }


def read_manifest(path: str | os.PathLike) -> dict | None:
    """The manifest at path, None when there is none; OutputError when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutputError(f"manifest {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), list):
        raise OutputError(f"manifest {path} is not a run manifest")
    return data


def deliver_outputs(manifest: dict, after_first: Callable[[], object] | None = None) -> list[str]:
    """Rename every output of a written manifest into place (roll forward: also what recovery
    does for a run that died after its manifest). Returns the problems found ([] when none)."""
    problems = []
    for number, out in enumerate(manifest["outputs"]):
        if out.get("protocol") is False:
            continue  # remote or stdout: delivered by Scrapy, named for the record only
        final, temp = Path(out["path"]), Path(out.get("temp") or out["path"])
        if temp != final and temp.exists():
            if sha256_file(temp) != out["sha256"]:
                problems.append(f"{temp} differs from its manifest")
                continue
            replace_durably(temp, final)
            if number == 0 and after_first is not None:
                after_first()
        elif not final.exists() or (final.stat().st_size != out["size"] and not out.get("offset")):
            problems.append(f"{final} is missing or differs from its manifest")
    return problems


__all__ = ["JSONL_FORMATS", "MANIFEST_SUFFIX", "OutputError", "build_manifest", "count_records",
           "deliver_outputs", "describe_output", "manifest_path", "read_manifest",
           "sha256_file", "write_json_atomically"]
