"""The signer-chain rules (recordpages/chains.py) and the policy's signature branch.

Pure tests, no database: the mutation run over recordpages/chains.py
(tests/mutation/chains.toml) and over the signature rules of workflow/policy.py
(tests/mutation/policy_signatures.toml) use them as their test command.
"""

from __future__ import annotations

import dataclasses

import pytest

from recordpages import chains, registry
from recordpages.chains import AUTOMATIC_SEAL, CATEGORY_CHAINS, SignatureStep
from recordpages.models import RecordCategory
from recordpages.registry import Actor, Bar, CategoryPath
from tests.workflow.unsaved import (
    CLERK,
    LEADER,
    PRINCIPAL,
    PRINCIPAL_2,
    TEACHER,
    TEACHER_2,
    VP,
    as_read,
    record,
    refused,
    who,
)
from workflow import policy


def _sig(field: str, on: str = "approve", *, together: bool = False, **kw) -> SignatureStep:
    by = kw.pop("by", (Actor.PRINCIPAL,))
    return SignatureStep(field, field, on, by, parallel_with_next=together, **kw)


def _fields(steps) -> list[str]:
    return [s.field for s in steps]


# --- rounds ---------------------------------------------------------------------------


def test_consecutive_signatures_are_each_their_own_round():
    a, b, c = _sig("a"), _sig("b"), _sig("c")
    assert chains.rounds([a, b, c]) == [(a,), (b,), (c,)]


def test_a_signature_parallel_with_the_next_shares_its_round():
    a, b, c, d = _sig("a", together=True), _sig("b"), _sig("c", together=True), _sig("d")
    assert chains.rounds([a, b, c, d]) == [(a, b), (c, d)]


def test_three_signatures_chained_in_parallel_form_one_round():
    a, b, c = _sig("a", together=True), _sig("b", together=True), _sig("c")
    assert chains.rounds([a, b, c]) == [(a, b, c)]


def test_a_last_signature_marked_parallel_still_forms_a_round():
    a, b = _sig("a"), _sig("b", together=True)
    assert chains.rounds([a, b]) == [(a,), (b,)]
    assert chains.rounds([b]) == [(b,)]


def test_no_signatures_make_no_rounds():
    assert chains.rounds([]) == []


# --- pending_on / completes -------------------------------------------------------------


STEPS = (
    _sig("writer", "submit", by=(Actor.AUTHOR,)),
    _sig("vp", "approve", together=True, by=(Actor.VICE_PRINCIPAL,)),
    _sig("leader", "approve", by=(Actor.GROUP_LEADER,)),
    _sig("principal", "approve"),
    _sig("seal", "sign", by=(Actor.CLERK,), seal=True),
)
WRITER, VP_SIG, LEADER_SIG, PRINCIPAL_SIG, SEAL = STEPS


def test_the_first_round_of_a_path_step_is_pending_whole():
    assert chains.pending_on(STEPS, "approve", []) == (VP_SIG, LEADER_SIG)
    assert not chains.completes(STEPS, "approve", [])


def test_a_round_waits_for_its_other_signer_in_any_order():
    assert chains.pending_on(STEPS, "approve", ["leader"]) == (VP_SIG,)
    assert chains.pending_on(STEPS, "approve", ["vp"]) == (LEADER_SIG,)


def test_the_next_round_is_pending_only_once_the_round_before_is_complete():
    assert chains.pending_on(STEPS, "approve", ["vp", "leader"]) == (PRINCIPAL_SIG,)
    assert not chains.completes(STEPS, "approve", ["vp", "leader"])


def test_a_path_step_is_taken_when_its_last_signature_is_made():
    done = ["writer", "vp", "leader", "principal"]
    assert chains.pending_on(STEPS, "approve", done) == ()
    assert chains.completes(STEPS, "approve", done)
    # A generator of fields (read once) counts as well as a list.
    assert chains.completes(STEPS, "approve", (f for f in done))


def test_signatures_of_other_path_steps_are_neither_pending_nor_counted():
    assert chains.pending_on(STEPS, "submit", []) == (WRITER,)
    assert chains.pending_on(STEPS, "submit", ["vp", "leader", "principal"]) == (WRITER,)
    assert chains.pending_on(STEPS, "sign", ["writer"]) == (SEAL,)
    assert chains.completes(STEPS, "submit", ["writer"])


