"""Sending attempts: claiming them, calling the providers outside any transaction, and recording what they
answered (`dispatcher`); the URLs providers call back (`webhook_urls`)."""
