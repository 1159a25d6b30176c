"""The storefront's ``tool/upload`` (no API token): a multipart file becomes an ``oc_upload`` code.

The code (32 lowercase hex) is what a product's file option takes in ``api/sale/cart.add``; the
cart then shows the upload's file name. The file's bytes are not kept.
"""

from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from oc_connector_sandbox.v40 import shop
from oc_connector_sandbox.v40.catalog import Call, route

__all__ = ["ALLOWED_EXTENSIONS", "ALLOWED_MIME_TYPES", "multipart_files"]

ALLOWED_EXTENSIONS = frozenset(
    (
        "zip",
        "txt",
        "png",
        "jpe",
        "jpeg",
        "webp",
        "jpg",
        "gif",
        "bmp",
        "ico",
        "tiff",
        "tif",
        "svg",
        "svgz",
        "rar",
        "msi",
        "cab",
        "mp3",
        "mp4",
        "qt",
        "mov",
        "pdf",
        "psd",
        "ai",
        "eps",
        "ps",
        "doc",
    )
)
"""The installer's ``config_file_ext_allowed``."""
ALLOWED_MIME_TYPES = frozenset(
    (
        "text/plain",
        "image/png",
        "image/webp",
        "image/jpeg",
        "image/gif",
        "image/bmp",
        "image/tiff",
        "image/svg+xml",
        "application/zip",
        "application/x-zip",
        "application/x-zip-compressed",
        "application/rar",
        "application/x-rar",
        "application/x-rar-compressed",
        "application/octet-stream",
        "audio/mpeg",
        "video/mp4",
        "video/quicktime",
        "application/pdf",
    )
)
"""The installer's ``config_file_mime_allowed``."""
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9.\-\s+]")


def multipart_files(environ: dict[str, Any]) -> dict[str, tuple[str, str, bytes]]:
    """``$_FILES`` of a ``multipart/form-data`` body: field -> (file name, content type, bytes)."""
    content_type = environ.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    raw = environ.get("sandbox.raw_body", b"")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        filename = part.get_filename()
        field = part.get_param("name", header="content-disposition")
        if filename is None or not isinstance(field, str):
            continue
        payload = part.get_payload(decode=True)
        files[field] = (filename, part.get_content_type(), payload if isinstance(payload, bytes) else b"")
    return files


@route("tool/upload")
def upload(call: Call) -> Any:
    """Validate the posted ``file`` (name 3-64 characters, allowed extension and type) and keep it."""
    sent = multipart_files(call.req.environ).get("file")
    if sent is None or not sent[0]:
        return {"error": "Upload required!"}
    name, mime, _ = sent
    filename = _NAME_CHARS.sub("", name).rsplit("/", 1)[-1]
    error = None
    if not 3 <= len(filename) <= 64:
        error = "Filename must be between 3 and 64 characters!"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ALLOWED_EXTENSIONS or mime not in ALLOWED_MIME_TYPES:
        error = "Invalid file type!"
    if error:
        return {"error": error}
    code = shop.hex_token(call, 32)
    call.state.execute(
        "INSERT INTO oc_upload (name, filename, code, date_added) VALUES (?, ?, ?, ?)",
        (filename, f"{filename}.{shop.hex_token(call, 32)}", code, call.state.clock.stamp()),
    )
    return {"code": code, "success": "Your file was successfully uploaded!"}
