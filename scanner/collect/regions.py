"""Which regions to scan: the ones named, or every region enabled for the account."""

import re

from botocore.client import BaseClient

from scanner.collect.calls import OperationFailed, call
from scanner.collect.safe_text import one_line
from scanner.errors import InputError

ALL_REGIONS = "all"
# Every partition's region names: eu-west-1, us-gov-west-1, cn-northwest-1, us-isob-east-1.
REGION_NAME = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


def is_region_name(text: str) -> bool:
    return REGION_NAME.fullmatch(text) is not None


def wants_all_regions(regions: list[str]) -> bool:
    return [region.lower() for region in regions] == [ALL_REGIONS]


def check_region_names(regions: list[str], source: str = "--region") -> None:
    """Refuse a region list that cannot mean anything, before any call is made."""
    if not regions:
        raise InputError("No region to scan: name at least one region, or 'all'.")
    if len(regions) > 1 and any(region.lower() == ALL_REGIONS for region in regions):
        raise InputError("'all' cannot be combined with region names.")
    for region in regions:
        if region.lower() != ALL_REGIONS and not is_region_name(region):
            raise InputError(
                f"{source} {one_line(repr(region), 80)} is not an AWS region name such as "
                "eu-west-1 (or 'all' for every enabled region)"
            )


def enabled_regions(ec2: BaseClient) -> list[str]:
    """Regions enabled for the account (opted-in plus default), sorted; raises OperationFailed,
    also for an answer naming something that is not a region (no client could be made for it,
    and a listing with a hole would read as complete)."""
    response = call(ec2, "DescribeRegions", AllRegions=False)
    names = sorted(str(region.get("RegionName")) for region in response.get("Regions", []))
    strange = [name for name in names if not is_region_name(name)]
    if strange:
        raise OperationFailed(
            "DescribeRegions", "InvalidRegionName", f"the answer names {strange[0]!r}, not a region"
        )
    return names
