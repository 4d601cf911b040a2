"""Make kpo/root_files/favicon.ico (served at /favicon.ico) from static/img/logo.svg: the logo
rendered at 16, 32 and 48 px by the Chromium the browser tests use, the PNGs packed into one
.ico (PNG entries: every browser since 2007). Run after changing the logo:

    .venv/bin/python scripts/make_favicon.py
"""

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.harness.preflight import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
svg = (ROOT / "static" / "img" / "logo.svg").read_text()
sizes = [16, 32, 48]
pngs = []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    for size in sizes:
        page = browser.new_page(viewport={"width": size, "height": size})
        sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
        page.set_content('<html><body style="margin:0;background:transparent">' + sized + "</body></html>")
        pngs.append(page.screenshot(omit_background=True, clip={"x": 0, "y": 0, "width": size, "height": size}))
    browser.close()
header = struct.pack("<HHH", 0, 1, len(sizes))
offset = 6 + 16 * len(sizes)
entries = b""
for size, png in zip(sizes, pngs, strict=True):
    entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
    offset += len(png)
(ROOT / "kpo" / "root_files" / "favicon.ico").write_bytes(header + entries + b"".join(pngs))
