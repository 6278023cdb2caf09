"""The duty-room board: web pages over a read model of the topics; actions go to the owning services."""
