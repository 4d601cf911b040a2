"""Counts read right in both languages: one vendor is "1 vendor", never "1 vendors" (ngettext and
blocktranslate's count), where the shortlists, RFPs and exports speak of vendors."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

pytestmark = pytest.mark.django_db


class Export:
    """What the export panel reads of a running export."""

    pk = 7
    finished = False
    failed = False
    progress = 50
    rows_done = 0
    rows_total = 1


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [("en", "0 of 1 vendor", "0 of 2 vendors"), ("it", "0 di 1 fornitore", "0 di 2 fornitori")],
)
def test_the_export_panel_counts_vendors_in_the_singular_and_the_plural(language, one, many):
    def panel(total: int) -> str:
        export = Export()
        export.rows_total = total
        with translation.override(language):
            return render_to_string("vendors/partials/vendor_export_panel.html", {"exports": [export], "working": True})

    assert one in panel(1) and many not in panel(1)
    assert many in panel(2)


@pytest.mark.parametrize(
    ("language", "invited", "text"),
    [
        ("en", 1, "Invitation sent to 1 vendor. Its proposal stays sealed until the deadline."),
        ("en", 3, "Invitations sent to 3 vendors. Proposals stay sealed until the deadline."),
        ("it", 1, "Invito inviato a 1 fornitore. La sua proposta resta sigillata fino alla scadenza."),
    ],
)
def test_the_rfp_confirmation_counts_the_invitees(language, invited, text):
    from django.utils.translation import ngettext

    with translation.override(language):
        message = ngettext(
            "Invitation sent to %(count)s vendor. Its proposal stays sealed until the deadline.",
            "Invitations sent to %(count)s vendors. Proposals stay sealed until the deadline.",
            invited,
        ) % {"count": invited}
    assert message == text


@pytest.mark.parametrize(
    ("language", "eligible", "shown", "text"),
    [
        ("en", 1, 1, "1 of 28 active vendors qualified. The best one is ranked."),
        ("en", 12, 10, "12 of 28 active vendors qualified. The best 10 are ranked."),
        ("it", 1, 1, "1 fornitore attivo su 28 è idoneo. È in classifica il migliore."),
        ("it", 5, 1, "5 fornitori attivi su 28 sono idonei. È in classifica il migliore."),
        ("it", 12, 10, "12 fornitori attivi su 28 sono idonei. Sono in classifica i migliori 10."),
    ],
)
def test_a_runs_outcome_agrees_with_each_of_its_numbers(language, eligible, shown, text):
    from engagements.models import MatchRun

    run = MatchRun(candidates_total=28, candidates_eligible=eligible, parameters={"top_k": shown})
    with translation.override(language):
        assert run.describe() == text


@pytest.mark.parametrize(
    ("language", "total", "text"),
    [
        ("en", 1, "The only active vendor was left out: it does not work in the requirement's domain."),
        ("it", 1, "L’unico fornitore attivo è stato escluso: non lavora nel dominio del requisito."),
        (
            "en",
            28,
            "All 28 active vendors were left out. Most often (20): it does not work in the requirement's domain.",
        ),
        (
            "it",
            28,
            "Tutti i 28 fornitori attivi sono stati esclusi. Più spesso (20): non lavora nel dominio del requisito.",
        ),
    ],
)
def test_a_run_that_ranks_nobody_says_why_in_words(language, total, text):
    from engagements.models import MatchRun

    exclusions = {"domain_not_covered": min(total, 20), "no_rate": total - min(total, 20)}
    run = MatchRun(candidates_total=total, candidates_eligible=0, exclusions=exclusions, parameters={})
    with translation.override(language):
        assert run.describe() == text
