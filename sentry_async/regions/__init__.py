"""Regions: which host serves each organization, and the rules that keep the token safe.

sentry.io keeps each organization in one region (``https://us.sentry.io``,
``https://de.sentry.io``). :class:`RegionDirectory` learns an org's region cheapest first
and routes org-scoped paths (:func:`org_of`) there, but only to trusted origins
(:func:`is_trusted`). Pure parts: :func:`parse_org_token`, :class:`Origin`,
:func:`parse_region_listing`, :func:`region_url_of`.
"""

from ._directory import Lookup, Region, RegionDirectory
from ._listing import ListedRegion, parse_region_listing, region_url_of
from ._origin import Origin, is_https_subdomain, is_trusted
from ._paths import CONTROL_SUBTREES, ORG_SCOPED_ROOTS, org_of
from ._token import ORG_TOKEN_PREFIX, OrgTokenClaims, parse_org_token

__all__ = [
    "CONTROL_SUBTREES",
    "ORG_SCOPED_ROOTS",
    "ORG_TOKEN_PREFIX",
    "ListedRegion",
    "Lookup",
    "OrgTokenClaims",
    "Origin",
    "Region",
    "RegionDirectory",
    "is_https_subdomain",
    "is_trusted",
    "org_of",
    "parse_org_token",
    "parse_region_listing",
    "region_url_of",
]
