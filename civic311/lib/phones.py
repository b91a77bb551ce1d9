"""Phone numbers as the provider writes them (E.164: +13125550100), so a follower's '+1 312 555 0100' and
the number a text came from are the same number."""

import re

NANP_DIGITS = 10  # a North American number written without its country code


def e164(text: str) -> str:
    """'+1 (312) 555-0100' and '312 555 0100' -> '+13125550100'; '' when there are no digits."""
    digits = re.sub(r"[^0-9]", "", text or "")
    if not digits:
        return ""
    if len(digits) == NANP_DIGITS and not (text or "").strip().startswith("+"):
        digits = "1" + digits
    return "+" + digits
