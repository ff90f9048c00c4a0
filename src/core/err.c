#include "core/err.h"

const char *pdt_strerror(pdt_err rc)
{
	switch (rc) {
	case PDT_OK: return "ok";
	case PDT_EINVAL: return "invalid input";
	case PDT_ENOTFOUND: return "not found";
	case PDT_ECONFLICT: return "already exists";
	case PDT_ETOOBIG: return "too large";
	case PDT_EAUTH: return "authentication failed";
	case PDT_ESTORE: return "database error";
	case PDT_ECRYPTO: return "cryptography error";
	case PDT_EIO: return "i/o error";
	case PDT_EUPSTREAM: return "upstream error";
	case PDT_ERATELIMIT: return "rate limited";
	case PDT_ETIMEOUT: return "timed out";
	case PDT_ECANCELLED: return "cancelled";
	case PDT_EREFUSED: return "upstream target refused";
	case PDT_EUNAVAIL: return "database unavailable";
	case PDT_ENOMEM: return "out of memory";
	}
	return "unknown error";
}
