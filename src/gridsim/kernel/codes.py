"""Codes of the case pipeline: states, channels, tiers, and the rows of its arrays.

Plain integers shared by the model (:mod:`gridsim.model`), the compiled day
kernel (:mod:`gridsim.kernel`) and the KPIs. Numba reads them as compile-time
constants (so the kernel's cache is keyed on this file too, see
:func:`gridsim.kernel.jit.kernel_fingerprint`); this module imports nothing heavy.
The stages' mechanism codes are declared in :mod:`gridsim.mechanisms.registry`
with their names, and re-exported here.
"""

from __future__ import annotations

# The mechanism codes of each stage, one IntEnum per stage (numba reads a
# member as an integer constant), declared with the mechanisms' names.
from gridsim.mechanisms.registry import Assign as Assign
from gridsim.mechanisms.registry import Collect as Collect
from gridsim.mechanisms.registry import Consult as Consult
from gridsim.mechanisms.registry import Supervise as Supervise
from gridsim.mechanisms.registry import Survey as Survey

# Case states (the model's codes).
LATENT, FOUND, VERIFY, DISPATCHED, WAITING, QUEUED, IN_SERVICE, REPLYING, CLOSED, INVALID = range(
    10
)
# Intake channels.
NO_CHANNEL, OFFICER_VISIT, CADRE_VISIT, PATROL, SELF_REPORT = range(5)
# Tiers.
GRID, COMMUNITY, STREET, DISTRICT = range(4)

# Rows of ``Pipeline.ints`` (int32, one column per case: days and ids).
(
    NEXT_DAY,
    FOUND_DAY,
    REPORT_DAY,
    ASSIGN_DAY,
    QUEUED_DAY,
    CLOSE_DAY,
    DEADLINE,
    FIRST_DEADLINE,
    UNIT,
    ARRIVAL,
    EXPIRY,
    HOUSEHOLD,
    ISSUE_GRID,
    STAMP,
    QUEUE_ENTRY,
) = range(15)
INT_ROWS = 15
# Rows of ``Pipeline.i8``.
STATE, CHANNEL, TIER, CATEGORY, REWORKS = range(5)
I8_ROWS = 5
# Rows of ``Pipeline.flags``.
ESCALATED, RED, BOUNCED, RESOLVED, SPOT_FIXED, LATE, PUBLIC = range(7)
FLAG_ROWS = 7
# A case's own random numbers, drawn on demand: slot ``k`` of case ``c`` is
# counter ``c * CASE_DRAW_SLOTS + k`` of the run's case key (gridsim.streams).
CASE_DRAWS = (
    "valid",
    "tier",
    "service",
    "same_day",
    "resolve",
    "multi",
    "rework",
    "spot",
    "pick",
    "satisfied",
    "escalated",
    "self",
    "bounce",
    "service_angle",
    "escalated_angle",
    "self_delay",
    "comply",
)
(
    U_VALID,
    U_TIER,
    U_SERVICE,
    U_SAME_DAY,
    U_RESOLVE,
    U_MULTI,
    U_REWORK,
    U_SPOT,
    U_PICK,
    U_SATISFIED,
    U_ESCALATED,
    U_SELF,
    U_BOUNCE,
    U_SERVICE_ANGLE,
    U_ESCALATED_ANGLE,
    U_SELF_DELAY,
    U_COMPLY,
) = range(17)
CASE_DRAW_SLOTS = 17

# Columns of ``Pipeline.hq``, the unit queues' entries (one row per entry).
HQ_CASE, HQ_K1, HQ_K2, HQ_LEFT, HQ_RIGHT = range(5)
HQ_COLUMNS = 5

# ``Pipeline.counters``.
(
    N_ENTRIES,
    FREE_ENTRY,
    N_DIRTY,
    HQ_ENTRIES,
    HQ_FREE,
    N_OPEN,
    N_CLOSED,
    RED_LIGHTS,
    ESCALATIONS,
    VISITS_DONE,
    VISITS_OFFICER,
    VISITS_CADRE,
    DETECTION_CURSOR,
    STAMP_CLOCK,
    ADMISSION_DUE,
    N_LOGGED,
) = range(16)
COUNTERS = 16

# ``Pipeline.fparams``.
(
    DETECT_LOGIT,
    TRUST_EFFECT,
    FAMILIARITY_EFFECT,
    FAMILIARITY_DAYS,
    CONTACT_GAIN,
    SPOT_SHARE,
    VALID_SHARE,
    MULTI_SHARE,
    BOUNCE_MEAN_DAYS,
    SERVICE_SIGMA,
    CONGESTION_SLOWDOWN,
    SAME_DAY_SHARE,
    ESCALATED_MEDIAN_DAYS,
    BOUNCE_RESOLVABLE_FACTOR,
    REWORK_SHARE,
    SELF_REPORT_DELAY_DAYS,
    TRUST_GAIN_RESOLVED,
    TRUST_LOSS_UNRESOLVED,
    TRUST_LOSS_LATE,
    NEIGHBOUR_WEIGHT,
    PUBLIC_WEIGHT,
    ADJACENT_GRID_WEIGHT,
    COMPLIANCE,
    COMPLIANCE_LOAD_DROP,
    YELLOW_COMPLIANCE,
    YELLOW_FRACTION,
    EFFORT_SPEEDUP,
    EFFORT_FIX_GAIN,
) = range(28)
FPARAMS = 28

# ``Pipeline.iparams``. A ``*_MODE`` slot holds the code of its stage's
# mechanism (the IntEnums below); :mod:`gridsim.kernel.dispatch` branches on it.
(
    DAYS,
    ENTRY_INTERVAL,
    VERIFICATION_DELAY,
    ASSIGN_MODE,
    DISPATCH_DELAY,
    CONSULT_MODE,
    CONSULTATION_INTERVAL,
    BOUNCES,
    SUPERVISE_MODE,
    ESCALATES,
    COLLECT_MODE,
    REPLY_DELAY,
    NEIGHBOURS,
    PUBLIC_REPLY,
    CASE_KEY,
    DETECTION_KEY,
) = range(16)
IPARAMS = 16

STATE_NAMES = (
    "latent",
    "found",
    "verify",
    "dispatched",
    "waiting",
    "queued",
    "in_service",
    "replying",
    "closed",
    "invalid",
)
CHANNEL_NAMES = ("none", "officer_visit", "cadre_visit", "patrol", "self_report")
