"""Decoding each model from wire-shaped payloads, including the surprises real answers carry."""

from datetime import datetime, timedelta, timezone

import pytest

from sentry_async.models import (
    ClientKey,
    ClientKeyRateLimit,
    Commit,
    EventIdResolution,
    ExternalIssue,
    Member,
    MemberUser,
    ModelDecodeError,
    Organization,
    OrganizationStatus,
    Project,
    ProjectTeam,
    ProjectUser,
    RelayUsage,
    Repository,
    ScimListResponse,
    ScimUser,
    SentryAppInstallation,
    ServiceHook,
    ShortIdResolution,
    StatPoint,
    StatsV2,
    TagValue,
    Team,
    decode_stat_points,
    structure,
    structurer,
)
from tests import payloads

UTC = timezone.utc


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


class TestOrganization:
    def test_detailed_shape(self) -> None:
        org = structure(payloads.organization_detailed(), Organization)

        assert (org.id, org.slug, org.name) == ("4071", "northwind", "Northwind Traders")
        assert org.date_created == utc(2019, 3, 11, 8, 15, 42, 503117)
        assert org.status == OrganizationStatus(id="active", name="active")
        assert org.links is not None
        assert org.links.organization_url == "https://northwind.sentry.io"
        assert org.links.region_url == "https://de.sentry.io"
        assert org.avatar is not None
        assert org.avatar.avatar_type == "letter_avatar"
        assert org.avatar.avatar_uuid is None
        assert org.is_early_adopter is True
        assert org.require_2fa is True  # wire key "require2FA"
        assert org.scrub_ip_addresses is True  # wire key "scrubIPAddresses"
        assert org.scrape_javascript is False  # wire key "scrapeJavaScript"
        assert org.role == "manager"
        assert org.features == ["session-replay", "discover-basic", "crons"]
        assert "org:write" in org.access
        assert org.quota is not None
        assert (org.quota.max_rate, org.quota.max_rate_interval) == (None, 60)
        assert org.quota.project_limit == 100
        assert org.sensitive_fields == ["iban", "card_number"]
        assert org.pending_access_requests == 2

    def test_detailed_shape_nests_teams_and_projects(self) -> None:
        org = structure(payloads.organization_detailed(), Organization)

        assert [type(t) for t in org.teams] == [Team]
        team = org.teams[0]
        assert (team.slug, team.team_role, team.member_count) == ("payments", "admin", 7)
        assert team.flags == {"idp:provisioned": True}
        assert [type(p) for p in org.projects] == [Project]
        assert org.projects[0].slug == "checkout-api"

    def test_summary_shape_leaves_detailed_settings_unset(self) -> None:
        org = structure(payloads.organization_summary(), Organization)

        assert org.slug == "northwind"
        assert org.avatar is not None
        assert org.avatar.avatar_uuid == "5d0c7e2a91b84f7da3c6e1f0b2a4d8e9"
        assert org.open_membership is None
        assert org.role is None
        assert org.quota is None
        # Absent lists are None ("not sent"), not [] ("none").
        assert (org.access, org.teams, org.projects) == (None, None, None)

    def test_self_hosted_empty_region_url_is_none(self) -> None:
        org = structure(payloads.organization_detailed(region_url=""), Organization)

        assert org.links is not None
        assert org.links.region_url is None
        assert org.links.raw["regionUrl"] == ""

    def test_legacy_role_key_is_a_fallback(self) -> None:
        body = payloads.organization_detailed()
        del body["orgRole"]
        body["role"] = "owner"

        assert structure(body, Organization).role == "owner"


