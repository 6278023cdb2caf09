"""The board in Debian's Chromium over the whole stack: login, live incidents and their clocks, a report filed
from the page, a broadcast, the XLSX download, a handover signed, and a county token that sees only its county."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.board.browser import (
    CHROMIUM_ARGS,
    CITY_TOKEN,
    COUNTY_TOKEN,
    SCREENSHOTS,
    BoardSystem,
    board_system,
    chromium_path,
    skip_without_chromium,
)

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]

if chromium_path() is not None:
    from playwright.async_api import Browser, Page, async_playwright, expect
else:  # the module still collects, so the skip below is reported with its reason
    Browser = Page = object


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BoardSystem]:
    skip_without_chromium()
    async for running in board_system(tmp_path_factory.mktemp("board-browser")):
        yield running


@pytest.fixture(scope="module")
async def browser(system: BoardSystem) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def logged_in(browser: Browser, system: BoardSystem, token: str, **context: object) -> Page:
    page = await (await browser.new_context(accept_downloads=True, **context)).new_page()  # type: ignore[arg-type]
    await page.goto(system.url("board", "/"))
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/duty")
    return page


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def test_the_duty_page_shows_the_sample_rosters_units_after_login(browser: Browser, system: BoardSystem) -> None:
    """A city login lands on 值班 with every unit of the sample roster, its officer and duty leader."""
    page = await logged_in(browser, system, CITY_TOKEN)
    await expect(page.locator("tr[data-unit]")).to_have_count(12)
    for name in ("十堰市民政局", "茅箭区民政局", "十堰市社会福利院", "房县民政局"):
        await expect(page.locator("#duty-rows")).to_contain_text(name)
    await shot(page, "01-duty")
    await page.set_viewport_size({"width": 390, "height": 844})
    await shot(page, "02-duty-phone")


async def test_an_incident_appears_without_reload_and_its_countdown_ticks(
    browser: Browser, system: BoardSystem
) -> None:
    """A POST to the incident API shows up on the open 事件 page by itself, with a running first-report clock."""
    page = await logged_in(browser, system, CITY_TOKEN)
    await page.goto(system.url("board", "/incidents"))
    await page.evaluate("window.notReloaded = true")
    incident = await system.report_incident("fuli-home", "厨房起火，已疏散", datetime.now(UTC).isoformat())
    row = page.locator(f"tr[data-incident='{incident['id']}']")
    await expect(row).to_be_visible(timeout=60_000)
    assert await page.evaluate("window.notReloaded") is True
    countdown = row.locator(".countdown")
    await expect(countdown).to_have_text(re.compile(r"剩余 (59|60|5\d):\d\d"))
    before = await countdown.text_content()
    await expect(countdown).not_to_have_text(before or "", timeout=5_000)
    await expect(row).to_contain_text("党委：待报")
    await expect(row).to_contain_text("市民政局：待报")
    await shot(page, "03-incidents")


async def test_a_report_filed_on_the_incident_page_reaches_the_incident_service(
    browser: Browser, system: BoardSystem
) -> None:
    """The page's form files the first report through the incident API; the page then shows it."""
    incident = await system.report_incident("maojian", "独居老人一氧化碳不适", datetime.now(UTC).isoformat())
    page = await logged_in(browser, system, CITY_TOKEN)
    await page.goto(system.url("board", "/incidents"))
    await page.locator(f"tr[data-incident='{incident['id']}'] a").click(timeout=60_000)
    await expect(page.locator("h1")).to_contain_text("火灾")
    await page.select_option("select[name=kind]", "first")
    await page.fill("textarea[name=text]", "12月6日10时，茅箭区某小区一户厨房起火，无人员伤亡，已扑灭。")
    await page.fill("input[name=filed_by]", "朱桂英")
    await page.click("form.stack button[type=submit]")
    await expect(page.locator(".ok")).to_contain_text("报告已提交")
    await expect(page.locator("article.report")).to_contain_text("朱桂英")
    reports = (await system.incident(incident["id"]))["reports"]
    assert [(report["kind"], report["filed_by"]) for report in reports] == [("first", "朱桂英")]
    await shot(page, "04-incident")
    await page.goto(system.url("board", "/incidents"))
    await expect(page.locator(f"tr[data-incident='{incident['id']}']")).to_contain_text("首报已报", timeout=60_000)


async def test_a_broadcast_sent_from_the_page_lists_each_units_acknowledgement(
    browser: Browser, system: BoardSystem
) -> None:
    """The 广播 form goes to the notifier; the notice comes back from the topics with every unit waiting."""
    page = await logged_in(browser, system, CITY_TOKEN)
    await page.goto(system.url("board", "/broadcasts"))
    await page.fill("input[name=title]", "寒潮预警")
    await page.fill("textarea[name=text]", "今夜降温，请加强巡查")
    await page.fill("input[name=sent_by]", "市局值班室")
    await page.click("form.stack button[type=submit]")
    await expect(page.locator(".ok")).to_contain_text("通知已发出")
    notice = page.locator("article.broadcast", has_text="寒潮预警")
    await expect(notice).to_contain_text("茅箭区民政局：未确认", timeout=60_000)
    await shot(page, "05-broadcasts")


