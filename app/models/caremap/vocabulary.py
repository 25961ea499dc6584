"""The care-map vocabulary: the engine's care groups, spheres and methods, our layers, origins,
crowd-report states and actions, pin metrics, each with its label table, and the size limits.

A pin's target kind is not listed here: kinds are whatever other domains register with
`app.services.targets` ("session", "contribution"…).
"""

from enum import StrEnum

from app.caremap.model import CARE_GROUPS, METHODS, SPHERES
from app.i18n import N_, NC_


class CareGroup(StrEnum):
    children_0_5 = "children_0_5"
    older_persons = "older_persons"
    persons_with_disabilities = "persons_with_disabilities"


class Sphere(StrEnum):
    public = "public"
    private = "private"
    community = "community"
    family = "family"


class Method(StrEnum):
    sfca2 = "2sfca"
    e2sfca = "e2sfca"
    sfca3 = "3sfca"
    gravity = "gravity"


class Decay(StrEnum):
    gaussian = "gaussian"
    steps = "steps"


class DatasetKind(StrEnum):
    units = "units"
    demand = "demand"
    supply = "supply"


class DatasetOrigin(StrEnum):
    upload = "upload"  # the secretariat's form or the API
    cli = "cli"  # `townhall caremap import`
    crowd = "crowd"  # a verified crowd report added to the previous version
    demo = "demo"  # the synthetic demo territory


class CrowdKind(StrEnum):
    facility = "facility"  # a place that gives care (supply)
    need = "need"  # people who need care and find none (demand)


class CrowdStatus(StrEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"


class CrowdAction(StrEnum):
    verify = "verify"  # into a new version of the supply or demand layer
    reject = "reject"  # with a reason the person who reported it reads


class PinMetric(StrEnum):
    coverage = "coverage"
    gap = "gap"


# The engine's vocabularies and ours must not drift apart.
assert tuple(CareGroup) == CARE_GROUPS
assert tuple(Sphere) == SPHERES
assert tuple(Method) == METHODS

# Labels shown to people (translated where shown).
GROUP_LABELS = {
    CareGroup.children_0_5: N_("Young children (0–5 years)"),
    CareGroup.older_persons: N_("Older persons"),
    CareGroup.persons_with_disabilities: N_("Persons with disabilities"),
}
SPHERE_LABELS = {
    Sphere.public: N_("Public"),
    Sphere.private: N_("Private"),
    Sphere.community: N_("Community"),
    Sphere.family: N_("Family"),
}
METHOD_LABELS = {
    Method.sfca2: N_("Two-step floating catchment (2SFCA)"),
    Method.e2sfca: N_("Enhanced two-step floating catchment with distance decay (E2SFCA)"),
    Method.sfca3: N_("Three-step floating catchment (3SFCA)"),
    Method.gravity: N_("Gravity model with competition"),
}
DECAY_LABELS = {
    Decay.gaussian: N_("Gaussian (smooth) decay"),
    Decay.steps: N_("Step zones"),
}
METRIC_LABELS = {
    PinMetric.coverage: N_("Coverage: accessible places per 1,000 persons"),
    PinMetric.gap: N_("Gap: places missing to reach the target"),
}
# The layer's name inside a sentence ("This territory has no %(layer)s file yet.").
LAYER_NAMES = {
    DatasetKind.units: N_("territorial units"),
    DatasetKind.demand: N_("demand"),
    DatasetKind.supply: N_("supply"),
}
LAYER_LABELS = {
    DatasetKind.units: N_("Territorial units"),
    DatasetKind.demand: N_("Demand (people who need care)"),
    DatasetKind.supply: N_("Supply (care facilities)"),
}
ORIGIN_LABELS = {
    DatasetOrigin.upload: N_("Uploaded"),
    DatasetOrigin.cli: N_("Imported from the command line"),
    DatasetOrigin.crowd: N_("Previous version plus a verified crowd report"),
    DatasetOrigin.demo: N_("Synthetic demo data"),
}
CROWD_KIND_LABELS = {
    CrowdKind.facility: N_("A care facility"),
    CrowdKind.need: N_("An unmet need for care"),
}
STATUS_LABELS = {
    CrowdStatus.pending: N_("Waiting for verification"),
    CrowdStatus.verified: NC_("crowd report", "Verified"),  # agree with the noun
    CrowdStatus.rejected: NC_("crowd report", "Rejected"),
}
CROWD_ACTION_LABELS = {
    CrowdAction.verify: N_("Verify"),
    CrowdAction.reject: N_("Reject"),
}

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CATCHMENT_M = 50_000.0
MAX_TARGET = 1000.0
