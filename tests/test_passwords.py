"""Password rules: eight characters, three kinds of character, not the username; refused in Chinese."""

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码太短，至少需要8个字符"),
        ("abcdefgh12", "至少包含大写字母、小写字母、数字、符号中的3类"),
        ("ABCDEFGH!!", "至少包含大写字母、小写字母、数字、符号中的3类"),
        ("Xx-zhangsan-2026", "不能包含用户名"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(password, message):
    user = User(username="zhangsan")
    with pytest.raises(ValidationError) as err:
        validate_password(password, user)
    assert any(message in m for m in err.value.messages)


@pytest.mark.parametrize("password", ["Dangjian-2026", "qing&Song9x", "demo-2026"])
def test_passwords_with_three_kinds_pass(password):
    validate_password(password, User(username="zhangsan"))
