"""Read iroise's THREDDS catalog with siphon, as a user would, and print what it sees as JSON.

Usage: python siphon_catalog.py BASE_URL

Prints {"catalog_name", "refs": [title...], "catalog_refs": [{"title", "href",
"datasets": [{"name", "url_path", "access_urls": {service_type: url}}]}]}.
"""

import json
import sys

from siphon.catalog import TDSCatalog


def main(base_url):
    top = TDSCatalog(base_url.rstrip("/") + "/catalog.xml")
    refs = []
    for title, ref in top.catalog_refs.items():
        sub = ref.follow()
        datasets = [
            {
                "name": name,
                "url_path": dataset.url_path,
                "access_urls": {str(k): v for k, v in dataset.access_urls.items()},
            }
            for name, dataset in sub.datasets.items()
        ]
        refs.append({"title": str(title), "href": ref.href, "datasets": datasets})
    output = {
        "catalog_name": top.catalog_name,
        "refs": [str(title) for title in top.catalog_refs],
        "catalog_refs": refs,
    }
    json.dump(output, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
