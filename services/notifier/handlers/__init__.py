"""One function per message or request. Each runs inside one transaction, given as a `Work`.

- `starts`: events and commands that start, stop or close runs, and the roster read models.
- `escalation`: the sweep that fires due steps and writes their attempts.
- `dispatch`: hands attempts to the providers (outside any transaction) and records what they answered.
- `outcomes`: status callbacks and polls, failures and the other-channel fallback.
- `answers`: replies, key presses and texts that are not replies.
- `rounds`: the rounds service's alerts (missed rounds, overdue hazards, spot checks, unacknowledged warnings).
"""
