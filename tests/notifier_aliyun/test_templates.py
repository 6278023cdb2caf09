"""Domain tier: every text the notifier composes maps onto an approved Aliyun template with its parameters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from services.notifier.adapters.aliyun.templates import (
    SMS_TEMPLATES,
    TTS_TEMPLATES,
    sms_template_for,
    tts_content,
)
from services.notifier.domain.texts import (
    ALREADY_TEXT,
    CODE_SUFFIX_BUDGET,
    HELP_TEXT,
    alert_sms,
    incident_texts,
    voice_twiml_script,
)

OCCURRED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def render(text: str, params: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda match: params[match[1]], text)


def test_alert_sms_uses_the_alert_template_with_content_and_code() -> None:
    """An alert with a reply code is sent as the alert template; the code and the summary are its parameters."""
    sms, _ = incident_texts("城南福利院", "火灾", "较大", "二号楼三层", "厨房起火", OCCURRED)
    use = sms_template_for(alert_sms(sms, "4821"))
    assert use.template.name == "alert"
    assert use.params["code"] == "4821"
    assert "城南福利院火灾" in use.params["content"]
    assert "回复1或4821确认" in render(use.template.text, use.params)


def test_brackets_are_kept_out_of_parameters() -> None:
    """【】 would read as a second sign name, so parameters carry 〔〕 instead."""
    use = sms_template_for(alert_sms("【较大】城南福利院火灾", "1234"))
    assert use.params["content"] == "〔较大〕城南福利院火灾"


def test_fixed_answers_have_their_own_templates_without_parameters() -> None:
    """The help and already-closed answers are fixed templates: nothing to fill in."""
    assert (sms_template_for(HELP_TEXT).template.name, sms_template_for(HELP_TEXT).params) == ("help", {})
    assert sms_template_for(ALREADY_TEXT).template.name == "already"


def test_any_other_text_is_a_notice() -> None:
    """A text that asks for no reply goes out as the notice template, whole."""
    use = sms_template_for("首报已送达市民政局")
    assert (use.template.name, use.params) == ("notice", {"content": "首报已送达市民政局"})


def test_call_script_drops_the_twilio_key_hint() -> None:
    """The TTS template says how to acknowledge itself, so the script's own hint is not said twice."""
    content = tts_content(voice_twiml_script("城南福利院发生火灾，地点二号楼"))
    assert content == "城南福利院发生火灾，地点二号楼"


def test_every_template_parameter_is_in_its_text() -> None:
    """Each template names exactly the parameters it declares, so the console application matches the code."""
    for template in (*SMS_TEMPLATES, *TTS_TEMPLATES):
        assert tuple(re.findall(r"\$\{(\w+)\}", template.text)) == template.params, template.name
    assert len({template.name for template in (*SMS_TEMPLATES, *TTS_TEMPLATES)}) == 8


def test_alert_content_fits_one_lifted_variable() -> None:
    """An alert's content stays within the summary budget the notifier already keeps to (one SMS segment)."""
    sms, _ = incident_texts("城南福利院", "火灾", "较大", "二号楼三层东侧走廊尽头" * 5, "厨房起火", OCCURRED)
    assert len(sms_template_for(alert_sms(sms, "4821")).params["content"]) <= CODE_SUFFIX_BUDGET


def test_the_operator_page_lists_every_template_exactly() -> None:
    """docs/aliyun-templates.md shows each template's settings key and text as the code sends it."""
    page = (Path(__file__).parents[2] / "docs" / "aliyun-templates.md").read_text(encoding="utf-8")
    for template in (*SMS_TEMPLATES, *TTS_TEMPLATES):
        assert f"| `{template.name}` | `{template.text}` |" in page, template.name
