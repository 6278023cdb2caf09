"""What the tests and the benches both stand on: fakes of the providers (Twilio, Aliyun) with their real SDKs'
wire formats, and fresh PostgreSQL databases. The services never import it."""
