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
        "images": _compact(images),
    }


# What the cost view and the tag controls need of every image: when it was pushed, how big it
# is, its tags. Three fields per image keep a 10,000-image repository's entry small.
COMPACT_FIELDS = ("imagePushedAt", "imageSizeInBytes", "imageTags")


def _compact(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every image's COMPACT_FIELDS (those present, imageTags only when non-empty), newest
    first; images without a push date last."""
    ordered = sorted(
        images,
        key=lambda image: (image.get("imagePushedAt") is not None, image.get("imagePushedAt")),
        reverse=True,
    )
    return to_json(
        [
            {f: image[f] for f in COMPACT_FIELDS if image.get(f) not in (None, [])}
            for image in ordered
        ]
    )


def _newest_image(images: list[dict[str, Any]]) -> dict[str, Any] | None:
    pushed = [image for image in images if image.get("imagePushedAt") is not None]
    if not pushed:
        return None
    # Compare datetimes, not their text; the digest breaks ties so the choice is stable.
    newest = max(pushed, key=lambda image: (image["imagePushedAt"], image["imageDigest"]))
    return to_json({field: newest[field] for field in NEWEST_IMAGE_FIELDS if field in newest})
