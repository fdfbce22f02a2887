"""Command line: serve the replica, or dump the records a full crawl of it must produce.

    python -m replica --port 8000 --articles 300 --seed 1 [--step K] [--host 127.0.0.1] [--verbose]
    python -m replica --dump-expected FILE.jsonl --articles 300 --seed 1 [--step K]
    python -m replica --faults hostile [--fault-seed 1] [--fault-timeout-seconds 12] [--stats-file F.json] ...
    python -m replica --faults hostile --dump-faults -    the fault profile and its oracle (see replica.faults)
    python -m replica --js-share 0.1 [--load-more Business] ...   pages filled by script (see replica.site)
"""
from __future__ import annotations

import argparse
import json
import signal
import sys

from .server import serve
from .site import Site


def _stop(signum, frame):
    # SIGTERM (how tests and CI stop us) ends the server cleanly, like Ctrl-C.
    raise KeyboardInterrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", type=int, default=0, help="show the site this many steps later")
    parser.add_argument("--js-share", type=float, default=0.0,
                        help="share of article pages whose 'More from' block is filled by script; above 0 one "
                             "category also lists its later articles behind 'Load more' (default 0: none)")
    parser.add_argument("--load-more", default=None, metavar="CATEGORY",
                        help="the category listed behind 'Load more' when --js-share > 0 (default Business)")
    parser.add_argument("--faults", default="none", choices=("none", "hostile"),
                        help="serve the site as a hostile host does (see replica.faults; default none: no faults)")
    parser.add_argument("--fault-seed", type=int, default=1, help="which articles get which fault (default 1)")
    parser.add_argument("--fault-timeout-seconds", type=float, default=12.0,
                        help="how long the 'timeout' fault keeps a first request waiting (default 12)")
    parser.add_argument("--stats-file", metavar="FILE.json",
                        help="under --faults: keep the server's request counters in this file (also GET /__replica/stats)")
    parser.add_argument("--dump-faults", metavar="FILE.json",
                        help="write the fault profile and its oracle (JSON; - for stdout) and exit")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--dump-expected", metavar="FILE.jsonl",
                        help="write the expected records (one JSON object a line, sorted by url; - for stdout) and exit")
    args = parser.parse_args(argv)

    site = Site(articles=args.articles, seed=args.seed, step=args.step, js_share=args.js_share,
                load_more=args.load_more)
    profile = None
    if args.faults != "none" or args.dump_faults:
        from .faults import FaultProfile
        profile = FaultProfile(site, args.faults, args.fault_seed)
    if args.dump_faults:
        out = sys.stdout if args.dump_faults == "-" else open(args.dump_faults, "w", encoding="utf-8")
        try:
            out.write(json.dumps(profile.describe(), ensure_ascii=False, indent=1) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        return 0
    if args.dump_expected:
        out = sys.stdout if args.dump_expected == "-" else open(args.dump_expected, "w", encoding="utf-8")
        try:
            for record in (profile or site).expected_records():
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        return 0
    signal.signal(signal.SIGTERM, _stop)
    faults = None
    if profile is not None and profile.enabled:
        from .faults import FaultLayer
        faults = FaultLayer(profile, timeout_seconds=args.fault_timeout_seconds, stats_file=args.stats_file,
                            local_hosts=("127.0.0.1", "localhost", "::1", args.host))
    serve(site, host=args.host, port=args.port, verbose=args.verbose, **({"faults": faults} if faults else {}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
