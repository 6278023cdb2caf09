"""The roster's edges: its database, the roster and holiday files, HTTP and the command line."""