def test_path_steps_are_matched_by_value_as_read_from_a_request_or_a_row():
    # A step name from a form or a school's chain row is an equal string, not the
    # registry's constant object.
    steps = tuple(dataclasses.replace(s, on=as_read(s.on)) for s in STEPS)
    assert chains.pending_on(steps, as_read("approve"), []) == steps[1:3]
    assert not chains.completes(steps, as_read("submit"), [])


def test_a_path_step_without_signatures_is_taken_at_once():
    assert chains.pending_on(STEPS, "check", []) == ()
    assert chains.completes(STEPS, "check", [])
    assert chains.completes((), "approve", [])


def test_a_signature_already_made_is_not_asked_again():
    # A field is made once: made out of order, it is not pending again.
    assert chains.pending_on(STEPS, "approve", ["principal"]) == (VP_SIG, LEADER_SIG)
    assert chains.pending_on(STEPS, "approve", ["vp", "leader", "principal"]) == ()


# --- with_seal ----------------------------------------------------------------------------


def test_a_chain_without_a_seal_gets_the_archives_seal_last():
    whole = chains.with_seal(STEPS[:4])
    assert whole == (*STEPS[:4], AUTOMATIC_SEAL)
    assert chains.with_seal(()) == (AUTOMATIC_SEAL,)


def test_a_chain_that_declares_its_seal_is_shown_as_declared():
    assert chains.with_seal(STEPS) == STEPS
    assert chains.with_seal(list(STEPS)) == STEPS  # a tuple, whatever it is given


def test_the_archives_seal_is_a_seal_of_nobody_on_no_path_step():
    assert AUTOMATIC_SEAL.seal is True
    assert AUTOMATIC_SEAL.field == "con_dau" and AUTOMATIC_SEAL.pdf_field == "Ky_con_dau"
    assert AUTOMATIC_SEAL.on == "" and AUTOMATIC_SEAL.by == ()
    assert AUTOMATIC_SEAL.bar is None and AUTOMATIC_SEAL.parallel_with_next is False
    assert str(AUTOMATIC_SEAL.label) == "Chữ ký số của nhà trường"


# --- the constructors -----------------------------------------------------------------------


def test_a_personal_signature_is_in_sequence_barred_as_its_path_step_and_no_seal():
    step = chains.personal("gv", "Giáo viên", on="submit", by=(Actor.AUTHOR,))
    assert step == SignatureStep("gv", "Giáo viên", "submit", (Actor.AUTHOR,))
    assert step.seal is False and step.parallel_with_next is False and step.bar is None
    assert step.pdf_field == "Ky_gv"


def test_a_declaration_names_its_path_step_and_signers_by_keyword():
    # Keyword-only: a declaration cannot swap `on` and `by` unnoticed.
    with pytest.raises(TypeError):
        chains.personal("gv", "Giáo viên", "submit", (Actor.AUTHOR,))
    assert chains.personal(field="gv", label="GV", on="submit", by=()).field == "gv"


def test_the_seal_is_the_clerks_barred_only_to_editors():
    step = chains.seal(on="sign")
    assert step.field == "con_dau" and step.on == "sign" and step.seal is True
    assert step.by == (Actor.CLERK,)
    assert step.bar == Bar.EDITORS and step.parallel_with_next is False
    assert str(step.label) == "Đóng dấu (văn thư)"
    assert chains.seal(on="sign", by=(Actor.PRINCIPAL,)).by == (Actor.PRINCIPAL,)


def test_a_signature_step_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        AUTOMATIC_SEAL.field = "x"


# --- the declared chains ----------------------------------------------------------------------


def _all_rules() -> list[registry.RecordType]:
    categories = [RecordCategory(pk=900 + i, name="c", path=p) for i, p in enumerate(CategoryPath)]
    return [*registry.all_types(), *(c.rules() for c in categories)]


RULES = _all_rules()
IDS = [f"{r.code}-{r.category_id or ''}" for r in RULES]


@pytest.mark.parametrize("rules", RULES, ids=IDS)
def test_every_declared_signer_may_take_the_path_step_it_signs_on(rules):
    for sig in rules.signature_steps:
        step = rules.step(sig.on)
        assert step is not None, (rules.code, sig.field)
        assert sig.by and set(sig.by) <= set(step.by), (rules.code, sig.field)


@pytest.mark.parametrize("rules", RULES, ids=IDS)
def test_every_chain_names_each_field_once_in_ascii(rules):
    fields = [sig.field for sig in chains.with_seal(rules.signature_steps)]
    assert len(fields) == len(set(fields))
    assert all(f.isascii() and f.isidentifier() for f in fields)


