"""The report form: its contract and versions, its three renderings, and filing it over HTTP."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from docx import Document
from pydantic import ValidationError

from schemas.catalog import decode
from schemas.incident import ReportFiled, ReportFiledV1
from schemas.report_form import Casualties, ReportForm
from services.incident.adapters.document import report_document
from services.incident.domain.report_form import SPEECH_LIMIT, full_text, read_casualties, speech
from tests.incident.builders import report_body
from tests.incident.conftest import T0, Running

OCCURRED = datetime(2026, 12, 1, 6, 5, tzinfo=UTC)


def form_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "first",
        "reporting_unit": "十堰市社会福利院",
        "occurred_at": OCCURRED.isoformat(),
        "location": "福利院3号楼",
        "type": "fire",
        "severity": "III",
        "casualties": {"injured": 2},
        "situation": "3号楼厨房起火，2名老人轻度烧伤",
        "measures": "已扑灭明火，伤者送市人民医院",
        "next_steps": "排查全院用火用电",
        "reporter": "钟阳",
        "phone": "138 0000 0054",
        "signed_by": "范超",
    }
    return {**fields, **changes}


def test_a_follow_up_needs_its_progress_and_a_final_its_result_and_aftermath() -> None:
    """续报 without 进展 and 终报 without 处置结果 or 善后 are refused, naming what is missing."""
    with pytest.raises(ValidationError, match="progress is required"):
        ReportForm.model_validate(form_fields(kind="follow_up"))
    with pytest.raises(ValidationError, match="aftermath is required"):
        ReportForm.model_validate(form_fields(kind="final", outcome="已处置完毕"))
    assert ReportForm.model_validate(form_fields(kind="final", outcome="已处置完毕", aftermath="伤者已出院")).aftermath


def test_a_version_1_report_filed_still_decodes_and_version_2_carries_the_form() -> None:
    """incident.report_filed v1 (text only) decodes to ReportFiledV1; v2 decodes with its form."""
    payload = {
        "unit_id": "home", "incident_id": "inc-1", "kind": "first", "text": "首报", "filed_by": "钟阳",
        "filed_at": T0.isoformat(), "late": False,
    }  # fmt: skip
    envelope = {
        "event_id": str(uuid4()), "type": "incident.report_filed", "version": 1, "occurred_at": T0.isoformat(),
        "producer": "incident", "payload": payload,
    }  # fmt: skip
    assert type(decode(json.dumps(envelope).encode()).payload) is ReportFiledV1
    v2 = {**envelope, "version": 2, "payload": {**payload, "form": form_fields()}}
    decoded = decode(json.dumps(v2).encode()).payload
    assert isinstance(decoded, ReportFiled) and decoded.form is not None and decoded.form.casualties.injured == 2


def test_the_spoken_text_reads_the_essentials_within_the_tts_limit() -> None:
    """The call says unit, kind, time, place, type, grade and casualties first, and never more than the limit."""
    form = ReportForm.model_validate(form_fields(situation="很长的情况说明。" * 60))
    spoken = speech(form)
    assert spoken.startswith("十堰市社会福利院首报：12-01 14:05，福利院3号楼发生火灾，等级较大，受伤2人。")
    assert len(spoken) <= SPEECH_LIMIT


def test_the_full_text_has_every_heading_of_the_form_in_order() -> None:
    """报告单位 … 签发领导, in the form's order; the fields of other kinds are left out."""
    headings = [line.split("：")[0] for line in full_text(ReportForm.model_validate(form_fields())).splitlines()]
    assert headings == [
        "报告单位", "事发时间", "事发地点", "事件类型和等级", "伤亡情况", "基本情况", "已采取的处置措施",
        "下一步工作", "报告人", "签发领导",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "casualties"),
    [
        ("2人受伤，1人被困", Casualties(injured=2, trapped=1)),
        ("死亡1人 失踪3人", Casualties(dead=1, missing=3)),
        ("火已扑灭，无人员伤亡", Casualties()),
    ],
)
def test_an_sms_filing_gives_the_casualties_it_writes(text: str, casualties: Casualties) -> None:
    """`2人受伤`, `死亡1人` and the like fill the form's casualties; nothing written is none."""
    assert read_casualties(text) == casualties


def test_the_document_is_a_word_file_with_the_title_and_every_field() -> None:
    """The .docx opens with python-docx: the title names the kind, the table holds every field, 签发 is named."""
    form = ReportForm.model_validate(form_fields())
    document = Document(io.BytesIO(report_document(form, "inc-1", OCCURRED + timedelta(minutes=30))))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "突发事件信息报告（首报）" and "签发：范超" in texts[1]
    rows = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert rows["伤亡情况"] == "受伤2人" and rows["已采取的处置措施"] == "已扑灭明火，伤者送市人民医院"


@pytest.mark.postgres
async def test_the_form_filed_over_http_is_kept_and_printable_and_a_bad_field_is_a_422(running: Running) -> None:
    """POST …/reports with the form: 201 with the form back, the .docx at …/document; a negative count is a
    422 naming form.casualties.dead."""
    headers = running.as_("home-token")
    created = await running.client.post("/incidents", json=report_body("home", T0), headers=headers)
    incident_id = created.json()["incident"]["id"]
    bad = {"kind": "first", "form": form_fields(casualties={"dead": -1}), "filed_by": "钟阳"}
    refused = await running.client.post(f"/incidents/{incident_id}/reports", json=bad, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "form", "casualties", "dead"]
    body = {"kind": "first", "form": form_fields(), "filed_by": "钟阳"}
    filed = await running.client.post(f"/incidents/{incident_id}/reports", json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    assert filed.json()["form"]["casualties"]["injured"] == 2 and "基本情况：3号楼厨房起火" in filed.json()["text"]
    document = await running.client.get(
        f"/incidents/{incident_id}/reports/{filed.json()['id']}/document", headers=headers
    )
    assert document.status_code == 200 and document.content.startswith(b"PK")
    assert Document(io.BytesIO(document.content)).paragraphs[0].text == "突发事件信息报告（首报）"
