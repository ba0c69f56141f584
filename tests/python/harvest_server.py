"""HTTP fixture server for the harvest tests, on 127.0.0.1 with a free port.

    harvest_server.py ROOT LOG [--break NAME:BYTES] [--rate BYTES_PER_SECOND]
                               [--appear SRC:DST] [--wrong-checksum NAME] [--page-size N]

Prints "PORT <n>" on stdout once listening. Serves:

- ROOT with folder listings in the form of python's http.server (links only), and files with
  `Range: bytes=N-` (206 + Content-Range), Last-Modified and HEAD;
- `/opensearch/atom?startIndex=I&count=N` and `/opensearch/geojson?page=P&count=N`: every file
  under ROOT/products as OpenSearch 1.1 results (Atom feed with os:totalResults, entries with an
  enclosure link, length, updated and an MD5 checksum; a GeoJSON FeatureCollection with
  properties.services.download {url, size, checksum}), paged through `next` links.

Appends one JSON line per request to LOG: {"method", "path", "range", "status", "bytes"} where
`bytes` is the body bytes actually sent. `--break NAME:BYTES` cuts the first download of NAME
after BYTES bytes (the connection closes early); `--rate` slows every download; `--appear
SRC:DST` moves SRC to DST (relative to ROOT) when the first file download starts, so that a file
appears while a harvest is in progress; `--wrong-checksum NAME` gives NAME a wrong checksum in
search results.
"""