@pytest.mark.parametrize("rules", RULES, ids=IDS)
def test_every_chain_ends_with_its_one_seal(rules):
    whole = chains.with_seal(rules.signature_steps)
    assert [s.seal for s in whole] == [False] * (len(whole) - 1) + [True]


@pytest.mark.parametrize("rules", RULES, ids=IDS)
def test_every_chain_follows_its_path(rules):
    order = [registry.STEP_ORDER.index(sig.on) for sig in rules.signature_steps]
    assert order == sorted(order)
    assert not any(sig.parallel_with_next for sig in rules.signature_steps)


@pytest.mark.parametrize("rules", RULES, ids=IDS)
def test_a_record_type_with_a_path_has_a_signer_for_its_first_step(rules):
    if rules.code == "training_log" or not rules.signature_steps:
        return
    assert rules.signature_steps[0].on == rules.steps[0].name


def test_the_declared_chains_name_their_signers():
    chain = {r.code: _fields(r.signature_steps) for r in registry.all_types()}
    assert chain["lesson_plan"] == ["giao_vien", "to_truong", "nguoi_duyet"]
    assert chain["group_plan"] == ["to_truong", "nguoi_duyet"]
    assert chain["school_plan"] == ["nguoi_lap", "hieu_truong"]
    assert chain["student_record"] == ["giao_vien_chu_nhiem", "hieu_truong", "con_dau"]
    assert chain["enrollment_register"] == ["nguoi_chot_so", "hieu_truong", "con_dau"]


def test_a_school_category_signs_as_its_writer_then_its_approver():
    approve = CATEGORY_CHAINS[CategoryPath.APPROVE]
    paper = CATEGORY_CHAINS[CategoryPath.PAPER]
    assert [(s.field, s.on, s.by) for s in approve] == [
        ("nguoi_lap", "submit", (Actor.AUTHOR, Actor.PRINCIPAL)),
        ("nguoi_duyet", "approve", (Actor.PRINCIPAL, Actor.ASSIGNED_VP)),
    ]
    assert paper[:2] == approve
    assert paper[2] == chains.seal(on="sign")
    assert [str(s.label) for s in approve] == ["Người lập", "Người duyệt"]


# --- the policy's signature rules (workflow/policy.py) ----------------------------------------


def _with_chain(rec, steps):
    """The record as its school adjusted its chain (recordpages.models.chains caches it)."""
    rules = dataclasses.replace(rec.rules, signature_steps=tuple(steps))
    rec.__dict__["_school_rules"] = ((rec.school_id, rules.code), rules)
    return rec


def _signed(rec, **signers):
    rec.signatures_made = [as_read(f) for f in signers]
    rec.signature_signers = {as_read(f): as_read(s.user_id) for f, s in signers.items()}
    return rec


def test_the_signature_due_is_the_one_of_the_person_taking_the_step():
    rec = record("lesson_plan", "checked", author=TEACHER, editors=(TEACHER,))
    assert policy.signature_due(who(PRINCIPAL), rec, "approve").field == "nguoi_duyet"
    assert policy.signature_due(who(VP), rec, "approve").field == "nguoi_duyet"
    assert policy.signature_due(who(TEACHER_2), rec, "approve") is None
    assert policy.signature_due(who(PRINCIPAL), rec, "publish") is None  # no signature


def test_a_superuser_makes_the_first_signature_due():
    rec = record("enrollment_register", "paper_confirmed", author=CLERK)
    due = policy.signature_due(who(None, superuser=True), rec, "sign")
    assert due.field == "hieu_truong"


def test_nobody_makes_two_signatures_of_one_path_step():
    # An added review on approve, by any principal: the one who signed first may not
    # take the second signature, another principal may.
    rec = record("lesson_plan", "checked", author=TEACHER, editors=(TEACHER,))
    extra = _sig("hieu_truong_2", "approve")
    _with_chain(rec, (*rec.rules.signature_steps, extra))
    _signed(rec, giao_vien=TEACHER, to_truong=LEADER, nguoi_duyet=PRINCIPAL)
    assert policy.signature_due(who(PRINCIPAL), rec, "approve") is None
    assert refused(PRINCIPAL, rec, "approve") is not None
    assert policy.signature_due(who(PRINCIPAL_2), rec, "approve") == extra
    assert refused(PRINCIPAL_2, rec, "approve") is None


