"""dutywatch's services: duty roster, incident and notifier, and the runtime they share."""

SERVICE_NAMES = ("duty_roster", "incident", "notifier")
