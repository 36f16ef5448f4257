"""The password rules (issue #11): accounts.passwords, each rule, its boundary and its
Vietnamese message, without the database.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import SimpleTestCase

User = get_user_model()


class PasswordRuleTests(SimpleTestCase):
    """accounts.passwords: each rule, its boundary and its Vietnamese message."""

    def refused(self, validator, password, user=None) -> str:
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as caught:
            validator.validate(password, user)
        return caught.exception.messages[0]

    def test_length_limits(self):
        from accounts.passwords import MaximumLengthValidator, MinimumLengthValidator

        short = MinimumLengthValidator(min_length=10)
        self.assertEqual(
            self.refused(short, "Ab1@56789"), "Mật khẩu quá ngắn: cần ít nhất 10 kí tự."
        )
        short.validate("Ab1@567890")
        self.assertIn("10 kí tự", short.get_help_text())
        long = MaximumLengthValidator(max_length=12)
        self.assertEqual(self.refused(long, "a" * 13), "Mật khẩu quá dài: tối đa 12 kí tự.")
        long.validate("a" * 12)
        self.assertIn("12 kí tự", long.get_help_text())
        self.assertEqual(MaximumLengthValidator().max_length, 128)

    def test_several_kinds_of_character(self):
        from accounts.passwords import CharacterKindsValidator

        three = CharacterKindsValidator(min_kinds=3)
        for weak in ("abcdefghij", "abcdeFGHIJ", "abcde12345", "abcde!!!!!", "ABCDE12345"[:5]):
            self.assertIn("ít nhất 3 trong 4 loại", self.refused(three, weak))
        for strong in ("abcDE12345", "abcde12!!!", "ABCDE12!!!", "abcDE!!!!!"):
            three.validate(strong)
        self.assertEqual(CharacterKindsValidator().min_kinds, 3)
        CharacterKindsValidator(min_kinds=4).validate("aB1!")
        self.refused(CharacterKindsValidator(min_kinds=4), "aB1c")
        self.assertIn("ít nhất 3", three.get_help_text())

    def test_no_folded_name_or_login_in_the_password(self):
        from types import SimpleNamespace

        from accounts.passwords import FoldedNameValidator

        rule = FoldedNameValidator()
        user = SimpleNamespace(username="hn.giaovien", first_name="Văn Thành", last_name="Nguyễn")
        for bad in ("Nguyen@2026x", "xx-GIAOVIEN-1", "thanh#2026AB", "N.g.u.y.e.n-99"):
            self.assertEqual(
                self.refused(rule, bad, user),
                "Mật khẩu không được chứa tên đăng nhập hoặc tên của bạn.",
                bad,
            )
        rule.validate("Van@2026hoso", user)  # "van" is too short to count
        four = SimpleNamespace(username="x", first_name="Hùng", last_name="Lê")
        self.refused(rule, "Hung#2026ab", four)  # four letters are enough to count
        rule.validate("Nguyen@2026x", None)
        rule.validate("Nguyen@2026x", SimpleNamespace())
        self.assertIn("không dấu", rule.get_help_text())

    def test_similar_common_and_numeric_passwords(self):

        from accounts.passwords import (
            CommonPasswordValidator,
            NumericPasswordValidator,
            UserAttributeSimilarityValidator,
        )

        user = User(username="giaovien")
        self.assertIn(
            "quá giống thông tin cá nhân",
            self.refused(UserAttributeSimilarityValidator(), "giaovien1", user),
        )
        UserAttributeSimilarityValidator().validate("Khac#Hoan2026", user)
        common = CommonPasswordValidator()
        self.assertEqual(
            self.refused(common, " PassWord "), "Mật khẩu này quá phổ biến, dễ bị đoán."
        )
        common.validate("Khac#Hoan2026")
        numeric = NumericPasswordValidator()
        self.assertEqual(self.refused(numeric, "1234567890"), "Mật khẩu không được toàn chữ số.")
        numeric.validate("123456789a")
        for validator in (UserAttributeSimilarityValidator(), common, numeric):
            self.assertTrue(validator.get_help_text().startswith("Mật khẩu không được"))
