"""Documentation pages rendered from docs/*.md, so the README and the app show one text."""

from functools import cache

import markdown
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

# The pages are written in English only (one text with the README); their titles are translated.
PAGES = {"scoring": ("docs/scoring.md", _("How scores work"))}


@cache
def _render(path: str) -> str:
    text = (settings.BASE_DIR / path).read_text(encoding="utf-8")
    # Our own, reviewed documentation: trusted HTML.
    return markdown.markdown(text, extensions=["tables", "fenced_code", "toc", "sane_lists"])


def help_page(request, page: str):
    if page not in PAGES:
        raise Http404
    path, title = PAGES[page]
    return render(request, "kpo/help_page.html", {"title": title, "body": mark_safe(_render(path))})  # noqa: S308