def test_a_signature_of_another_path_step_does_not_stop_its_signer():
    # The teacher signed on submit; in a (made-up) chain where she also signs on
    # approve, that earlier signature does not count against her.
    rec = record("school_plan", "submitted", author=VP, editors=(VP,))
    _signed(rec, nguoi_lap=PRINCIPAL_2)
    assert policy.signature_due(who(PRINCIPAL), rec, "approve").field == "hieu_truong"
    rec = record("school_plan", "submitted", author=VP, editors=(VP,))
    _signed(rec, nguoi_lap=PRINCIPAL)
    assert policy.signature_due(who(PRINCIPAL), rec, "approve").field == "hieu_truong"
    assert refused(PRINCIPAL, rec, "approve") is None


def test_the_principal_who_closed_the_register_also_signs_it():
    # Her signature on finalize is another path step's: it does not count on sign.
    rec = record("enrollment_register", "paper_confirmed", author=CLERK, editors=())
    _signed(rec, nguoi_chot_so=PRINCIPAL)
    assert policy.signature_due(who(PRINCIPAL), rec, "sign").field == "hieu_truong"
    assert refused(PRINCIPAL, rec, "sign") is None


def test_who_signed_a_path_step_is_matched_by_value_as_read_from_a_request_or_a_row():
    rec = record("lesson_plan", "checked", author=TEACHER, editors=(TEACHER,))
    extra = _sig(as_read("hieu_truong_2"), as_read("approve"))
    declared = tuple(dataclasses.replace(s, on=as_read(s.on)) for s in rec.rules.signature_steps)
    _with_chain(rec, (*declared, extra))
    _signed(rec, giao_vien=TEACHER, to_truong=LEADER, nguoi_duyet=PRINCIPAL)
    assert policy.signature_due(who(PRINCIPAL), rec, as_read("approve")) is None
    assert policy.signature_due(who(PRINCIPAL_2), rec, as_read("approve")) == extra


def test_a_signature_made_by_someone_else_does_not_stop_the_next_signer():
    rec = record("enrollment_register", "paper_confirmed", author=CLERK, editors=())
    _signed(rec, hieu_truong=PRINCIPAL)
    assert policy.signature_due(who(CLERK), rec, "sign").field == "con_dau"
    assert refused(CLERK, rec, "sign") is None
    assert refused(PRINCIPAL, rec, "sign") is not None


def test_the_signers_of_a_round_are_those_who_may_take_the_step_now():
    rec = record("lesson_plan", "checked", author=TEACHER, editors=(TEACHER,))
    steps = (
        _sig("pho", "approve", together=True, by=(Actor.VICE_PRINCIPAL,)),
        _sig("hieu", "approve", by=(Actor.PRINCIPAL,)),
        _sig("to", "approve", by=(Actor.GROUP_LEADER,)),
    )
    _with_chain(rec, steps)
    assert refused(VP, rec, "approve") is None
    assert refused(PRINCIPAL, rec, "approve") is None
    assert refused(LEADER, rec, "approve") is not None  # the next round's signer
    _signed(rec, pho=VP, hieu=PRINCIPAL)
    assert refused(LEADER, rec, "approve") is None
    assert refused(PRINCIPAL, rec, "approve") is not None


def test_a_signature_with_its_own_bar_replaces_the_steps_bar_for_its_signers():
    # The seal bars only editors: the clerk who created a record but did not edit it
    # seals it; the principal's signature on the same step keeps the step's bar.
    rec = record("enrollment_register", "paper_confirmed", author=PRINCIPAL, editors=())
    assert "Không ai được tự duyệt" in refused(PRINCIPAL, rec, "sign")
    rec = record("enrollment_register", "paper_confirmed", author=CLERK, editors=())
    _signed(rec, hieu_truong=PRINCIPAL)
    assert refused(CLERK, rec, "sign") is None


def test_a_signature_bar_applies_only_to_those_who_make_that_signature():
    # A round of the clerk's seal (bar: editors) and the principal's signature: the
    # principal who wrote the record is still barred by the step's bar (writers).
    rec = record("enrollment_register", "paper_confirmed", author=PRINCIPAL, editors=(CLERK,))
    steps = (
        dataclasses.replace(chains.seal(on="sign"), parallel_with_next=True),
        _sig("hieu_truong", "sign"),
    )
    _with_chain(rec, steps)
    assert "Không ai được tự duyệt" in refused(PRINCIPAL, rec, "sign")
    assert "Không ai được tự duyệt" in refused(CLERK, rec, "sign")