class TestProject:
    def test_list_item(self) -> None:
        project = structure(payloads.project(), Project)

        assert (project.id, project.slug, project.name) == ("5102", "checkout-api", "Checkout Api")
        assert project.platform == "python-django"
        assert project.date_created == utc(2020, 5, 2, 17, 40, 31, 4521)
        assert project.first_event == utc(2020, 5, 2, 17, 44, 9, 918000)
        assert project.team == ProjectTeam(id="88", slug="payments", name="Payments")
        assert project.teams == [project.team]
        assert project.is_bookmarked is True
        assert project.features == ["releases", "servicehooks"]
        assert project.environments == ["production", "staging"]
        # Only in the details shape:
        assert (project.status, project.organization, project.options) == (None, None, None)

    def test_empty_platform_null_team_and_no_first_event(self) -> None:
        project = structure(payloads.project_without_team(), Project)

        assert project.platform is None
        assert project.raw["platform"] == ""
        assert project.team is None
        assert project.teams == []
        assert project.first_event is None

    def test_details_shape(self) -> None:
        project = structure(payloads.project_detailed(), Project)

        assert project.status == "active"
        assert project.color == "#bf6e3f"
        assert isinstance(project.organization, Organization)
        assert project.organization.slug == "northwind"
        assert project.organization.date_created.tzinfo is not None
        assert project.options["sentry:resolve_age"] == 72
        assert project.raw["securityToken"] == "9e1f0c3b2a7d4e6f8a5b1c0d2e3f4a5b"

    def test_custom_slug_and_id(self) -> None:
        project = structure(payloads.project(slug="web", id="101"), Project)

        assert (project.slug, project.id) == ("web", "101")


class TestMember:
    def test_joined_member(self) -> None:
        member = structure(payloads.member(), Member)

        assert (member.id, member.email, member.role) == ("730", "ada@northwind.example", "admin")
        assert member.role_name == "Admin"
        assert member.pending is False
        assert member.invite_status == "approved"
        assert member.inviter_name == "root@northwind.example"
        assert member.date_created == utc(2019, 4, 1, 16, 30, 0, 250000)
        assert member.teams == ["payments", "platform"]
        assert [(r.team_slug, r.role) for r in member.team_roles] == [
            ("payments", "admin"),
            ("platform", None),
        ]
        assert member.invite_link is None

    def test_nested_user(self) -> None:
        user = structure(payloads.member(), Member).user

        assert isinstance(user, MemberUser)
        assert (user.id, user.username) == ("91004", "aokafor")
        assert user.has2fa is True
        assert user.has_password_auth is False
        assert user.date_joined == utc(2019, 4, 2, 10)
        assert user.last_login == utc(2024, 2, 29, 7, 45, 12, 500000)
        assert user.last_active == utc(2024, 3, 1, 12, 0, 0, 123456)
        assert [(e.email, e.is_verified) for e in user.emails] == [("ada@northwind.example", True)]
        assert user.avatar is not None
        assert user.avatar.avatar_type == "gravatar"

    def test_flags_keep_colon_keys(self) -> None:
        member = structure(payloads.member(), Member)

        assert member.flags["sso:linked"] is True
        assert member.flags["idp:role-restricted"] is False
        assert len(member.flags) == 6

    def test_pending_invite_has_no_user(self) -> None:
        member = structure(payloads.member_pending(), Member)

        assert member.user is None
        assert member.pending is True
        assert member.role == "member"  # from "orgRole"; the legacy "role" key is absent
        assert member.flags["sso:linked"] is False
        assert (member.teams, member.team_roles) == (None, None)

    def test_legacy_role_only(self) -> None:
        body = payloads.member_pending()
        del body["orgRole"]
        body["role"] = "billing"

        assert structure(body, Member).role == "billing"

    def test_no_role_at_all_is_none(self) -> None:
        body = payloads.member_pending()
        del body["orgRole"]

        assert structure(body, Member).role is None


class TestProjectResources:
    def test_project_user_with_null_date(self) -> None:
        user = structure(payloads.project_user(), ProjectUser)

        assert (user.id, user.tag_value) == ("2207", "email:lin@shop.example")
        assert user.ip_address == "203.0.113.9"
        assert user.date_created is None

    def test_project_user_with_date(self) -> None:
        user = structure(payloads.project_user(date_created="2024-01-02T03:04:05Z"), ProjectUser)

        assert user.date_created == utc(2024, 1, 2, 3, 4, 5)

    def test_tag_value(self) -> None:
        value = structure(payloads.tag_value("safari", count=9), TagValue)

        assert (value.key, value.name, value.value, value.count) == (
            "browser.name",
            "Safari",
            "safari",
            9,
        )
        assert value.first_seen == utc(2023, 12, 24, 23, 59, 59, 500000)
        assert value.last_seen == utc(2024, 3, 2, 11)

    def test_tag_value_stub_with_name_only(self) -> None:
        value = structure(payloads.tag_value_stub(), TagValue)

        assert value.name == "lemon_tart"
        assert (value.key, value.count, value.last_seen) == (None, None, None)

    def test_service_hook(self) -> None:
        hook = structure(payloads.service_hook(status="disabled"), ServiceHook)

        assert hook.id == "b7e1c9d04f2a4e3c9d8f7a6b5c4d3e2f"
        assert hook.url == "https://hooks.northwind.example/sentry"
        assert hook.secret is not None
        assert len(hook.secret) == 64
        assert hook.status == "disabled"
        assert hook.events == ["event.alert", "event.created"]
        assert hook.date_created == utc(2023, 8, 19, 5, 6, 7, 89000)


