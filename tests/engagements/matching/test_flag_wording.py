"""Risk-flag details are worded in the reader's language from the data each flag carries."""

from django.utils import translation

from engagements.matching.views import _flag_detail


def test_flag_details_follow_the_language():
    communication = {
        "code": "communication",
        "message": "Only 1.5 h of working-hours overlap.",
        "cause": "overlap",
        "overlap_hours": 1.5,
    }
    quality = {"code": "quality", "message": "…", "review_count": 1, "verified": False}
    with translation.override("en"):
        assert _flag_detail(communication) == "Only 1.5 h of working-hours overlap."
        assert _flag_detail(quality) == "Little evidence of quality: 1 review, not verified."
    with translation.override("it"):
        assert _flag_detail(communication) == "Solo 1,5 h di sovrapposizione dell’orario di lavoro."
        assert _flag_detail(quality) == "Poche prove di qualità: 1 recensione, non verificato."
        assert _flag_detail({"code": "communication", "cause": "language"}) == "Nessuna lingua di lavoro in comune."


def test_a_flag_without_data_keeps_its_stored_message():
    assert _flag_detail({"code": "quality", "message": "Little evidence of quality: 0 reviews."}) == (
        "Little evidence of quality: 0 reviews."
    )
