"""`python -m crawler.distributed.merge`: kept for operators' existing schedules; the command lives
in crawler/commands/merge.py (`gbaf-merge`)."""
import sys

from crawler.commands.merge import main

if __name__ == "__main__":
    sys.exit(main())