class TestStatPoints:
    def test_pairs_decode_to_aware_points(self) -> None:
        points = decode_stat_points(payloads.project_stats(start=1_700_000_000))

        assert points == [
            StatPoint(timestamp=utc(2023, 11, 14, 22, 13, 20), count=12),
            StatPoint(timestamp=utc(2023, 11, 14, 23, 13, 20), count=0),
            StatPoint(timestamp=utc(2023, 11, 15, 0, 13, 20), count=37),
        ]

    def test_converter_decodes_the_same(self) -> None:
        body = payloads.project_stats()

        assert structure(body, list[StatPoint]) == decode_stat_points(body)
        assert structurer(StatPoint)([1_700_003_600, 4]).timestamp == utc(2023, 11, 14, 23, 13, 20)

    def test_float_epoch_and_integral_float_count(self) -> None:
        (point,) = decode_stat_points([[1_700_000_000.5, 3.0]])

        assert point.timestamp == utc(2023, 11, 14, 22, 13, 20, 500000)
        assert point.count == 3
        assert type(point.count) is int

    @pytest.mark.parametrize(
        "point",
        [
            [1_700_000_000],
            [1_700_000_000, 1, 2],
            {"timestamp": 1_700_000_000, "count": 1},
            [None, 1],
            "1700000000,1",
        ],
    )
    def test_point_without_pair_or_timestamp_is_left_out(self, point: object) -> None:
        # One bad point never fails the call: the others are kept.
        good = [1_700_000_000, 4]
        assert [p.count for p in decode_stat_points([good, point, good])] == [4, 4]
        with pytest.raises(ModelDecodeError, match="StatPoint"):
            structurer(StatPoint)(point)

    @pytest.mark.parametrize(
        ("count", "expected"),
        [("7", 7), ("7.0", 7), (None, None), ("many", None), (2.5, None), ("NaN", None)],
    )
    def test_count_is_coerced_or_none(self, count: object, expected: int | None) -> None:
        (point,) = decode_stat_points([[1_700_000_000, count]])
        assert point.count == expected
        assert point.timestamp == utc(2023, 11, 14, 22, 13, 20)

    def test_body_must_be_a_list(self) -> None:
        with pytest.raises(TypeError):
            decode_stat_points({"data": []})


class TestClientKey:
    def test_key_without_rate_limit(self) -> None:
        key = structure(payloads.client_key(), ClientKey)

        assert key.id == "d41d8cd98f00b204e9800998ecf8427e"
        assert key.project_id == 5102
        assert type(key.project_id) is int
        assert key.rate_limit is None
        assert key.is_active is True
        assert (
            key.dsn.public
            == "https://d41d8cd98f00b204e9800998ecf8427e@o4071.ingest.de.sentry.io/5102"
        )
        assert key.dsn.otlp_traces is not None  # snake_case on the wire
        assert key.dsn.otlp_traces.endswith("/otlp/v1/traces")
        assert key.dsn.crons is not None
        assert key.browser_sdk_version == "8.x"
        assert key.dynamic_sdk_loader_options["hasPerformance"] is True
        assert key.date_created == utc(2020, 5, 2, 17, 40, 31, 200000)

    def test_key_with_rate_limit(self) -> None:
        body = payloads.client_key(rate_limit={"window": 3600, "count": 500})

        key = structure(body, ClientKey)

        assert key.rate_limit == ClientKeyRateLimit(window=3600, count=500)

    def test_dsn_with_public_url_only(self) -> None:
        body = payloads.client_key()
        body["dsn"] = {"public": "https://k@o1.ingest.sentry.io/2"}

        dsn = structure(body, ClientKey).dsn

        assert dsn.public == "https://k@o1.ingest.sentry.io/2"
        assert (dsn.secret, dsn.csp, dsn.cdn, dsn.unreal) == (None, None, None, None)

    def test_project_id_sent_as_string_becomes_int(self) -> None:
        body = payloads.client_key()
        body["projectId"] = "5102"

        assert structure(body, ClientKey).project_id == 5102


