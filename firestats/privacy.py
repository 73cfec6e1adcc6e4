"""Personal data in reports: names masked unless allowed, identity and phone numbers never shown."""

from __future__ import annotations

import re

# Mainland resident identity numbers (18 characters) and mobile numbers, wherever they are typed.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_name(name: str) -> str:
    """A name masked for a shared report: 张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明."""
    name = str(name).strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def redact(text: str) -> str:
    """Free text with any identity or mobile number replaced by a notice."""
    return _PHONE.sub("[电话已隐去]", _ID_NUMBER.sub("[证件号已隐去]", str(text)))
