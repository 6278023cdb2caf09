"""What the SMS and the voice adapters share: the SDK's config, its exceptions as our errors, numbers."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, TypeVar

import aiohttp
import phonenumbers
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import RetryError
from Tea.exceptions import TeaException

from services.notifier.adapters.aliyun.codes import classify
from services.notifier.adapters.aliyun.config import AliyunSettings
from services.notifier.ports import RetryableDeliveryError, UnsupportedDeliveryError

__all__ = ["national", "sdk_call", "sdk_config"]

CHINA_CODE = 86
Body = TypeVar("Body")


class SdkResponse(Protocol[Body]):
    """What every SDK call answers: besides its status code and headers, the parsed body."""

    body: Body


def sdk_config(settings: AliyunSettings, endpoint: str) -> Config:
    return Config(
        access_key_id=settings.access_key_id,
        access_key_secret=settings.access_key_secret.get_secret_value(),
        endpoint=endpoint,
        protocol=settings.protocol,
        connect_timeout=settings.timeout_ms,
        read_timeout=settings.timeout_ms,
    )


def national(phone: str) -> str:
    """Aliyun's domestic APIs take mainland numbers without +86; any other number it cannot reach."""
    number = phonenumbers.parse(phone, "CN")
    if number.country_code != CHINA_CODE:
        raise UnsupportedDeliveryError("not-domestic", f"Aliyun domestic SMS and voice reach +86 only, not {phone}")
    return str(number.national_number)


async def sdk_call(call: Awaitable[SdkResponse[Body]]) -> Body:
    """Await an SDK call and return its body; its exceptions become DeliveryErrors."""
    try:
        response = await call
    except AlibabaCloudException as error:
        raise classify(str(error.code), str(error.message), getattr(error, "status_code", None)) from error
    except (TeaException, RetryError, aiohttp.ClientError, TimeoutError, OSError) as error:
        # The SDK wraps a refused connection or a timeout in UnretryableException (a TeaException).
        raise RetryableDeliveryError("network", repr(error)) from error
    return response.body