class TestRepositories:
    def test_repository(self) -> None:
        repo = structure(payloads.repository(), Repository)

        assert (repo.id, repo.name) == ("610", "northwind/checkout")
        assert repo.url == "https://github.com/northwind/checkout"
        assert repo.provider is not None
        assert (repo.provider.id, repo.provider.name) == ("integrations:github", "GitHub")
        assert repo.status == "active"
        assert repo.integration_id == "1207"
        assert repo.external_slug == "northwind/checkout"
        assert repo.date_created == utc(2021, 1, 20, 14, 2, 11, 660000)

    def test_trimmed_repository(self) -> None:
        repo = structure(payloads.repository_minimal(), Repository)

        assert repo.name == "northwind/legacy"
        assert (repo.url, repo.provider, repo.status, repo.integration_id) == (
            None,
            None,
            None,
            None,
        )

    def test_commit_with_author_and_offset_date(self) -> None:
        commit = structure(payloads.commit(), Commit)

        assert commit.id == "5e2b8f0c1d9a7e6b3c4d2f1a0b9c8d7e6f5a4b3c"
        assert commit.message == "Retry card captures on gateway timeouts"
        assert commit.date_created == utc(2024, 2, 14, 8, 30)  # sent as 09:30+01:00
        assert commit.author is not None
        assert (commit.author.name, commit.author.email) == ("Ada Okafor", "ada@northwind.example")

    def test_commit_without_author(self) -> None:
        commit = structure(payloads.commit(author=False), Commit)

        assert commit.author is None
        assert commit.raw["pullRequest"] is None


class TestResolutions:
    def test_short_id(self) -> None:
        found = structure(payloads.short_id_resolution(), ShortIdResolution)

        assert (found.organization_slug, found.project_slug) == ("northwind", "checkout-api")
        assert (found.group_id, found.short_id) == ("3301", "CHECKOUT-API-2K")
        group = found.group
        assert group.short_id == "CHECKOUT-API-2K"
        assert group.title == "TimeoutError: card gateway did not answer"
        assert group.count == 1289  # a string on the wire
        assert group.user_count == 214
        assert group.first_seen == utc(2024, 2, 10, 3)
        assert group.status == "unresolved"
        assert group.project is not None
        assert group.project.slug == "checkout-api"
        assert group.project.platform is None  # "" on the wire
        assert group.raw["numComments"] == 3

    def test_event_id(self) -> None:
        found = structure(payloads.event_id_resolution("ab" * 16), EventIdResolution)

        assert found.event_id == "ab" * 16
        event = found.event
        assert event.event_id == "ab" * 16  # wire key "eventID"
        assert (event.group_id, event.project_id) == ("3301", "5102")  # "groupID", "projectID"
        assert event.message == ""  # only platform-like fields turn "" into None
        assert event.platform == "python"
        assert event.date_received == utc(2024, 3, 1, 22, 17, 46, 4000)
        assert [(t.key, t.value) for t in event.tags] == [
            ("environment", "production"),
            ("release", "checkout@2.14.0"),
        ]
        assert event.raw["contexts"]["runtime"]["name"] == "CPython"