import argparse
import email.utils
import hashlib
import html
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ATOM = "http://www.w3.org/2005/Atom"
OS = "http://a9.com/-/spec/opensearch/1.1/"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("log")
    ap.add_argument("--break", dest="brk")
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--appear")
    ap.add_argument("--wrong-checksum", default="")
    ap.add_argument("--page-size", type=int, default=2)
    args = ap.parse_args()
    root = os.path.realpath(args.root)
    lock = threading.Lock()
    state = {"broken": False, "appeared": False}
    brk_name, brk_bytes = (args.brk.split(":")[0], int(args.brk.split(":")[1])) if args.brk else (None, 0)

    def log(entry):
        with lock, open(args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def products():
        base = os.path.join(root, "products")
        out = []
        for d, _, files in os.walk(base):
            for n in files:
                if not n.endswith((".md5", ".sha256")):
                    out.append(os.path.relpath(os.path.join(d, n), root))
        return sorted(out)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def base(self):
            return f"http://{self.headers.get('Host')}"

        def reply(self, status, body, ctype):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            log({"method": self.command, "path": self.path, "range": None, "status": status, "bytes": len(data)})

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/opensearch/atom":
                return self.atom(q)
            if url.path == "/opensearch/geojson":
                return self.geojson(q)
            path = os.path.realpath(os.path.join(root, urllib.parse.unquote(url.path).lstrip("/")))
            if not path.startswith(root) or not os.path.exists(path):
                return self.reply(404, "not found\n", "text/plain")
            if os.path.isdir(path):
                if not url.path.endswith("/"):
                    self.send_response(301)
                    self.send_header("Location", url.path + "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                names = sorted(os.listdir(path))
                items = "".join(
                    f'<li><a href="{urllib.parse.quote(n)}{"/" if os.path.isdir(os.path.join(path, n)) else ""}">{html.escape(n)}</a></li>'
                    for n in names if not n.startswith(".")
                )
                return self.reply(200, f"<html><body><ul>{items}</ul></body></html>", "text/html")
            self.file(path, os.path.basename(path))

        def file(self, path, name):
            if args.appear and not state["appeared"] and self.command == "GET":
                state["appeared"] = True
                src, dst = args.appear.split(":")
                os.makedirs(os.path.dirname(os.path.join(root, dst)), exist_ok=True)
                os.rename(os.path.join(root, src), os.path.join(root, dst))
            size = os.path.getsize(path)
            start, rng = 0, self.headers.get("Range")
            if rng and rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                if start >= size:
                    return self.reply(416, "", "text/plain")
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(size - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", email.utils.formatdate(os.path.getmtime(path), usegmt=True))
            self.end_headers()
            sent = 0
            limit = size - start
            if name == brk_name and not state["broken"] and self.command == "GET":
                state["broken"] = True
                limit = min(limit, brk_bytes)
            if self.command == "GET":
                with open(path, "rb") as f:
                    f.seek(start)
                    try:
                        while sent < limit:
                            chunk = f.read(min(16384, limit - sent))
                            if not chunk:
                                break
                            self.wfile.write(chunk)
                            sent += len(chunk)
                            if args.rate:
                                time.sleep(len(chunk) / args.rate)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
            log({"method": self.command, "path": self.path, "range": rng, "status": 206 if start else 200, "bytes": sent})
            if sent < size - start and self.command == "GET":
                self.close_connection = True

        def entries(self):
            out = []
            for rel in products():
                p = os.path.join(root, rel)
                with open(p, "rb") as f:
                    md5 = hashlib.md5(f.read()).hexdigest()
                if os.path.basename(rel) == args.wrong_checksum:
                    md5 = "0" * 32
                updated = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(p)))
                out.append({"rel": rel, "name": os.path.basename(rel), "size": os.path.getsize(p), "md5": md5, "updated": updated})
            return out

        def atom(self, q):
            count = int(q.get("count", args.page_size))
            start = int(q.get("startIndex", 1))
            all_ = self.entries()
            page = all_[start - 1:start - 1 + count]
            def link(i):
                qq = dict(q, startIndex=str(i), count=str(count))
                return html.escape(f"{self.base()}/opensearch/atom?{urllib.parse.urlencode(qq)}")
            parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="{ATOM}" xmlns:os="{OS}" xmlns:eo="http://a9.com/-/opensearch/extensions/eo/1.0/">',
                     "<title>Iroise test search</title><id>urn:iroise:test</id><updated>2026-11-21T00:00:00Z</updated>",
                     f"<os:totalResults>{len(all_)}</os:totalResults><os:startIndex>{start}</os:startIndex><os:itemsPerPage>{count}</os:itemsPerPage>",
                     f'<link rel="self" type="application/atom+xml" href="{link(start)}"/>']
            if start - 1 + count < len(all_):
                parts.append(f'<link rel="next" type="application/atom+xml" href="{link(start + count)}"/>')
            for e in page:
                href = html.escape(f"{self.base()}/{urllib.parse.quote(e['rel'])}")
                parts.append(f"<entry><id>urn:iroise:{html.escape(e['name'])}</id><title>{html.escape(e['name'])}</title><updated>{e['updated']}</updated>"
                             f'<link rel="enclosure" type="application/octet-stream" href="{href}" length="{e["size"]}"/>'
                             f'<eo:checksum algorithm="MD5">{e["md5"]}</eo:checksum></entry>')
            parts.append("</feed>")
            self.reply(200, "\n".join(parts), "application/atom+xml")

        def geojson(self, q):
            count = int(q.get("count", args.page_size))
            page = int(q.get("page", 1))
            all_ = self.entries()
            chunk = all_[(page - 1) * count:page * count]
            links = [{"rel": "self", "href": f"{self.base()}/opensearch/geojson?{urllib.parse.urlencode(dict(q, page=page, count=count))}"}]
            if page * count < len(all_):
                links.append({"rel": "next", "type": "application/geo+json",
                              "href": f"{self.base()}/opensearch/geojson?{urllib.parse.urlencode(dict(q, page=page + 1, count=count))}"})
            doc = {"type": "FeatureCollection",
                   "properties": {"totalResults": len(all_), "startIndex": (page - 1) * count + 1, "itemsPerPage": count, "links": links},
                   "features": [{"type": "Feature", "id": e["name"], "geometry": None,
                                 "properties": {"title": e["name"], "updated": e["updated"],
                                                "services": {"download": {"url": f"{self.base()}/{urllib.parse.quote(e['rel'])}",
                                                                          "mimeType": "application/octet-stream",
                                                                          "size": e["size"], "checksum": f"md5:{e['md5']}"}}}}
                                for e in chunk]}
            self.reply(200, json.dumps(doc), "application/geo+json")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
