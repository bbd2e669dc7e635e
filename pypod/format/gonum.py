"""Go's number and duration printing (strconv.FormatFloat, time.Duration.String) with no
imports beyond math: `pypod images` needs them for its SIZE and CREATED columns, the template
engine (gotemplate_fmt) for printf."""

from __future__ import annotations

import math


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-tripping decimal digits of abs(f) and Go's decimal point position."""
    mantissa, _, exp = repr(abs(f)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    # value = 0.<digits> * 10**dp; leading zeros move the point, trailing ones do not.
    dp = len(whole) + int(exp or "0")
    stripped = digits.lstrip("0")
    dp -= len(digits) - len(stripped)
    text = stripped.rstrip("0")
    if not text:
        return "0", 1
    return text, dp


def _fmt_e(digits: str, dp: int, prec: int, upper: bool) -> str:
    mant = digits[0]
    rest = digits[1:] if prec < 0 else digits[1:].ljust(prec, "0")[:prec]
    if rest:
        mant += "." + rest
    exp = dp - 1 if digits != "0" else 0
    sign = "-" if exp < 0 else "+"
    return f"{mant}{'E' if upper else 'e'}{sign}{abs(exp):02d}"


def _fmt_f(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * -dp + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def format_float(f: float, verb: str = "g", prec: int = -1) -> str:
    """strconv.FormatFloat(f, verb, prec, 64) for the verbs e, E, f, F, g, G."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = "-" if math.copysign(1.0, f) < 0 else ""
    lower = verb.lower()
    if prec >= 0:
        # Python and Go round the same way for fixed precision; only the sign of -0 differs.
        body = format(abs(f), f".{prec}{lower}")
        return neg + (body.upper() if verb.isupper() else body)
    digits, dp = _shortest_digits(f)
    if lower == "e":
        return neg + _fmt_e(digits, dp, -1, verb == "E")
    if lower == "f":
        return neg + _fmt_f(digits, dp)
    exp = dp - 1 if digits != "0" else 0
    # Go switches to %e at exponent 6 when printing the shortest representation.
    if exp < -4 or exp >= 6:
        return neg + _fmt_e(digits, dp, -1, verb == "G")
    return neg + _fmt_f(digits, dp)


def go_duration(seconds: float) -> str:
    """time.Duration.String(): 1h2m3.5s, 1.5ms, 0s."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim_frac(ns, size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _trim_frac(rest, 1_000_000_000) + "s"
    if hours or minutes:
        text = f"{minutes}m" + text
    if hours:
        text = f"{hours}h" + text
    return sign + text


def _trim_frac(n: int, size: int) -> str:
    whole, frac = divmod(n, size)
    if not frac:
        return str(whole)
    width = len(str(size)) - 1
    return f"{whole}.{str(frac).rjust(width, '0').rstrip('0')}"