async def test_the_duty_table_downloads_as_xlsx_and_every_other_page_renders(
    browser: Browser, system: BoardSystem
) -> None:
    """值班表 of a unit downloads as a workbook with one row per day; a duty-log entry written on the page is kept
    by the roster; the other pages render for screenshots."""
    page = await logged_in(browser, system, CITY_TOKEN)
    await page.goto(system.url("board", "/table?unit=maojian"))
    await expect(page.locator("table.plan tbody tr").first).to_be_visible()
    await shot(page, "06-table")
    async with page.expect_download() as download_info:
        await page.click("a[download]")
    download = await download_info.value
    sheet = load_workbook(io.BytesIO(await asyncio.to_thread(_read, await download.path()))).active
    assert sheet is not None and "茅箭区民政局" in str(sheet["A1"].value)
    days = await page.locator("table.plan tbody tr").count()
    assert sheet.max_row == days + 2
    await page.goto(system.url("board", "/log?unit=maojian"))
    await page.fill("textarea[name=text]", "接县应急局电话：某村停电，已通知福利院启用备用电源")
    await page.fill("input[name=author]", "朱桂英")
    await page.click("form.stack button[type=submit]")
    await expect(page.locator("ol.timeline")).to_contain_text("某村停电")
    await shot(page, "07-log")
    for path, name in (
        ("/accountability", "09-accountability"),
        ("/wall", "10-wall"),
    ):
        await page.goto(system.url("board", path))
        await expect(page.locator("h1")).to_be_visible()
        await shot(page, name)


async def test_a_handover_at_a_shift_change_is_signed_on_the_page(browser: Browser, system: BoardSystem) -> None:
    """An open incident, then the officer replaced on the roster: the incident service records the handover,
    the 交接班 page shows it with the incident, and both officers sign it there; the incident service keeps both."""
    incident = await system.report_incident(
        "yunyang", "敬老院老人走失", datetime.now(UTC).isoformat(), "missing_person"
    )
    await system.hand_over("yunyang")
    handover = await _first_handover(system, "yunyang")
    page = await logged_in(browser, system, CITY_TOKEN)
    await page.goto(system.url("board", "/handover"))
    record = page.locator(f"article[data-handover='{handover['id']}']")
    await expect(record).to_contain_text("郧阳区民政局")
    await expect(record.locator(f"a[href='/incidents/{incident['id']}']")).to_be_visible()
    await expect(record).to_contain_text("首报须于")
    await shot(page, "08-handover")
    for role, label in (("outgoing", "交班人"), ("incoming", "接班人")):
        await record.locator(f"form.sign[data-role={role}] button").click()
        await expect(page.locator(".ok")).to_contain_text(f"{label}已签字")
    await expect(record.locator("form.sign")).to_have_count(0)
    await expect(record).to_contain_text(f"{handover['to_officer']['name']} 已签字")
    await shot(page, "08-handover-signed")
    [kept] = [each for each in await system.handovers("yunyang") if each["id"] == handover["id"]]
    assert kept["outgoing_signature"]["by"] == handover["from_officer"]["name"]
    assert kept["incoming_signature"]["by"] == handover["to_officer"]["name"]


async def _first_handover(system: BoardSystem, unit_id: str) -> dict[str, Any]:
    """The unit's handover record, once the roster's restated shift has reached the incident service."""
    for _ in range(120):
        found = await system.handovers(unit_id)
        if found:
            return found[0]
        await asyncio.sleep(0.5)
    raise AssertionError(f"no handover for {unit_id} within a minute of the override")


def _read(path: Path) -> bytes:
    return path.read_bytes()


async def test_a_county_token_sees_only_its_own_county(browser: Browser, system: BoardSystem) -> None:
    """茅箭's token: one unit on 值班, none of the other units' incidents, and 403 on another unit's table."""
    now = datetime.now(UTC).isoformat()
    other = await system.report_incident("zhangwan", "张湾走失", now, kind="missing_person")
    mine = await system.report_incident("maojian", "茅箭走失", now, kind="missing_person")
    page = await logged_in(browser, system, COUNTY_TOKEN)
    await expect(page.locator("tr[data-unit]")).to_have_count(1)
    await expect(page.locator("tr[data-unit='maojian']")).to_be_visible()
    await page.goto(system.url("board", "/incidents"))
    await expect(page.locator(f"tr[data-incident='{mine['id']}']")).to_be_visible(timeout=60_000)
    await expect(page.locator(f"tr[data-incident='{other['id']}']")).to_have_count(0)
    await shot(page, "11-county-incidents")
    answer = await page.goto(system.url("board", "/table?unit=zhangwan"))
    assert answer is not None and answer.status == 403


async def test_an_officer_who_does_not_check_in_turns_the_row_red(browser: Browser, system: BoardSystem) -> None:
    """The roster asks for a check-in nobody answers; once its grace period ends the unit's row is red."""
    page = await logged_in(browser, system, CITY_TOKEN)
    row = page.locator("tr[data-unit='maojian']")
    await expect(row).to_have_class("gap", timeout=150_000)
    await expect(row.locator(".check-missed")).to_have_text("未签到")
    await shot(page, "12-duty-missed-check-in")
