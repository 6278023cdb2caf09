"""JSON Schema for every message and one AsyncAPI document, written under `schemas/generated/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.envelope import Envelope, Message
from schemas.topics import TOPICS

__all__ = ["GENERATED", "differences", "render", "write"]

GENERATED = Path(__file__).parent / "generated"


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _file_name(cls: type[Message]) -> str:
    return f"{cls.TYPE}.v{cls.VERSION}.schema.json"


def _message_name(cls: type[Message]) -> str:
    """The type and its version: each version is a message of its own."""
    return f"{cls.TYPE}.v{cls.VERSION}"


def _message_schema(cls: type[Message]) -> dict[str, Any]:
    schema = Envelope[cls].model_json_schema(by_alias=True)  # type: ignore[valid-type]
    schema["title"] = f"{cls.TYPE} v{cls.VERSION}"
    schema["description"] = (cls.__doc__ or "").strip()
    schema["properties"]["type"]["const"] = cls.TYPE
    schema["properties"]["version"]["const"] = cls.VERSION
    return schema


def _asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        names = [_message_name(cls) for cls in topic.messages]
        channels[topic.name] = {
            "address": topic.name,
            "description": topic.description,
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
            "bindings": {"kafka": {"partitions": topic.partitions, "topicConfiguration": {}}},
        }
        channels[topic.dlq.name] = {"address": topic.dlq.name, "description": topic.dlq.description}
        for cls in topic.messages:
            messages[_message_name(cls)] = {
                "name": _message_name(cls),
                "summary": (cls.__doc__ or "").strip(),
                "payload": {"$ref": f"./{_file_name(cls)}"},
                "bindings": {"kafka": {"key": {"type": "string", "description": "the payload's unit_id"}}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "dutywatch", "version": "1", "description": "Events between dutywatch's services."},
        "channels": channels,
        "components": {"messages": messages},
    }


def render() -> dict[str, str]:
    """Every generated file's name and text, from the models as they are now."""
    files = {_file_name(cls): _dump(_message_schema(cls)) for topic in TOPICS for cls in topic.messages}
    files["asyncapi.json"] = _dump(_asyncapi())
    return files


def write(folder: Path = GENERATED) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in set(path.name for path in folder.glob("*.json")) - set(files):
        (folder / stale).unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in sorted(files)]


def differences(folder: Path = GENERATED) -> list[str]:
    """Each file that is missing, stale or different from what the models generate."""
    files = render()
    on_disk = {path.name for path in folder.glob("*.json")} if folder.exists() else set()
    problems = [f"{folder / name}: missing" for name in sorted(set(files) - on_disk)]
    problems += [f"{folder / name}: no model generates it" for name in sorted(on_disk - set(files))]
    problems += [
        f"{folder / name}: differs from the models"
        for name in sorted(set(files) & on_disk)
        if (folder / name).read_text(encoding="utf-8") != files[name]
    ]
    return problems
