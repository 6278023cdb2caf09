"""What every service shares at run time: the broker launcher, the consumer rule, the store, outbox and inbox."""
