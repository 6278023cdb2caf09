"""The rounds service: inspections, daily rounds, street patrols, home visits, hazards, leave, warnings, spot checks."""
