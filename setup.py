"""Packaging for Scrapyd: `scrapyd-deploy` runs `python setup.py bdist_egg` and uploads the egg.

The egg holds what a crawl imports (the `crawler`, `spiders` and `pipelines` packages and the record
schema the validate pipeline loads), not the tests, the replica or the benchmarks. Its `scrapy`
entry point names the settings module, which is how Scrapyd finds the project's settings.
Dependencies are not in the egg: install requirements.txt on the Scrapyd host.

`pip install .` (in a virtual environment) also installs the project's commands: `gbaf-seed`
(seed a distributed crawl), `gbaf-merge` (merge the outputs of distributed workers) and
`gbaf-parse` (parse one saved page); the crawl itself is `scrapy crawl gbaf` from the project folder.
pyproject.toml is not used: Scrapyd's egg build (`python setup.py bdist_egg`) needs this file.
"""
from setuptools import find_packages, setup

setup(
    name="gbaf-crawler",
    version="1.0",
    description="Crawler of Global Banking & Finance Review articles (Scrapy project)",
    packages=find_packages(include=["crawler", "crawler.*", "spiders", "pipelines"]) + ["schemas"],
    # schemas/ is a data folder, not a Python package: it is listed so that its file lands in the
    # egg at the same place relative to pipelines/ as in the repository.
    package_data={"schemas": ["article.schema.json"]},
    entry_points={
        "scrapy": ["settings = crawler.settings"],
        "console_scripts": [
            "gbaf-seed = crawler.seed:main",
            "gbaf-merge = crawler.distributed.merge:main",
            "gbaf-parse = crawler.parse:main",
        ],
    },
    zip_safe=False,
)
