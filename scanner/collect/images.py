"""Summarise a repository's DescribeImages items into derived.imageSummary."""

from typing import Any

from scanner.collect.jsonable import to_json

# The DescribeImages fields kept for the newest image; the rest (manifest media types, pull
# times, ...) would bloat the snapshot without informing any control.
NEWEST_IMAGE_FIELDS = (
    "imageDigest",
    "imageTags",
    "imagePushedAt",
    "imageSizeInBytes",
    "imageScanStatus",
    "imageScanFindingsSummary",
)


def image_summary(images: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and sizes over every image, plus the most recently pushed image's details."""
    return {
        "imageCount": len(images),
        "untaggedImageCount": sum(1 for image in images if not image.get("imageTags")),
        "totalSizeInBytes": sum(image.get("imageSizeInBytes", 0) for image in images),
        "newestImage": _newest_image(images),
    }


def _newest_image(images: list[dict[str, Any]]) -> dict[str, Any] | None:
    pushed = [image for image in images if image.get("imagePushedAt") is not None]
    if not pushed:
        return None
    # Compare datetimes, not their text; the digest breaks ties so the choice is stable.
    newest = max(pushed, key=lambda image: (image["imagePushedAt"], image["imageDigest"]))
    return to_json({field: newest[field] for field in NEWEST_IMAGE_FIELDS if field in newest})
