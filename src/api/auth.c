/* POST /api/auth/register and /api/auth/login. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwtauth.h"
#include "auth/password.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/jsonbind.h"
#include "http/peer.h"
#include "http/response.h"
#include "core/banned.h"

#define EMAIL_MAX 254
#define NAME_MAX_LEN 200
#define PASSWORD_MIN 8
#define LOGIN_FIELD_MAX 1024

/* A deliberately plain check: one '@', a local part, a dotted domain, no
 * spaces or control characters. Deliverability is not our business. */
static bool email_valid(const char *e)
{
	size_t n = strlen(e);
	const char *at = strchr(e, '@');
	if (n == 0 || n > EMAIL_MAX || !at || at == e || strchr(at + 1, '@'))
		return false;
	for (const char *p = e; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	const char *dot = strchr(at + 1, '.');
	return dot && dot != at + 1 && dot[1] != '\0';
}

static json_t *user_json(const store_user *u)
{
	return json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)u->id,
			 "email", http_json_str(u->email), "name", http_json_str(u->name),
			 "created_at", http_json_time(u->created_at),
			 "updated_at", http_json_time(u->updated_at));
}

/* 200/201 {"token","user"} for u. */
static void answer_session(api_app *a, const store_user *u, int status, http_resp *resp)
{
	char *tok = NULL;
	int64_t ttl = (int64_t)a->cfg->jwt_expiry_hours * 3600;
	if (jwtauth_issue(a->cfg->jwt_secret, u->id, timeutil_now(), ttl, &tok)) {
		http_resp_error(resp, 500, "internal error");
		return;
	}
	http_resp_json(resp, status, json_pack("{s:s,s:o}", "token", tok, "user", user_json(u)));
	free(tok);
}

void api_auth_register(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *email = NULL, *password = NULL, *name = "";
	char err[160];
	char *hash = NULL;
	store_user u = {0};
	const jsonbind_field f[] = {
		{"email", JSONBIND_STRING, true, 1024, &email, NULL},
		{"password", JSONBIND_STRING, true, 1024, &password, NULL},
		{"name", JSONBIND_STRING, false, NAME_MAX_LEN, &name, NULL},
	};
	if (!a->cfg->registration_enabled) {
		http_resp_error(resp, 403, "registration is disabled");
		return;
	}
	if (jsonbind_fields(req->json, f, 3, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (!email_valid(email)) {
		http_resp_error(resp, 400, "invalid email address");
		return;
	}
	size_t pl = strlen(password);
	if (pl < PASSWORD_MIN || pl > PASSWORD_MAX_LEN) {
		http_resp_error(resp, 400, "password must be 8 to 72 bytes long");
		return;
	}
	if (password_hash(password, &hash)) {
		http_resp_error(resp, 500, "internal error");
		return;
	}
	pdt_err rc = store_user_create(a->st, email, name, hash, timeutil_now(), &u);
	if (rc == PDT_ECONFLICT)
		http_resp_error(resp, 409, "email already registered");
	else if (rc)
		http_resp_from_err(resp, rc, NULL);
	else
		answer_session(a, &u, 201, resp);
	free(hash);
	store_user_release(&u);
}

/* A bcrypt hash of a random string: verifying against it for unknown emails
 * keeps the response time the same, so it does not tell which emails exist. */
static const char *dummy_hash = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.kXJKQ7ml3T5v1XhRkq1/ZhN2iVnO";

/* What a login attempt is throttled on (auth/throttle.h): the account as the
 * lookup matches it (SQLite's lower() folds ASCII only, so do we) and the
 * socket's peer. Unknown emails count like known ones, so probing for which
 * emails exist gains nothing over guessing passwords. */
typedef struct login_keys {
	char account[LOGIN_FIELD_MAX + 1];
	size_t account_len;
	unsigned char addr[HTTP_PEER_KEY_MAX];
	size_t addr_len;
} login_keys;

static void login_keys_init(login_keys *k, const http_req *req, const char *email)
{
	size_t n = strnlen(email, LOGIN_FIELD_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = email[i];
		k->account[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	k->account[n] = '\0';
	k->account_len = n;
	k->addr_len = http_req_peer_key(req, k->addr);
}

/* true (and a 429 with Retry-After in resp) when the attempt must wait; asked
 * before the password is verified, so a refused attempt costs no bcrypt. */
static bool login_throttled(api_app *a, const login_keys *k, http_resp *resp)
{
	if (!a->logins)
		return false;
	int64_t wait_ms = throttle_check(a->logins, k->account, k->account_len,
					 k->addr_len ? k->addr : NULL, k->addr_len,
					 timeutil_mono_ms());
	if (wait_ms <= 0)
		return false;
	http_resp_retry_after(resp, 429, "too many attempts", (wait_ms + 999) / 1000);
	return true;
}

static void login_record(api_app *a, const login_keys *k, bool ok)
{
	if (!a->logins)
		return;
	if (ok)
		throttle_succeed(a->logins, k->account, k->account_len);
	else
		throttle_fail(a->logins, k->account, k->account_len, k->addr_len ? k->addr : NULL,
			      k->addr_len, timeutil_mono_ms());
}

void api_auth_login(void *app, http_req *req, http_resp *resp)
{
	api_app *a = app;
	const char *email = NULL, *password = NULL;
	char err[160];
	login_keys keys;
	store_user u = {0};
	const jsonbind_field f[] = {
		{"email", JSONBIND_STRING, false, LOGIN_FIELD_MAX, &email, NULL},
		{"password", JSONBIND_STRING, false, LOGIN_FIELD_MAX, &password, NULL},
	};
	if (jsonbind_fields(req->json, f, 2, err, sizeof err)) {
		http_resp_error(resp, 400, err);
		return;
	}
	if (!email || !*email || !password || !*password) {
		http_resp_error(resp, 400, "email and password are required");
		return;
	}
	login_keys_init(&keys, req, email);
	if (login_throttled(a, &keys, resp))
		return;
	pdt_err rc = store_user_by_email(a->st, email, &u);
	if (rc && rc != PDT_ENOTFOUND) {
		http_resp_from_err(resp, rc, NULL);
		return;
	}
	bool ok = password_verify(password, rc ? dummy_hash : u.password_hash) && !rc;
	login_record(a, &keys, ok);
	if (!ok)
		http_resp_error(resp, 401, "invalid credentials");
	else
		answer_session(a, &u, 200, resp);
	store_user_release(&u);
}
