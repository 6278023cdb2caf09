"""The bureau's wall clock: every local date and time the services read or show is China Standard Time."""

from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TZ"]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
