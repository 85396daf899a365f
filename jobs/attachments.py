"""Photos and signatures of jobs: what an upload may be, how it is stored, and its signed download links.

An upload is recognised by its bytes (Pillow opens it), never by its name or declared type; only
JPEG, PNG, WebP and HEIC are kept, up to `MAX_PHOTO_BYTES`. Files live in Django's default storage
under the team's folder (`teams/<team>/jobs/<job>/`) and are never served as public media: every
link is signed, names one stored file and expires after `FILE_LINK_SECONDS`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from core.exceptions import InvalidInputError
from jobs.models import Job, JobAttachment, JobSignature

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024 * 1024
THUMBNAIL_PIXELS = 320
FILE_LINK_SECONDS = 15 * 60
FILE_LINK_SALT = "jobs.file"

# Pillow's format name → (content type, file extension). HEIC is recognised by its `ftyp` box.
PHOTO_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "HEIC": ("image/heic", "heic"),
}
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


@dataclass(frozen=True)
class CheckedImage:
    """An upload that passed the checks: its bytes, what it is, and its size in pixels (unknown for HEIC)."""

    content: bytes
    content_type: str
    extension: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class SignatureInput:
    """The customer's signature as given at completion: a name and a base64 PNG."""

    signer_name: str
    image_png: str


def _is_heic(content: bytes) -> bool:
    return len(content) >= 12 and content[4:8] == b"ftyp" and content[8:12] in HEIC_BRANDS


def check_photo(content: bytes, *, path: str = "file") -> CheckedImage:
    """The upload as a `CheckedImage`, or a 400 on `path` when it is too big or not a JPEG/PNG/WebP/HEIC."""
    if len(content) > MAX_PHOTO_BYTES:
        raise InvalidInputError(f"The file is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB.", path)
    if not content:
        raise InvalidInputError("The file is empty.", path)
    if _is_heic(content):  # Pillow reads HEIC only with a plugin; the container's brand is enough to accept it
        return CheckedImage(content, "image/heic", "heic", None, None)
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format or ""
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInputError("The file is not a JPEG, PNG, WebP or HEIC image.", path) from None
    if image_format not in PHOTO_FORMATS:
        raise InvalidInputError("The file is not a JPEG, PNG, WebP or HEIC image.", path)
    content_type, extension = PHOTO_FORMATS[image_format]
    return CheckedImage(content, content_type, extension, width, height)


def decode_signature_png(encoded: str, *, path: str = "signature.imagePng") -> bytes:
    """The PNG bytes of a base64 signature (a `data:image/png;base64,` prefix is allowed); 400 otherwise."""
    if encoded.startswith("data:"):
        encoded = encoded.partition(",")[2]
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        raise InvalidInputError("The signature is larger than 1 MiB.", path)
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError("The signature is not valid base64.", path) from None
    if len(content) > MAX_SIGNATURE_BYTES:
        raise InvalidInputError("The signature is larger than 1 MiB.", path)
    try:
        with Image.open(io.BytesIO(content)) as image:
            is_png = image.format == "PNG"
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        is_png = False
    if not is_png:
        raise InvalidInputError("The signature is not a PNG image.", path)
    return content


def thumbnail_of(checked: CheckedImage) -> ContentFile[bytes] | None:
    """A JPEG at most `THUMBNAIL_PIXELS` on its longer side (None for HEIC, which Pillow cannot decode);
    a 400 on `file` when the image's body does not decode."""
    if checked.content_type == "image/heic":
        return None
    output = io.BytesIO()
    try:
        with Image.open(io.BytesIO(checked.content)) as image:
            image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            image.convert("RGB").save(output, format="JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):  # a header that verifies over a broken body
        raise InvalidInputError("The image could not be decoded.", "file") from None
    return ContentFile(output.getvalue(), name="thumbnail.jpg")


# --- Signed links ----------------------------------------------------------------------------------


def file_token(owner_id: Any, stored_name: str) -> str:
    """A signed, short-lived token for one stored file of one attachment or signature."""
    return signing.dumps({"i": str(owner_id), "n": stored_name}, salt=FILE_LINK_SALT)


def file_for_token(token: str) -> tuple[str, str] | None:
    """The (owner id, stored file name) a token grants, or None when it is forged or expired."""
    try:
        granted = signing.loads(token, salt=FILE_LINK_SALT, max_age=FILE_LINK_SECONDS)
        return str(granted["i"]), str(granted["n"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


def signed_link(route: str, owner_id: Any, stored_name: str, request: Any = None) -> dict[str, Any]:
    """A download link to `route` (absolute when a request is at hand) for one stored file, with its expiry."""
    path = reverse(route, kwargs={"id": owner_id}) + f"?token={file_token(owner_id, stored_name)}"
    return {
        "url": request.build_absolute_uri(path) if request is not None else path,
        "expires_at": timezone.now() + dt.timedelta(seconds=FILE_LINK_SECONDS),
    }


# --- In documents ------------------------------------------------------------------------------------


def _data_uri(field_file: Any, content_type: str) -> str | None:
    """The stored file inline as a `data:` URI (documents render without fetching anything), or None if gone."""
    try:
        with field_file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError):
        return None
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"


def report_media(job: Job) -> dict[str, Any]:
    """What a service report shows of a job's field work: the signature and the photos' thumbnails.

    `{"signature": {signer_name, signed_at, image} | None, "photos": [{caption, image}]}`; images are
    `data:` URIs. Photos without a thumbnail (HEIC) are listed by caption only (`image` is None).
    """
    signature = JobSignature.objects.filter(job=job).first()
    photos = JobAttachment.objects.filter(job=job).order_by("created_at", "id")
    return {
        "signature": None
        if signature is None
        else {
            "signer_name": signature.signer_name,
            "signed_at": signature.signed_at.astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC"),
            "image": _data_uri(signature.image, "image/png"),
        },
        "photos": [
            {
                "caption": photo.caption or photo.original_name,
                "image": _data_uri(photo.thumbnail, "image/jpeg") if photo.thumbnail else None,
            }
            for photo in photos
        ],
    }