class TestOrganizationResources:
    def test_stats_v2(self) -> None:
        stats = structure(payloads.stats_v2(), StatsV2)

        assert (stats.start, stats.end) == (utc(2024, 2, 26), utc(2024, 2, 29))
        assert stats.intervals == [utc(2024, 2, 26), utc(2024, 2, 27), utc(2024, 2, 28)]
        accepted, limited = stats.groups
        assert accepted.by == {"outcome": "accepted", "category": "error"}
        assert accepted.totals["sum(quantity)"] == 5012
        assert accepted.series["sum(times_seen)"] == [20, 31, 37]
        assert limited.totals["sum(quantity)"] == 12.5
        assert limited.series["sum(quantity)"] == [0, 12.5, 0]

    def test_stats_v2_bad_points_are_none_in_place_and_kept_in_raw(self) -> None:
        body = payloads.stats_v2()
        body["groups"][0]["series"]["sum(quantity)"][1] = "lots"
        body["groups"][0]["series"]["sum(times_seen)"][0] = None
        body["groups"][0]["totals"]["sum(times_seen)"] = "NaN"
        body["intervals"][2] = None

        stats = structure(body, StatsV2)

        assert stats.intervals is not None and len(stats.intervals) == 3
        assert stats.intervals[2] is None and stats.intervals[0] == utc(2024, 2, 26)
        group = (stats.groups or [])[0]
        assert group.series == {
            "sum(quantity)": [1500, None, 1800],
            "sum(times_seen)": [None, 31, 37],
        }
        assert group.totals == {"sum(quantity)": 5012, "sum(times_seen)": None}
        assert group.raw["series"]["sum(quantity)"][1] == "lots"

    def test_relay_usage(self) -> None:
        relay = structure(payloads.relay_usage(), RelayUsage)

        assert relay.relay_id == "6f2c1d4e-8a3b-4c5d-9e0f-1a2b3c4d5e6f"
        assert relay.version == "24.2.0"
        assert relay.public_key == "kJ3n0VvYt2wq1rX8sPzL5mHcA6bD4eF7gUiOyT9R0Qw"
        assert relay.first_seen == utc(2024, 1, 5, 6, 7, 8, 900000)
        assert relay.last_seen == utc(2024, 3, 1)

    def test_relay_without_public_key(self) -> None:
        body = payloads.relay_usage()
        del body["publicKey"]

        assert structure(body, RelayUsage).public_key is None


class TestIntegrations:
    def test_installation(self) -> None:
        install = structure(payloads.sentry_app_installation(), SentryAppInstallation)

        assert install.uuid == "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
        assert install.status == "installed"
        assert install.app.slug == "ticket-bridge-3f9a1c"
        assert install.app.sentry_app_id == 77
        assert install.organization.slug == "northwind"

    def test_external_issue(self) -> None:
        issue = structure(payloads.external_issue(), ExternalIssue)

        assert (issue.id, issue.issue_id) == ("4410", "3301")
        assert issue.service_type == "ticket-bridge"
        assert issue.display_name == "OPS#1187"
        assert issue.web_url == "https://tickets.northwind.example/OPS/1187"


class TestScim:
    def test_user(self) -> None:
        user = structure(payloads.scim_user(), ScimUser)

        assert (user.id, user.user_name) == ("730", "ada@northwind.example")
        assert [(e.value, e.primary, e.type) for e in user.emails] == [
            ("ada@northwind.example", True, "work")
        ]
        assert user.name is not None
        assert (user.name.given_name, user.name.family_name) == ("N/A", "N/A")
        assert user.active is True
        assert user.sentry_org_role == "member"
        assert user.schemas == ["urn:ietf:params:scim:schemas:core:2.0:User"]
        assert user.meta is not None
        assert user.meta.resource_type == "User"

    def test_active_omitted_is_none(self) -> None:
        user = structure(payloads.scim_user(active=None), ScimUser)

        assert "active" not in user.raw
        assert user.active is None

    def test_inactive_user(self) -> None:
        assert structure(payloads.scim_user(active=False), ScimUser).active is False

    def test_list_response(self) -> None:
        users = [payloads.scim_user("1", "a@x.example"), payloads.scim_user("2", "b@x.example")]
        page = structure(payloads.scim_list(users, start_index=3, total=9), ScimListResponse)

        assert (page.total_results, page.start_index, page.items_per_page) == (9, 3, 2)
        decode_user = structurer(ScimUser)
        assert [decode_user(item).user_name for item in page.resources] == [
            "a@x.example",
            "b@x.example",
        ]

    def test_empty_list_response(self) -> None:
        page = structure(payloads.scim_list([]), ScimListResponse)

        assert (page.total_results, page.items_per_page, page.resources) == (0, 0, [])


def test_timestamps_are_utc_everywhere() -> None:
    org = structure(payloads.organization_detailed(), Organization)
    stamps = [org.date_created, org.projects[0].date_created, org.teams[0].date_created]

    for stamp in stamps:
        assert stamp is not None
        assert stamp.utcoffset() == timedelta(0)
