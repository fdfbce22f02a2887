"""A run: its report, its end-of-run checks, its JOBDIR guard and (crawler.run.lifecycle) its owner."""
