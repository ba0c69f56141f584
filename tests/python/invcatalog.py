"""Parse iroise's THREDDS catalogs with the standard library's XML parser and print their shape.

Usage: python invcatalog.py BASE_URL

Fetches BASE_URL/catalog.xml and every catalogRef it holds, and prints JSON:
{"root": CAT, "children": [CAT...]} where CAT = {"url", "tag", "version", "services":
[{"name", "serviceType", "base"}], "catalog_refs": [href...], "datasets": [{"name", "ID",
"urlPath", "dataSize", "dataSize_units", "modified"}]}. A document that is not well-formed XML
makes the script fail with the parser's message.
"""

import json
import sys
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

NS = "{http://www.unidata.ucar.edu/namespaces/thredds/InvCatalog/v1.0}"
XLINK = "{http://www.w3.org/1999/xlink}"


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return ET.fromstring(response.read())


def dataset_shape(element):
    size = element.find(NS + "dataSize")
    modified = [d.text for d in element.findall(NS + "date") if d.get("type") == "modified"]
    return {
        "name": element.get("name"),
        "ID": element.get("ID"),
        "urlPath": element.get("urlPath"),
        "dataSize": size.text.strip() if size is not None and size.text else None,
        "dataSize_units": size.get("units") if size is not None else None,
        "modified": modified,
    }


def catalog_shape(url):
    root = fetch(url)
    return {
        "url": url,
        "tag": root.tag,
        "version": root.get("version"),
        "services": [
            {"name": s.get("name"), "serviceType": s.get("serviceType"), "base": s.get("base")}
            for s in root.iter(NS + "service")
        ],
        "catalog_refs": [urljoin(url, r.get(XLINK + "href")) for r in root.iter(NS + "catalogRef")],
        "datasets": [dataset_shape(d) for d in root.iter(NS + "dataset") if d.get("urlPath")],
    }


def main(base_url):
    top = catalog_shape(base_url.rstrip("/") + "/catalog.xml")
    children = [catalog_shape(href) for href in top["catalog_refs"]]
    json.dump({"root": top, "children": children}, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
