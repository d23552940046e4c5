"""Writes to people, evidence and followers. Each runs in a transaction, locks what it
changes and, where a moderator acts, writes an audit entry in that transaction.

- ``people``: create, correct, hide, merge two records (``merge_plan``: a pure plan the
  merge executes);
- ``evidence``: add and retract evidence; the status that follows from it;
- ``follow``: relatives following a case by e-mail;
- ``lists``: the same evidence for every confirmed line of a list.

Callers import from here (``from conscripts import services``).
"""

from .evidence import (
    DERIVED_FIELDS,
    EvidenceAlreadyRetracted,
    EvidenceRetractError,
    change_fields,
    conscript_recompute_status,
    conscripts_bulk_add,
    evidence_add,
    evidence_fact,
    evidence_lock,
    evidence_retract,
    statuses_recompute,
)
from .follow import (
    FollowError,
    follow_confirm,
    follow_confirmation_send,
    follow_request,
    follow_token,
    follower_for_token,
    followers_notify,
    followers_purge_unconfirmed,
    followers_purge_unsubscribed,
    unfollow,
)
from .lists import ListEvidence, ListLine, list_evidence_add
from .people import (
    KEEP,
    MERGE_FIELDS,
    NAME_FIELDS,
    PERSON_FIELDS,
    TAKE,
    ConscriptError,
    MergePlan,
    conscript_create,
    conscript_set_public,
    conscript_snapshot,
    conscript_update,
    conscripts_merge,
    merge_plan,
    merge_plan_execute,
    name_keys_set,
    reference_data_load,
    unit_get_or_create,
    units_by_number,
)

__all__ = [
    "DERIVED_FIELDS",
    "KEEP",
    "MERGE_FIELDS",
    "NAME_FIELDS",
    "PERSON_FIELDS",
    "TAKE",
    "ConscriptError",
    "EvidenceAlreadyRetracted",
    "EvidenceRetractError",
    "FollowError",
    "ListEvidence",
    "ListLine",
    "MergePlan",
    "change_fields",
    "conscript_create",
    "conscript_recompute_status",
    "conscript_set_public",
    "conscript_snapshot",
    "conscript_update",
    "conscripts_bulk_add",
    "conscripts_merge",
    "evidence_add",
    "evidence_fact",
    "evidence_lock",
    "evidence_retract",
    "follow_confirm",
    "follow_confirmation_send",
    "follow_request",
    "follow_token",
    "follower_for_token",
    "followers_notify",
    "followers_purge_unconfirmed",
    "followers_purge_unsubscribed",
    "list_evidence_add",
    "merge_plan",
    "merge_plan_execute",
    "name_keys_set",
    "reference_data_load",
    "statuses_recompute",
    "unfollow",
    "unit_get_or_create",
    "units_by_number",
]
