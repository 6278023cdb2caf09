"""Test data for the rounds service: CAP documents, roster events, plans."""

from __future__ import annotations

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


def cap_xml(
    *,
    identifier: str = "CN-HB-SY-2026-1206-01",
    severity: str = "Severe",
    geocode: str = "420300",
    area: str = "十堰市",
    sent: str = "2026-12-01T20:00:00+08:00",
    expires: str = "2026-12-03T20:00:00+08:00",
    event: str = "寒潮",
    drop: str = "",
) -> str:
    """A CAP 1.2 alert as the meteorological service sends one; `drop` leaves an element out."""
    parts = {
        "identifier": f"<identifier>{identifier}</identifier>",
        "sender": "<sender>shiyan.weather@example.cn</sender>",
        "sent": f"<sent>{sent}</sent>",
        "status": "<status>Actual</status>",
        "msgType": "<msgType>Alert</msgType>",
        "scope": "<scope>Public</scope>",
    }
    info = {
        "category": "<category>Met</category>",
        "event": f"<event>{event}</event>",
        "urgency": "<urgency>Expected</urgency>",
        "severity": f"<severity>{severity}</severity>",
        "certainty": "<certainty>Likely</certainty>",
        "expires": f"<expires>{expires}</expires>",
        "headline": f"<headline>十堰市气象台发布{event}橙色预警</headline>",
        "description": "<description>受强冷空气影响，未来48小时内气温下降8℃以上。</description>",
    }
    geocode_xml = f"<geocode><valueName>行政区划代码</valueName><value>{geocode}</value></geocode>" if geocode else ""
    area_xml = f"<area><areaDesc>{area}</areaDesc>{geocode_xml}</area>"
    head = "".join(xml for name, xml in parts.items() if name != drop)
    body = "".join(xml for name, xml in info.items() if name != drop) + ("" if drop == "area" else area_xml)
    return f'<?xml version="1.0" encoding="UTF-8"?><alert xmlns="{CAP_NS}">{head}<info>{body}</info></alert>'


PLANS = """
areas:
  home: ["420303"]
  district: ["420303", 张湾区]
plans:
  - id: night
    unit: home
    kind: daily_round
    title: 夜间巡查
    times: ["23:30"]
    window_minutes: 60
    checkpoints: [1号楼, 厨房]
  - id: patrol
    unit: home
    kind: street_patrol
    times: ["20:00"]
    cold_wave_times: ["23:00"]
    window_minutes: 120
    vehicle: 救助车
    hotspots: [{name: 桥洞}, {name: 候车室}]
  - id: visits
    unit: district
    kind: home_visit
    every_days: 7
    anchor: 2026-11-30
    at: "10:00"
    households:
      - {id: h1, name: 王某, group: 特困供养, address: 某村1组}
      - {id: h2, name: 李某, group: 留守儿童, address: 某村2组}
"""
