"""The embedded R session: started lazily, one per process, guarded by one lock."""

from pylme.runtime.session import R_LOCK, RCallResult, RSession, get_session, r_scripts_dir

__all__ = ["R_LOCK", "RCallResult", "RSession", "get_session", "r_scripts_dir"]
