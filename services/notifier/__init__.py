"""The notifier: escalation runs by SMS and voice until a person acknowledges."""
