"""One vocabulary of roles and agency kinds, shared by the protocols and the agency directory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class RoleBook:
    """The built-in roles plus those a protocol declares: their labels, ladder and scope.

    A declared role is placed on the ladder just above the role it names, so a protocol's own
    Deputy Director sits between head of service and director without the code knowing it.
    """

    labels: dict[str, str] = field(default_factory=lambda: {r.value: r.label for r in Role})
    ladder: tuple[str, ...] = tuple(LADDER)
    partnership: frozenset[str] = frozenset(PARTNERSHIP_ROLES)

    def label(self, role: str) -> str:
        return self.labels.get(role, role.replace("_", " "))

    def rank(self, role: str) -> int | None:
        return self.ladder.index(role) if role in self.ladder else None

    def above(self, role: str) -> list[str]:
        """Ladder roles more senior than `role`, nearest first; none for a role off the ladder."""
        rank = self.rank(role)
        return [] if rank is None else list(self.ladder[rank + 1 :])

    def with_declared(self, declared: Iterable[tuple[str, str, str | None, bool]]) -> RoleBook:
        """Adds (key, label, above, partnership) roles; a role above another joins the ladder."""
        labels, ladder, partnership = dict(self.labels), list(self.ladder), set(self.partnership)
        for key, label, above, shared in declared:
            labels[key] = label
            if above is not None and above in ladder and key not in ladder:
                position = ladder.index(above) + 1
                while position < len(ladder) and ladder[position] not in LADDER:
                    position += 1  # roles declared earlier above the same one stay below
                ladder.insert(position, key)
            if shared:
                partnership.add(key)
        return RoleBook(labels, tuple(ladder), frozenset(partnership))


BUILT_IN = RoleBook()


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
