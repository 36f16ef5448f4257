"""Separation of duties for credential resets (R2, issue #11 finding 3): the rule
itself and the temporary password, without the database (fast: the mutation run
starts with these). The services and screens are in test_security_credentials.py.
"""

from __future__ import annotations

from django.test import SimpleTestCase

NOT_BELOW = "ngang hoặc cao hơn mình"
PRINCIPAL_ONLY_BY_AUTHORITY = "chỉ do cán bộ Phòng GD"
OWN = "chính mình"
OTHER_SCHOOL = "không thuộc trường của bạn"
AUTHORITY_ONLY_PRINCIPALS = "chỉ đặt lại tài khoản hiệu trưởng"


class RuleTests(SimpleTestCase):
    """The rule itself, without the database (fast: the mutation run uses these)."""

    SCHOOL_A, SCHOOL_B = 1, 2

    @staticmethod
    def party(user_id, roles=(), school_id=1, superuser=False):
        from accounts.services import Party

        return Party(
            user_id=user_id, is_superuser=superuser, roles=frozenset(roles), school_id=school_id
        )

    def refusal(self, actor, target, reaches=False):
        from accounts.services import reset_refusal

        return reset_refusal(actor, target, actor_reaches_target_school=reaches)

    def test_an_account_ranks_as_its_highest_role(self):
        from accounts.services import Rank, rank_of

        self.assertEqual(rank_of(frozenset()), Rank.STAFF)
        for code in ("teacher", "clerk", "accountant", "archivist", "group_leader"):
            self.assertEqual(rank_of(frozenset({code})), Rank.STAFF, code)
        self.assertEqual(rank_of(frozenset({"teacher", "sysadmin"})), Rank.SYSADMIN)
        self.assertEqual(rank_of(frozenset({"sysadmin", "vice_principal"})), Rank.VICE_PRINCIPAL)
        self.assertEqual(rank_of(frozenset({"teacher", "principal"})), Rank.PRINCIPAL)
        self.assertTrue(Rank.STAFF < Rank.SYSADMIN < Rank.VICE_PRINCIPAL < Rank.PRINCIPAL)

    def test_the_school_order_of_who_resets_whom(self):
        from accounts.services import Refusal

        principal = self.party(1, ["principal"])
        vice = self.party(2, ["vice_principal"])
        sysadmin = self.party(3, ["sysadmin"])
        teacher = self.party(4, ["teacher"])
        allowed = {
            (principal, vice),
            (principal, sysadmin),
            (principal, teacher),
            (sysadmin, teacher),
        }
        people = [principal, vice, sysadmin, teacher]
        for actor in people:
            for target in people:
                if actor is target:
                    continue
                got = self.refusal(actor, target)
                if (actor, target) in allowed:
                    self.assertIsNone(got, (actor.roles, target.roles))
                elif target is principal:
                    self.assertEqual(got, Refusal.PRINCIPAL_BY_AUTHORITY)
                elif actor in (principal, sysadmin):
                    self.assertEqual(got, Refusal.NOT_BELOW, (actor.roles, target.roles))
                else:
                    self.assertEqual(got, Refusal.NOT_A_RESETTER, (actor.roles, target.roles))

    def test_equal_authority_is_refused(self):
        from accounts.services import Refusal

        self.assertEqual(
            self.refusal(self.party(3, ["sysadmin"]), self.party(5, ["sysadmin", "teacher"])),
            Refusal.NOT_BELOW,
        )
        # A sysadmin who also teaches is still a sysadmin, not a leader.
        self.assertEqual(
            self.refusal(
                self.party(3, ["sysadmin", "vice_principal"]), self.party(5, ["sysadmin"])
            ),
            Refusal.NOT_BELOW,
        )

    def test_nobody_resets_their_own_credentials(self):
        from accounts.services import Refusal

        for roles, school, superuser in (
            (["principal"], 1, False),
            (["sysadmin"], 1, False),
            (["district_office"], None, False),
            ([], None, True),
        ):
            me = self.party(7, roles, school, superuser)
            self.assertEqual(self.refusal(me, me, reaches=True), Refusal.OWN, roles)

    def test_an_account_of_another_school_is_refused(self):
        from accounts.services import Refusal

        self.assertEqual(
            self.refusal(self.party(1, ["principal"], 2), self.party(4, ["teacher"], 1)),
            Refusal.OTHER_SCHOOL,
        )
        self.assertEqual(
            self.refusal(self.party(1, ["principal"], 1), self.party(4, ["teacher"], None)),
            Refusal.OTHER_SCHOOL,
        )

    def test_only_the_authority_officer_over_the_school_resets_a_principal(self):
        from accounts.services import Refusal

        principal = self.party(1, ["principal", "teacher"], 1)
        officer = self.party(9, ["district_office"], None)
        self.assertIsNone(self.refusal(officer, principal, reaches=True))
        self.assertEqual(
            self.refusal(officer, principal, reaches=False), Refusal.PRINCIPAL_BY_AUTHORITY
        )
        for actor in (
            self.party(8, ["inspector"], None),
            self.party(10, [], None, superuser=True),
            self.party(11, ["principal"], 1),
            self.party(12, ["principal"], 2),
            # An officer's role given to a school account does not make it the authority.
            self.party(13, ["district_office", "sysadmin"], 1),
        ):
            self.assertEqual(
                self.refusal(actor, principal, reaches=True),
                Refusal.PRINCIPAL_BY_AUTHORITY,
                actor,
            )
        # A principal account without a school is no school's principal.
        self.assertEqual(
            self.refusal(officer, self.party(1, ["principal"], None), reaches=True),
            Refusal.PRINCIPAL_BY_AUTHORITY,
        )

    def test_the_authority_resets_principals_only(self):
        from accounts.services import Refusal

        officer = self.party(9, ["district_office"], None)
        inspector = self.party(8, ["inspector"], None)
        for actor in (officer, inspector):
            for target_roles in (["teacher"], ["vice_principal"], ["sysadmin"]):
                self.assertEqual(
                    self.refusal(actor, self.party(4, target_roles, 1), reaches=True),
                    Refusal.AUTHORITY_ONLY_PRINCIPALS,
                )
            self.assertEqual(
                self.refusal(actor, self.party(5, ["district_office"], None), reaches=True),
                Refusal.AUTHORITY_ONLY_PRINCIPALS,
            )

    def test_a_superuser_resets_below_principals_but_never_a_superuser(self):
        from accounts.services import Refusal

        root = self.party(10, [], None, superuser=True)
        for roles, school in ((["teacher"], 1), (["sysadmin"], 1), (["district_office"], None)):
            self.assertIsNone(self.refusal(root, self.party(4, roles, school)), roles)
        self.assertEqual(
            self.refusal(root, self.party(11, [], None, superuser=True)), Refusal.NOT_BELOW
        )
        self.assertEqual(
            self.refusal(self.party(1, ["principal"], 1), self.party(11, [], 1, superuser=True)),
            Refusal.NOT_BELOW,
        )

    def test_an_account_without_a_reset_role_resets_nobody(self):
        from accounts.services import Refusal

        teacher = self.party(4, ["teacher"], 1)
        for roles in (["vice_principal"], ["group_leader"], ["clerk"], []):
            self.assertEqual(
                self.refusal(self.party(6, roles, 1), teacher), Refusal.NOT_A_RESETTER, roles
            )
        # A reset role without a school (a misconfigured account) reaches nobody.
        self.assertEqual(
            self.refusal(self.party(6, ["sysadmin"], None), self.party(4, ["teacher"], None)),
            Refusal.NOT_A_RESETTER,
        )

    def test_every_refusal_is_worded_in_vietnamese(self):
        from accounts.services import Refusal, refusal_message

        worded = {refusal: refusal_message(refusal) for refusal in Refusal}
        self.assertIn(NOT_BELOW, worded[Refusal.NOT_BELOW])
        self.assertIn(PRINCIPAL_ONLY_BY_AUTHORITY, worded[Refusal.PRINCIPAL_BY_AUTHORITY])
        self.assertIn(OWN, worded[Refusal.OWN])
        self.assertIn(OTHER_SCHOOL, worded[Refusal.OTHER_SCHOOL])
        self.assertIn(AUTHORITY_ONLY_PRINCIPALS, worded[Refusal.AUTHORITY_ONLY_PRINCIPALS])
        self.assertEqual(len(set(worded.values())), len(Refusal))


class TemporaryPasswordTests(SimpleTestCase):
    def test_a_temporary_password_passes_every_password_rule(self):
        from django.contrib.auth.password_validation import validate_password

        from accounts.services import temporary_password

        for _ in range(50):
            password = temporary_password()
            self.assertEqual(len(password), 14)
            validate_password(password)
            for pool in ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789"):
                self.assertGreaterEqual(sum(ch in pool for ch in password), 2, password)
            self.assertGreaterEqual(sum(ch in "@#%+=!?" for ch in password), 2, password)
            self.assertFalse(set(password) & set("0O1lI"), password)
        self.assertEqual(len(temporary_password(20)), 20)
        self.assertEqual(len(temporary_password(4)), 8)  # never fewer than two of each kind
