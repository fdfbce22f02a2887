"""`python -m crawler.parse PAGE.html --url URL`: kept for the users and scripts of issue 14's
promise; the command lives in crawler/commands/parse.py (`gbaf-parse`)."""
import sys

from crawler.commands.parse import main

if __name__ == "__main__":
    sys.exit(main())
