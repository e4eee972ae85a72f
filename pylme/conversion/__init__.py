"""Python frames to R through Arrow, and R results back to Python values."""

from pylme.conversion.to_r import build_r_frame, fingerprint, plan_frame, to_r

__all__ = ["build_r_frame", "fingerprint", "plan_frame", "to_r"]
