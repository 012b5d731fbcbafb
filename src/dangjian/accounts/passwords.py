"""Password rules of 等保 level 3 that Django's own validators do not cover."""

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", set(string.ascii_uppercase)),
    ("小写字母", set(string.ascii_lowercase)),
    ("数字", set(string.digits)),
    ("符号", set(string.punctuation + " ")),
)


class CharacterClassValidator:
    """At least three of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(1 for _, chars in CLASSES if chars & set(password))
        if used < self.min_classes:
            raise ValidationError(
                f"密码应至少包含大写字母、小写字母、数字、符号中的{self.min_classes}类。", code="password_classes"
            )

    def get_help_text(self):
        return f"密码应至少包含大写字母、小写字母、数字、符号中的{self.min_classes}类。"


class NoUsernameValidator:
    """The password must not contain the username (in any letter case)."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if username and username in password.lower():
            raise ValidationError("密码中不能包含用户名。", code="password_has_username")

    def get_help_text(self):
        return "密码中不能包含用户名。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a Chinese message: Django 5.2's own message has no Simplified Chinese translation."""

    def get_error_message(self):
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self):
        return f"密码至少需要{self.min_length}个字符。"
