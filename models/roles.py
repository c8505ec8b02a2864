"""One vocabulary of roles and agency kinds, shared by the protocols and the agency directory."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Where a person stands in the escalation ladder; agencies show their own job titles."""

    PRACTITIONER = "practitioner"
    LINE_MANAGER = "line_manager"
    SENIOR_MANAGER = "senior_manager"
    HEAD_OF_SERVICE = "head_of_service"
    NAMED_SAFEGUARDING_PROFESSIONAL = "named_safeguarding_professional"
    DESIGNATED_SAFEGUARDING_PROFESSIONAL = "designated_safeguarding_professional"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    THRESHOLD_ADVISER = "threshold_adviser"
    DIRECTOR = "director"
    PARTNERSHIP_CHAIR = "partnership_chair"
    PARTNERSHIP_ADMIN = "partnership_admin"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Role.PRACTITIONER: "practitioner",
    Role.LINE_MANAGER: "line manager",
    Role.SENIOR_MANAGER: "senior manager",
    Role.HEAD_OF_SERVICE: "head of service",
    Role.NAMED_SAFEGUARDING_PROFESSIONAL: "named safeguarding professional",
    Role.DESIGNATED_SAFEGUARDING_PROFESSIONAL: "designated safeguarding professional",
    Role.SAFEGUARDING_LEAD: "agency safeguarding lead",
    Role.THRESHOLD_ADVISER: "threshold adviser",
    Role.DIRECTOR: "director",
    Role.PARTNERSHIP_CHAIR: "partnership chair or scrutineer",
    Role.PARTNERSHIP_ADMIN: "partnership business unit",
}

# The line-management ladder, lowest first: walking a management chain stops at the stage's
# role, and gives up once it passes it. Specialist roles sit outside the ladder.
LADDER: tuple[Role, ...] = (
    Role.PRACTITIONER,
    Role.LINE_MANAGER,
    Role.SENIOR_MANAGER,
    Role.HEAD_OF_SERVICE,
    Role.SAFEGUARDING_LEAD,
    Role.DIRECTOR,
    Role.PARTNERSHIP_CHAIR,
)

# Roles held once for the whole partnership rather than in each agency.
PARTNERSHIP_ROLES = frozenset({Role.PARTNERSHIP_CHAIR, Role.PARTNERSHIP_ADMIN})


class AgencyKind(StrEnum):
    """The kinds of agency a partnership brings together."""

    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    PROBATION = "probation"
    HOUSING = "housing"
    EARLY_HELP = "early_help"
    VOLUNTARY_COMMUNITY_FAITH = "voluntary_community_faith"
    PARTNERSHIP = "partnership"
    OTHER = "other"
