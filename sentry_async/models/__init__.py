"""Typed models of Sentry API resources and the converter that decodes them.

Every model is a frozen, slotted attrs class with snake_case attributes and aware UTC
datetimes. Each keeps the JSON object it was decoded from in ``raw`` (left out of equality
and repr), so fields Sentry adds later stay reachable.

Decoding is lenient: only identity fields (``id``, ``slug``..., where Sentry always sends
them) are required; every other attribute is None when absent, null or not convertible, and
an absent list is None rather than ``[]`` (None means "not in this answer"). Secrets are
readable attributes but left out of reprs. A list item missing an identity field is set aside
by the paginator, which raises ``UndecodableItemsError`` after the good items.
"""

from ._converter import (
    ModelDecodeError,
    converter,
    json_name,
    structure,
    structurer,
)
from ._time import format_datetime, parse_datetime
from .common import Avatar
from .hooks import ServiceHook
from .integrations import (
    ExternalIssue,
    SentryAppInstallation,
    SentryAppInstallationApp,
    SentryAppInstallationOrganization,
)
from .issues import IssueAssignee, IssueChanges, IssueStatusDetails
from .keys import ClientKey, ClientKeyDsn, ClientKeyRateLimit
from .members import Member, MemberTeamRole, MemberUser, MemberUserEmail
from .organizations import (
    Organization,
    OrganizationLinks,
    OrganizationQuota,
    OrganizationStatus,
)
from .projects import (
    Project,
    ProjectTeam,
    ProjectUser,
    StatPoint,
    TagValue,
    decode_stat_points,
)
from .relay import RelayUsage
from .releases import Deploy, Environment, Release, ReleaseProject
from .repos import Commit, CommitAuthor, Repository, RepositoryProvider
from .resolve import (
    Event,
    EventIdResolution,
    EventTag,
    Group,
    GroupProject,
    ShortIdResolution,
)
from .scim import ScimEmail, ScimListResponse, ScimMeta, ScimName, ScimUser
from .stats import StatsGroup, StatsV2
from .teams import Team

__all__ = [
    "Avatar",
    "ClientKey",
    "ClientKeyDsn",
    "ClientKeyRateLimit",
    "Commit",
    "CommitAuthor",
    "Deploy",
    "Environment",
    "Event",
    "EventIdResolution",
    "EventTag",
    "ExternalIssue",
    "Group",
    "GroupProject",
    "IssueAssignee",
    "IssueChanges",
    "IssueStatusDetails",
    "Member",
    "MemberTeamRole",
    "MemberUser",
    "MemberUserEmail",
    "ModelDecodeError",
    "Organization",
    "OrganizationLinks",
    "OrganizationQuota",
    "OrganizationStatus",
    "Project",
    "ProjectTeam",
    "ProjectUser",
    "RelayUsage",
    "Release",
    "ReleaseProject",
    "Repository",
    "RepositoryProvider",
    "ScimEmail",
    "ScimListResponse",
    "ScimMeta",
    "ScimName",
    "ScimUser",
    "SentryAppInstallation",
    "SentryAppInstallationApp",
    "SentryAppInstallationOrganization",
    "ServiceHook",
    "ShortIdResolution",
    "StatPoint",
    "StatsGroup",
    "StatsV2",
    "TagValue",
    "Team",
    "converter",
    "decode_stat_points",
    "format_datetime",
    "json_name",
    "parse_datetime",
    "structure",
    "structurer",
]
