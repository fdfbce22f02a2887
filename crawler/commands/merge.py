"""Merge the outputs of a distributed crawl's workers into one run's dataset.

    gbaf-merge OUT.jsonl SOURCE... [--generation ID] [-s GBAF_REDIS_URL=...]
    python -m crawler.commands.merge ...   (the same, without installing the project)

Each worker of a crawl generation delivers its own JSON Lines file with its manifest (its run id is
its own). SOURCE is a run manifest (`*.manifest.json`) or a directory searched for them; the
manifests may come from several machines, copied side by side: a manifest's JSON Lines output is
found at the path it records or, failing that, beside the manifest. Only delivered runs count (a
run without a manifest delivered nothing, and its articles are fetched again by the next
generation). Every file is checked against the size and sha256 its manifest gives.

With `--generation` (the id `gbaf-seed` printed) only that generation's runs are taken:
which run belongs to which generation is read from the Redis state store (GBAF_REDIS_URL or
GBAF_STATE_URL, from the environment or `-s`), which also names the generation's runs that died.

The workers' claims (pipelines.claim.ClaimPipeline) make the union free of duplicates by
construction; the merge checks it: a record whose article id was already taken is left out and
counted (`duplicates` in the merged manifest). The output is written atomically, with
`OUT.manifest.json` beside it (its runs, sources, counts, size and sha256). Exit status 0 when
merged, 1 when a source is missing or does not match its manifest.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from crawler.commands import add_setting_option
from crawler.outputs.manifest import MANIFEST_SUFFIX, sha256_file, write_json_atomically
from crawler.outputs.storage import atomic_path
from crawler.state import is_redis_url

logger = logging.getLogger("crawler.commands.merge")


class MergeError(RuntimeError):
    pass


def find_manifests(sources: list[str | Path]) -> list[tuple[Path, dict]]:
    """(path, manifest) of every worker run among the sources (manifests, or directories of them)."""
    manifests = []
    for source in map(Path, sources):
        if source.is_dir():
            manifests.extend(sorted(source.rglob("*" + MANIFEST_SUFFIX)))
        elif source.name.endswith(MANIFEST_SUFFIX) and source.is_file():
            manifests.append(source)
        else:
            raise MergeError(f"{source}: not a run manifest nor a directory")
    out = []
    for path in manifests:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not data.get("merged_from"):  # an earlier merge's own manifest is not a worker's run
            out.append((path, data))
    return out


def jsonl_of(manifest_path: Path, manifest: dict) -> tuple[Path, dict]:
    """The run's JSON Lines output and what its manifest says of it."""
    outputs = [o for o in manifest.get("outputs") or [] if o.get("format") in ("jsonlines", "jsonl", "jl")]
    if not outputs:
        raise MergeError(f"{manifest_path}: no JSON Lines output listed")
    output = outputs[0]
    stem = manifest_path.name[:-len(MANIFEST_SUFFIX)]
    for candidate in (Path(output["path"]), manifest_path.with_name(stem + ".jsonl")):
        if candidate.is_file():
            break
    else:
        raise MergeError(f"{manifest_path}: its output {output['path']} is not there (nor beside it)")
    if candidate.stat().st_size != output.get("size") or sha256_file(candidate) != output.get("sha256"):
        raise MergeError(f"{candidate}: size or sha256 differs from its manifest {manifest_path}")
    return candidate, output


def generation_runs(redis_url: str, generation: str) -> tuple[set[str], dict[str, str]]:
    """({run ids of the generation that committed}, {run id: status of the others})."""
    from crawler.state.redis_store import PREFIX
    from redis import Redis

    r = Redis.from_url(redis_url, decode_responses=True, socket_connect_timeout=10)
    committed, others = set(), {}
    for run_id in r.zrange(PREFIX + "runs", 0, -1):
        run = r.hgetall(PREFIX + f"run:{run_id}")
        if run.get("generation") != generation:
            continue
        if run.get("status") == "committed":
            committed.add(run_id)
        else:
            others[run_id] = run.get("status") or "unknown"
    return committed, others


def merge(out: str | Path, sources: list[str | Path], generation: str | None = None,
          redis_url: str | None = None) -> dict:
    """Merge the delivered runs into out (and its manifest); returns the merged manifest."""
    out = Path(out)
    manifests = find_manifests(sources)
    died = {}
    if generation:
        if not redis_url:
            raise MergeError("--generation needs the Redis state store (GBAF_REDIS_URL)")
        committed, died = generation_runs(redis_url, generation)
        manifests = [(p, m) for p, m in manifests if m.get("run_id") in committed]
        missing = committed - {m.get("run_id") for _, m in manifests}
        if missing:
            raise MergeError(f"generation {generation}: no manifest found for run(s) {', '.join(sorted(missing))}")
        for run_id, status in sorted(died.items()):
            logger.warning("run %s of generation %s is %s: its articles come with the next generation",
                           run_id, generation, status)
    if not manifests:
        raise MergeError("no delivered run to merge")
    manifests.sort(key=lambda pm: (pm[1].get("started_at") or "", pm[1].get("run_id") or ""))
    seen, duplicates, sources_out = set(), 0, []
    with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for path, manifest in manifests:
            jsonl, output = jsonl_of(path, manifest)
            taken = 0
            with open(jsonl, encoding="utf-8") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    key = json.loads(line).get("id")
                    if key in seen:
                        duplicates += 1
                        continue
                    seen.add(key)
                    f.write(line if line.endswith("\n") else line + "\n")
                    taken += 1
            sources_out.append({"run_id": manifest.get("run_id"), "manifest": str(path), "path": str(jsonl),
                                "records": output.get("records"), "taken": taken,
                                "sha256": output.get("sha256")})
    if duplicates:
        logger.warning("%d records were exported by more than one run: left out of %s", duplicates, out)
    summary = {
        "run_id": out.stem, "generation": generation,
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "merged_from": sources_out, "records": {"item_scraped_count": len(seen), "duplicates": duplicates},
        "runs_not_delivered": died,
        "outputs": [{"path": out.as_posix(), "format": "jsonlines", "records": len(seen),
                     "size": out.stat().st_size, "sha256": sha256_file(out)}],
    }
    write_json_atomically(summary, out.with_name(out.stem + MANIFEST_SUFFIX))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gbaf-merge", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the merged JSON Lines file to write")
    parser.add_argument("sources", nargs="+", help="run manifests, or directories holding them")
    parser.add_argument("--generation", help="only the runs of this crawl generation (needs Redis)")
    add_setting_option(parser, "GBAF_REDIS_URL=... or GBAF_STATE_URL=... (else from the environment)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    given = {**os.environ, **dict(args.set)}
    state_url = given.get("GBAF_STATE_URL")
    redis_url = state_url if is_redis_url(state_url) else given.get("GBAF_REDIS_URL")
    try:
        summary = merge(args.out, args.sources, args.generation, redis_url)
    except (MergeError, OSError, ValueError) as exc:
        logger.error("%s: nothing merged", exc)
        return 1
    logger.info("merged %d records from %d runs into %s (%d duplicates left out)",
                summary["records"]["item_scraped_count"], len(summary["merged_from"]), args.out,
                summary["records"]["duplicates"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
