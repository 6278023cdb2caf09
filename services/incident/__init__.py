"""The incident service: intake, the one-hour first report clock, reports and an append-only timeline."""
