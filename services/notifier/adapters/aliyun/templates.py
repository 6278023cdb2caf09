"""Every SMS and TTS template the deployment must have approved by Aliyun, in one place.

Aliyun sends no free text to mainland numbers: an SMS is a sign name plus an approved template with
parameters, a voice call an approved TTS template with parameters. The notifier composes its texts itself
(`services/notifier/domain/texts.py`); this module maps each text it can produce onto a template. The
operator applies for each template below with exactly this text (docs/aliyun-templates.md) and puts the
template codes Aliyun assigns into the settings under the template's `name`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.notifier.domain.texts import ALREADY_TEXT, HELP_TEXT, NO_KEY_TEXT, THANKS_TEXT

__all__ = [
    "SMS_TEMPLATES",
    "TTS_ALERT",
    "TTS_NO_KEY",
    "TTS_PLAIN",
    "TTS_TEMPLATES",
    "TTS_THANKS",
    "Template",
    "TemplateUse",
    "sms_template_for",
    "tts_content",
]


@dataclass(frozen=True)
class Template:
    """One template to apply for: its settings key, kind (Aliyun's 通知短信 / 语音通知), text, and parameters."""

    name: str
    kind: str
    text: str
    params: tuple[str, ...]
    purpose: str


@dataclass(frozen=True)
class TemplateUse:
    """A template chosen for one message, with its parameter values."""

    template: Template
    params: dict[str, str]


ALERT = Template(
    "alert",
    "通知短信",
    "值班提醒：${content}，回复1或${code}确认。",
    ("content", "code"),
    "An alert that asks for an acknowledgement (incident, check-in, report due or overdue, broadcast).",
)
NOTICE = Template(
    "notice",
    "通知短信",
    "值班通知：${content}",
    ("content",),
    "A message that needs no reply (a command from another service, a first report to a recipient).",
)
HELP = Template("help", "通知短信", HELP_TEXT, (), "The answer to a reply that matches no open alert.")
ALREADY = Template("already", "通知短信", ALREADY_TEXT, (), "The answer to a reply to an alert already closed.")

TTS_ALERT = Template(
    "tts_alert",
    "语音通知",
    "值班通知：${content}。确认收到请按1。",
    ("content",),
    "What an alert call says, twice; in the interactive call pressing 1 acknowledges.",
)
TTS_PLAIN = Template(
    "tts_plain",
    "语音通知",
    "值班通知：${content}。请按短信提示回复确认。",
    ("content",),
    "What a plain (non-interactive) call says, twice, when voice_mode is tts: no key to press.",
)
TTS_THANKS = Template("tts_thanks", "语音通知", THANKS_TEXT, (), "Said after the key press 1 (interactive call).")
TTS_NO_KEY = Template("tts_no_key", "语音通知", NO_KEY_TEXT, (), "Said when no key was pressed (interactive call).")

SMS_TEMPLATES = (ALERT, NOTICE, HELP, ALREADY)
TTS_TEMPLATES = (TTS_ALERT, TTS_PLAIN, TTS_THANKS, TTS_NO_KEY)

# alert_sms() in domain/texts.py ends an alert with this; the reply code is four digits.
_ALERT_TEXT = re.compile(r"^(?P<content>.+)回复1或(?P<code>\d{4})确认$", re.DOTALL)
_CALL_SUFFIX = "。确认请按1。"
# Aliyun rejects 【】 outside the sign name (they read as a second signature); 〔〕 say the same.
_BRACKETS = str.maketrans({"【": "〔", "】": "〕"})
# A TTS template's parameters may be 250 characters in all.
TTS_CONTENT_LIMIT = 240


def sms_template_for(text: str) -> TemplateUse:
    """The template an SMS text is sent with: a fixed answer, an alert with its reply code, or a notice."""
    for fixed in (HELP, ALREADY):
        if text == fixed.text:
            return TemplateUse(fixed, {})
    alert = _ALERT_TEXT.match(text)
    if alert is not None:
        return TemplateUse(ALERT, {"content": _variable(alert["content"]), "code": alert["code"]})
    return TemplateUse(NOTICE, {"content": _variable(text)})


def tts_content(script: str) -> str:
    """The `content` parameter of a call's TTS template for a script (the template says how to acknowledge)."""
    return _variable(script.removesuffix(_CALL_SUFFIX))[:TTS_CONTENT_LIMIT]


def _variable(text: str) -> str:
    return text.translate(_BRACKETS).strip().rstrip("，。")
