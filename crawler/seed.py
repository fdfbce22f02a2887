"""`python -m crawler.seed`: kept for operators' existing schedules; the command lives in
crawler/commands/seed.py (`gbaf-seed`)."""
import sys

from crawler.commands.seed import main

if __name__ == "__main__":
    sys.exit(main())
