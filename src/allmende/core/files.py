"""Files that people give the platform: what they are, what they are called and
how they are served.

A stored file never keeps the name its uploader chose. The platform names it
(a random name) and takes the extension from the type found in its content, so
``evil.html`` cannot become a page of this site through its name; content that
looks like markup (HTML, SVG, XML) is refused outright. Every response that
carries such a file goes through :func:`protect`: an attachment (images inline
with their true type), never sniffed by the browser, under a policy that lets
nothing run.
"""

from __future__ import annotations

import codecs
import uuid
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from PIL import Image, UnidentifiedImageError

if TYPE_CHECKING:
    from django.core.files import File
    from django.http.response import HttpResponseBase

IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
}
# Pillow's format names of the images people may show on the platform.
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
DATA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}
SANDBOX_POLICY = "default-src 'none'; sandbox"
# A browser shows an image in a document of its own that it styles inline.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
_TEXT_START = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class _PrivateStorage(LazyObject):
    """``STORAGES["private"]``, looked up again when the setting changes, so a
    file field that holds it follows a changed configuration."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _forget_private_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _private._wrapped = empty  # type: ignore[assignment]


def private_storage() -> Storage:
    """Where files go that only the permission-checked views may hand out.

    Never under ``MEDIA_URL``: a local folder outside the media root, or a
    ``private/`` prefix in the bucket that is reached only by signed addresses.
    """
    return cast(Storage, _private)


def stored_name(folder: str, extension: str) -> str:
    """A new name for a file in ``folder``, chosen by the platform."""
    return f"{folder.rstrip('/')}/{uuid.uuid4().hex}.{extension}"


def looks_like_markup(head: bytes) -> bool:
    """Whether the start of a file is a tag, as in HTML, SVG or XML.

    No table the catalog loads begins with ``<``; a browser that meets such a
    file might treat it as a page, so it is refused rather than renamed.
    """
    start = head[:1024]
    for bom in _TEXT_START:
        start = start.removeprefix(bom)
    # UTF-16 text has a NUL byte beside every ASCII character.
    start = start.replace(b"\x00", b"").lstrip(b" \t\r\n\x0c")
    return start[:1] == b"<"


def data_extension(head: bytes, filename: str) -> str:
    """The extension of a data file, from the type its content shows.

    Raises the engine's ``IngestError`` (with a message for the uploader) for
    markup and for what the engine cannot load.
    """
    from allmende.catalog.engine import detect, errors

    if looks_like_markup(head):
        raise errors.NotTabularError()
    file_format = detect.detect_format(Path(filename), head)
    if file_format == "csv" and Path(filename).suffix.lower() in (".tsv", ".tab"):
        return "tsv"
    return file_format


def image_extension(upload: File) -> str | None:
    """The extension of a raster image from its content, or ``None``."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            return IMAGE_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)


DOCUMENT_TYPES = {"pdf": "application/pdf"}


def document_extension(upload: File) -> str | None:
    """The extension of a file people attach to a text, from its content.

    PDF (by its signature), the raster images of :data:`IMAGE_FORMATS`, XLSX
    (a ZIP holding a workbook) and CSV (text that is not markup); ``None`` for
    anything else, whatever the file is called.
    """
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not isinstance(head, bytes):
        return None
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            upload.seek(0)
        return "xlsx" if "xl/workbook.xml" in names else None
    image = image_extension(upload)
    if image is not None:
        return image
    if looks_like_markup(head) or b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return None
    return "csv"


def content_type_of(name: str) -> str:
    """The media type of a stored file, from the extension the platform chose."""
    extension = Path(name).suffix.lower().lstrip(".")
    return (
        IMAGE_TYPES.get(extension)
        or DATA_TYPES.get(extension)
        or DOCUMENT_TYPES.get(extension)
        or ("application/octet-stream")
    )


def protect(response: HttpResponseBase) -> HttpResponseBase:
    """Make a response that carries a person's file inert in a browser.

    Images stay inline with their true type; everything else is an attachment.
    The browser must not guess another type, and the sandbox policy keeps any
    script from running even where a browser shows the file itself.
    """
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    image = content_type in IMAGE_TYPES.values()
    if not image:
        disposition = response.get("Content-Disposition", "")
        if not disposition.startswith("attachment"):
            response["Content-Disposition"] = "attachment" + (
                disposition.removeprefix("inline")
            )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = IMAGE_POLICY if image else SANDBOX_POLICY
    return response
