#ifndef PDT_CORE_ERR_H
#define PDT_CORE_ERR_H
/*
 * One error enum for all of pdt. Functions that can fail return a pdt_err;
 * PDT_OK is zero so `if (rc)` reads as "if it failed". The HTTP layer maps
 * these to statuses in exactly one place (http/response.c: http_status_for).
 */
typedef enum pdt_err {
	PDT_OK = 0,
	PDT_EINVAL,      /* bad input from a caller or a client */
	PDT_ENOTFOUND,   /* no such object (or not the caller's) */
	PDT_ECONFLICT,   /* unique constraint: already exists */
	PDT_ETOOBIG,     /* a size cap was hit */
	PDT_EAUTH,       /* authentication failed */
	PDT_ESTORE,      /* the database failed */
	PDT_ECRYPTO,     /* encryption, decryption or randomness failed */
	PDT_EIO,         /* file or socket I/O failed */
	PDT_EUPSTREAM,   /* an upstream service answered with an error */
	PDT_ERATELIMIT,  /* an upstream service rate-limited us */
	PDT_ETIMEOUT,    /* a deadline passed */
	PDT_ECANCELLED,  /* shutdown or an explicit cancel */
	PDT_EREFUSED,    /* an upstream target refused by policy (UPSTREAM_*): nothing sent */
	PDT_EUNAVAIL,    /* the database cannot be reached now (restart, network): retry */
	PDT_ENOMEM,      /* kept for completeness; allocation failure aborts (see mem.h) */
} pdt_err;

/* Static string describing rc; never NULL. */
const char *pdt_strerror(pdt_err rc);

#endif
