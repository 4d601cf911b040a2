"""A free slug made from a name, for records whose client gave none (API, forms)."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet
from django.utils.text import slugify


def free_slug(taken_in: QuerySet, name: str, *, fallback: str, reserved: Collection[str] = ()) -> str:
    """`name` as a slug, or `fallback` when it has no Latin letters or digits (a name in
    Devanagari or Japanese), with -2, -3, ... added until no row of `taken_in` and no
    reserved word has it."""
    base = slugify(name)[:200].strip("-") or fallback
    taken = set(taken_in.filter(slug__startswith=base).values_list("slug", flat=True)) | set(reserved)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
