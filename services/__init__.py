"""dutywatch's services: duty roster, incident, notifier and rounds, and the runtime they share."""

SERVICE_NAMES = ("duty_roster", "incident", "notifier", "rounds")
