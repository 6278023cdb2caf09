"""交接班 over the real read model: the incident service's handover records of the viewer's units, and each
missing signature signed from the page, through the incident service, with CSRF."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.board.testing import FakeIncidentService
from tests.board import builders as b
from tests.board.served import CITY_TOKEN, COUNTY_TOKEN, Served, log_in, serve


@pytest.fixture
async def served(database_url: str, tmp_path: Path) -> AsyncIterator[Served]:
    async for each in serve(database_url, tmp_path):
        await each.feed(b.unit("maojian", "茅箭区民政局"), b.unit("zhangwan", "张湾区民政局"))
        incidents = each.owners.incident
        assert isinstance(incidents, FakeIncidentService)
        incidents.records = [b.handover_record("ho-m", "maojian"), b.handover_record("ho-z", "zhangwan", True)]
        yield each


def _incidents(served: Served) -> FakeIncidentService:
    incidents = served.owners.incident
    assert isinstance(incidents, FakeIncidentService)
    return incidents


async def test_the_page_lists_each_record_with_its_open_items_signatures_and_a_form_per_missing_one(
    served: Served,
) -> None:
    """The city sees both units' records: the open incident and its next deadline, who signed (the SMS 接班
    said so), and a sign form with CSRF for each signature still missing."""
    async with served.client() as client:
        await log_in(client, CITY_TOKEN)
        page = (await client.get("/handover")).text
    maojian, zhangwan = page.split('data-handover="ho-m"')[1].split('data-handover="ho-z"')
    assert "茅箭区民政局" in maojian and "王芳" in maojian and "张军" in maojian
    assert 'href="/incidents/inc-1"' in maojian and "首报须于 12-01 10:40 前报送" in maojian
    assert "剩余 40:00" in maojian
    assert maojian.count('class="sign"') == 2 and maojian.count('name="csrf_token"') == 2
    assert "张湾区民政局" in zhangwan and "张军 已签字 12-01 10:00（短信回复“接班”）" in zhangwan
    assert zhangwan.count('class="sign"') == 1 and 'data-role="outgoing"' in zhangwan
    assert "建设中" not in page


async def test_a_county_viewer_sees_only_its_own_units_records(served: Served) -> None:
    """茅箭's token: 茅箭's record, not 张湾's, even if the incident service were to answer with it."""
    async with served.client() as client:
        await log_in(client, COUNTY_TOKEN)
        page = (await client.get("/handover")).text
    assert 'data-handover="ho-m"' in page and 'data-handover="ho-z"' not in page


async def test_a_signature_from_the_page_goes_to_the_incident_service_with_the_viewers_token(served: Served) -> None:
    """The form signs as 交班人 through the incident service; the page then shows who signed; without the CSRF
    token nothing is signed, and a second signature shows the service's refusal."""
    async with served.client() as client:
        csrf = await log_in(client, COUNTY_TOKEN)
        form = {"role": "outgoing", "by": "王芳", "csrf_token": csrf}
        forged = await client.post("/handover/ho-m/sign", data=dict(form, csrf_token="forged"))
        signed = await client.post("/handover/ho-m/sign", data=form)
        shown = await client.get(signed.headers["location"])
        again = await client.post("/handover/ho-m/sign", data=dict(form, by="别人"))
    assert forged.status_code == 403
    assert signed.status_code == 303 and _incidents(served).signed == [(COUNTY_TOKEN, "ho-m", "outgoing", "王芳")]
    assert "交班人已签字" in shown.text and "王芳 已签字" in shown.text
    assert again.status_code == 422 and "signature is there already" in again.text
