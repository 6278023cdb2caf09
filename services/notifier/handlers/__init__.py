"""One function per message or request: `on_<message>(message, …, ports, now)`, run inside one transaction
whose repositories `ports` carries (see `services/notifier/ports.py`); nothing here imports an adapter.

- `starts`: events and commands that start, stop or close runs, and the roster read models.
- `escalation`: the sweep that fires due steps and writes their attempts.
- `outcomes`: status callbacks and polls, failures and the other-channel fallback.
- `answers`: replies, key presses and texts that are not replies.
- `filings`, `assignments`: a filed report stops what it answers; a handed-over incident alerts the new people.
- `rounds`: the rounds service's alerts (missed rounds, overdue hazards, spot checks, unacknowledged warnings).

Handing attempts to the providers is `services/notifier/sending/`.
"""
