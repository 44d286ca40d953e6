"""Which regions to scan: the ones named, or every region enabled for the account."""

from botocore.client import BaseClient

from scanner.collect.calls import call
from scanner.errors import InputError

ALL_REGIONS = "all"


def wants_all_regions(regions: list[str]) -> bool:
    return [region.lower() for region in regions] == [ALL_REGIONS]


def check_region_names(regions: list[str]) -> None:
    """Refuse a region list that cannot mean anything, before any call is made."""
    if not regions:
        raise InputError("No region to scan: name at least one region, or 'all'.")
    if len(regions) > 1 and any(region.lower() == ALL_REGIONS for region in regions):
        raise InputError("'all' cannot be combined with region names.")


def enabled_regions(ec2: BaseClient) -> list[str]:
    """Regions enabled for the account (opted-in plus default), sorted; raises OperationFailed."""
    response = call(ec2, "DescribeRegions", AllRegions=False)
    return sorted(region["RegionName"] for region in response.get("Regions", []))
