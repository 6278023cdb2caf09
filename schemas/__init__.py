"""The contracts between dutywatch's services: the envelope, every message, the topic registry."""
