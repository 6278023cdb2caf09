"""Aliyun (阿里云) SMS and voice for mainland (+86) numbers, which Twilio cannot reach.

- `provider.AliyunProvider`: the notifier's Provider port over both SDKs (`sms.py`, `voice.py`).
- `config.AliyunSettings`: credentials, endpoints, sign name, template codes, push tokens.
- `templates.py`: every SMS and TTS template to have approved, and which one each text is sent with.
- `codes.py`: Aliyun's error and receipt codes as our error kinds and status words.
- `receivers.aliyun_push_routes`: the HTTP push receivers (receipts, replies, call results, key presses).

Kept free of imports so that the settings can import `config` without pulling in the handlers.
"""
