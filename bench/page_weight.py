"""Bytes over the wire of each public page, compressed, in English and Arabic: HTML, CSS and JS.
Fails (exit 1) above the budget or if a page asks for anything from another host.

    python bench/page_weight.py --base http://127.0.0.1:8300
"""

import argparse
import gzip
import http.client
import json
import re
import sys
import urllib.parse

BUDGETS = {"home": 30 * 1024, "form": 50 * 1024, "page": 50 * 1024}


def fetch(base: str, path: str, method="GET", body: str | None = None, cookie: str = "") -> tuple[int, bytes, dict]:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    headers = {"Accept-Encoding": "gzip, br"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        headers[name.lower()] = f"{headers[name.lower()]}; {value}" if name.lower() in headers else value
    return response.status, response.read(), headers


def text_of(raw: bytes, headers: dict) -> str:
    return (gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw).decode()


def page_weight(base: str, path: str, kind: str, method="GET", body=None, cookie="") -> dict:
    status, raw, headers = fetch(base, path, method, body, cookie)
    html = text_of(raw, headers)
    # Anything the page itself loads (a plain link such as the quick exit is not a request).
    foreign = re.findall(
        r'<(?:link|script|img|iframe|source|video|audio|embed)[^>]+(?:href|src)="(https?://[^"]+)"', html
    )
    sizes = {"html": len(raw), "css": 0, "js": 0, "other": 0}
    for asset in re.findall(r'<(?:link|script)[^>]+(?:href|src)="(/static/[^"]+)"', html):
        _status, body_bytes, _headers = fetch(base, asset)
        kind_of = "css" if asset.endswith(".css") else "js" if asset.endswith(".js") else "other"
        sizes[kind_of] += len(body_bytes)
    total = sum(sizes.values())
    ok = status == 200 and total <= BUDGETS[kind] and not foreign
    return {
        "path": path,
        "status": status,
        **sizes,
        "total": total,
        "budget": BUDGETS[kind],
        "foreign": foreign,
        "ok": ok,
    }


def measure(base: str) -> list[dict]:
    results = []
    for language in ("en", "ar"):
        results.append(page_weight(base, f"/{language}/", "home"))
        results.append(page_weight(base, f"/{language}/privacy/", "page"))
        results.append(page_weight(base, f"/{language}/status/", "form"))
        _status, _raw, headers = fetch(base, f"/{language}/complaint/")
        results.append(page_weight(base, f"/{language}/complaint/", "form"))
        cookie_match = re.search(r"csrftoken=([A-Za-z0-9]+)", headers.get("set-cookie", ""))
        token = cookie_match.group(1)
        form = f"csrfmiddlewaretoken={token}"
        _status, _raw, started = fetch(base, f"/{language}/complaint/", "POST", form, f"csrftoken={token}")
        draft_path = urllib.parse.urlsplit(started["location"]).path
        draft_base = draft_path.rsplit("/", 2)[0]
        for step in ("about", "what", "officers", "people", "story", "contact"):
            results.append(page_weight(base, f"{draft_base}/{step}/", "form", cookie=f"csrftoken={token}"))
        # The seeded survey: its list, start page and each of its pages.
        results.append(page_weight(base, f"/{language}/surveys/", "page"))
        results.append(page_weight(base, f"/{language}/surveys/body-cameras/", "form"))
        _status, _raw, started = fetch(base, f"/{language}/surveys/body-cameras/", "POST", form, f"csrftoken={token}")
        survey_base = urllib.parse.urlsplit(started["location"]).path.rsplit("/", 2)[0]
        for section in range(1, 6):
            results.append(page_weight(base, f"{survey_base}/{section}/", "form", cookie=f"csrftoken={token}"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    args = parser.parse_args()
    results = measure(args.base)
    print(json.dumps(results))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
