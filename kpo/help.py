"""Documentation pages rendered from docs/*.md, so the README and the app show one text.

A page is a guide for buyers in the reader's language (docs/guide/<page>.<language>.md, English
when there is none in theirs) followed by its technical reference as an appendix (docs/<page>.md,
in English: the one text the README links)."""

from functools import cache

import markdown
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# page -> (technical reference, title); the guides are docs/guide/<page>.<language>.md.
PAGES = {"scoring": ("docs/scoring.md", _("How scores work"))}


@cache
def _render(path: str) -> str:
    text = (settings.BASE_DIR / path).read_text(encoding="utf-8")
    # Our own, reviewed documentation: trusted HTML.
    return markdown.markdown(text, extensions=["tables", "fenced_code", "toc", "sane_lists"])


def _guide(page: str) -> tuple[str, str]:
    """(the guide's path, its language): the reader's language, else English."""
    language = (get_language() or "en").split("-")[0]
    for candidate in (language, "en"):
        path = f"docs/guide/{page}.{candidate}.md"
        if (settings.BASE_DIR / path).exists():
            return path, candidate
    raise Http404


def help_page(request, page: str):
    if page not in PAGES:
        raise Http404
    reference, title = PAGES[page]
    guide, language = _guide(page)
    context = {
        "title": title,
        "guide": mark_safe(_render(guide)),  # noqa: S308
        "guide_language": language,
        "appendix": mark_safe(_render(reference)),  # noqa: S308
    }
    return render(request, "kpo/help_page.html", context)
