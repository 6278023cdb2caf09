"""The read model of units and shifts (`duty.units`, `duty.shifts`) that every service consuming them keeps in its
own database. Not a service: a package the services share.

`domain` (Unit, Shift, the duty room above a unit), `ports` (the `Directory` protocol), `tables` and `adapters`
(the SQL tables, phones and person ids indexed, and `SqlDirectory`), `handlers` (the three messages into the
model), `testing` (`MemoryDirectory`, for handler tests), `revisions` (what the services' migrations to these
tables share).
"""
