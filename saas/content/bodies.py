"""Reading a draft: the JSON body ``{"yaml", "message"}``, or the file's text itself sent as
``application/yaml`` with ``?message=``, so ``curl --data-binary @tenants/x.yaml`` just works.
Either way the text is what is validated and stored, byte for byte (comments included)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request

from saas.errors import ValidationFailed
from saas.http_body import decode_body
from saas.versioning.schemas import DraftRequest

T = TypeVar("T")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


async def read_draft(request: Request[Any, Any, Any], message: str | None) -> DraftRequest:
    raw = await request.body()
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in YAML_TYPES:
        return decode_body(raw, DraftRequest)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"the YAML is not UTF-8 ({exc.reason})", path="$") from None
    if not message or not message.strip():
        raise ValidationFailed("say why in ?message= when sending the YAML itself", path="message")
    try:
        return msgspec.convert({"yaml": text, "message": message}, DraftRequest)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(str(exc).split(" - at ")[0], path="message") from None


async def read_optional(request: Request[Any, Any, Any], typ: type[T], *, required: bool = False) -> T:
    """A JSON body that may be left out (all its fields have defaults) unless ``required``."""
    raw = await request.body()
    if not raw.strip() and not required:
        return typ()
    return decode_body(raw, typ)
