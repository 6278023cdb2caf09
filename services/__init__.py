"""dutywatch's services: duty roster, incident, notifier, rounds and the duty-room board, and the runtime they
share."""

SERVICE_NAMES = ("duty_roster", "incident", "notifier", "rounds", "board")
