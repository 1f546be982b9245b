/*
 * lopactl: the HTTP transport to lopad (libcurl).
 *
 * One blocking request per call, or one stream read in a loop that
 * gives the caller control every HTTP_TICK_MS.  Over a UNIX socket the
 * URL's host is a placeholder (http://localhost); over TCP the base comes
 * from -H or LOPA_DAEMON_ADDR.  The bearer token goes into one header and
 * is wiped from our copies after the request.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "lopad.h"

struct body {
	char	*p;
	size_t	 len;
	int	 toolong;
};

/* One request being made. */
struct req {
	CURL			*c;
	struct curl_slist	*hdrs;
	char			*url;
	char			*auth;
	struct body		 b;
	char			 ebuf[CURL_ERROR_SIZE];
};

struct stream {
	struct req			 r;
	const struct http_stream_ops	*ops;
	long				 status;
	int				 aborted;
};

static int	 req_setup(struct req *, const struct http_conn *,
		    const char *, const char *, const char *, const char *,
		    long, char *, size_t);
static int	 req_answer(struct req *, struct http_resp *, char *, size_t);
static void	 req_free(struct req *);
static size_t	 stream_write(char *, size_t, size_t, void *);
static size_t	 body_write(char *, size_t, size_t, void *);
static void	 slist_wipe(struct curl_slist *);
static void	 request_error(CURL *, CURLcode, const char *,
		    const struct body *, char *, size_t);

int
http_init(void)
{
	return (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1);
}

/*
 * Accept "host:port", "[v6]:port" and "http(s)://host:port[/prefix]";
 * the result has no trailing slash, so API paths are appended as is.
 */
int
http_base(const char *arg, char **out, char *err, size_t errlen)
{
	CURLU		*u;
	CURLUcode	 uc;
	const char	*p;
	char		*url, *host = NULL, *query = NULL;
	size_t		 n;
	int		 rc = -1;

	*out = NULL;
	if (*arg == '\0') {
		snprintf(err, errlen, "empty daemon address");
		return (-1);
	}
	if ((p = strstr(arg, "://")) != NULL) {
		n = (size_t)(p - arg);
		if (!(n == 4 && strncasecmp(arg, "http", 4) == 0) &&
		    !(n == 5 && strncasecmp(arg, "https", 5) == 0)) {
			snprintf(err, errlen, "%s: unsupported URL scheme "
			    "(use http or https)", arg);
			return (-1);
		}
		url = strdup(arg);
	} else if (asprintf(&url, "http://%s", arg) == -1)
		url = NULL;
	if (url == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return (-1);
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';

	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", arg);
		free(url);
		return (-1);
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK)
		snprintf(err, errlen, "%s: %s", arg, curl_url_strerror(uc));
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host == NULL || *host == '\0')
		snprintf(err, errlen, "%s: no host in URL", arg);
	else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK)
		snprintf(err, errlen, "%s: a query is not allowed in the "
		    "daemon address", arg);
	else if (strchr(url, '#') != NULL)
		snprintf(err, errlen, "%s: a fragment is not allowed in the "
		    "daemon address", arg);
	else
		rc = 0;
	curl_free(host);
	curl_free(query);
	curl_url_cleanup(u);
	if (rc == 0)
		*out = url;
	else
		free(url);
	return (rc);
}

/*
 * Set up r for method path [body]: a JSON body is sent as
 * application/json; a POST, PUT or PATCH without body is sent with no
 * Content-Type at all.  timeout: whole request in seconds, 0 for none.
 */
static int
req_setup(struct req *r, const struct http_conn *conn, const char *method,
    const char *path, const char *json, const char *accept, long timeout,
    char *err, size_t errlen)
{
	struct curl_slist	*h;
	char			*acc;
	int			 nobody;

	memset(r, 0, sizeof(*r));
	if ((r->c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return (-1);
	}
	if (asprintf(&r->url, "%s%s", conn->base, path) == -1) {
		r->url = NULL;
		snprintf(err, errlen, "%s", strerror(errno));
		return (-1);
	}
	if (asprintf(&acc, "Accept: %s", accept) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return (-1);
	}
	h = curl_slist_append(r->hdrs, acc);
	free(acc);
	if (h != NULL)
		r->hdrs = h;
	nobody = json == NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "DELETE") != 0 && strcmp(method, "HEAD") != 0;
	if (h != NULL && (json != NULL || nobody)) {
		h = curl_slist_append(r->hdrs, json != NULL ?
		    "Content-Type: application/json" : "Content-Type:");
		if (h != NULL)
			r->hdrs = h;
	}
	if (h != NULL && conn->token != NULL) {
		if (asprintf(&r->auth, "Authorization: Bearer %s",
		    conn->token) == -1) {
			r->auth = NULL;
			snprintf(err, errlen, "%s", strerror(errno));
			return (-1);
		}
		h = curl_slist_append(r->hdrs, r->auth);
		if (h != NULL)
			r->hdrs = h;
	}
	if (h == NULL) {
		snprintf(err, errlen, "curl_slist_append failed");
		return (-1);
	}

	curl_easy_setopt(r->c, CURLOPT_URL, r->url);
	if (conn->sock != NULL)
		curl_easy_setopt(r->c, CURLOPT_UNIX_SOCKET_PATH, conn->sock);
	curl_easy_setopt(r->c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->c, CURLOPT_CONNECTTIMEOUT,
	    (long)HTTP_CONNECT_TIMEOUT);
	if (timeout > 0)
		curl_easy_setopt(r->c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(r->c, CURLOPT_ERRORBUFFER, r->ebuf);
	curl_easy_setopt(r->c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(r->c, CURLOPT_WRITEDATA, &r->b);
	curl_easy_setopt(r->c, CURLOPT_USERAGENT, "lopactl/" LOPA_VERSION);
	curl_easy_setopt(r->c, CURLOPT_HTTPHEADER, r->hdrs);
	if (json != NULL || nobody) {
		curl_easy_setopt(r->c, CURLOPT_POSTFIELDS,
		    json != NULL ? json : "");
		curl_easy_setopt(r->c, CURLOPT_POSTFIELDSIZE,
		    (long)(json != NULL ? strlen(json) : 0));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(r->c, CURLOPT_CUSTOMREQUEST, method);
	return (0);
}

/* The status, Content-Type and the body read into r->b. */
static int
req_answer(struct req *r, struct http_resp *resp, char *err, size_t errlen)
{
	char	*ct = NULL, *semi;

	curl_easy_getinfo(r->c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(r->c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL) {
		if ((resp->ctype = strdup(ct)) == NULL) {
			snprintf(err, errlen, "%s", strerror(errno));
			return (-1);
		}
		if ((semi = strchr(resp->ctype, ';')) != NULL)
			*semi = '\0';
		semi = resp->ctype + strlen(resp->ctype);
		while (semi > resp->ctype && (semi[-1] == ' ' ||
		    semi[-1] == '\t'))
			*--semi = '\0';
	}
	if (r->b.p == NULL && (r->b.p = strdup("")) == NULL) {
		free(resp->ctype);
		resp->ctype = NULL;
		snprintf(err, errlen, "%s", strerror(errno));
		return (-1);
	}
	resp->body = r->b.p;
	resp->len = r->b.len;
	r->b.p = NULL;
	return (0);
}

static void
req_free(struct req *r)
{
	slist_wipe(r->hdrs);
	curl_slist_free_all(r->hdrs);
	if (r->auth != NULL) {
		explicit_bzero(r->auth, strlen(r->auth));
		free(r->auth);
	}
	free(r->b.p);
	free(r->url);
	if (r->c != NULL)
		curl_easy_cleanup(r->c);
	memset(r, 0, sizeof(*r));
}

int
http_request(const struct http_conn *conn, const char *method,
    const char *path, const char *json, long timeout, struct http_resp *resp,
    char *err, size_t errlen)
{
	return (http_request_accept(conn, method, path, json,
	    HTTP_ACCEPT_JSON, timeout, resp, err, errlen));
}

int
http_request_accept(const struct http_conn *conn, const char *method,
    const char *path, const char *json, const char *accept, long timeout,
    struct http_resp *resp, char *err, size_t errlen)
{
	struct req	 r;
	CURLcode	 rc;
	int		 ret = -1;

	memset(resp, 0, sizeof(*resp));
	if (req_setup(&r, conn, method, path, json, accept, timeout, err,
	    errlen) == -1)
		goto done;
	if ((rc = curl_easy_perform(r.c)) != CURLE_OK) {
		request_error(r.c, rc, r.ebuf, &r.b, err, errlen);
		goto done;
	}
	ret = req_answer(&r, resp, err, errlen);
 done:
	req_free(&r);
	return (ret);
}

/*
 * A 200 answer goes to the caller's data function as it comes; any other
 * answer is read whole, as by http_request(), for its problem document.
 */
static size_t
stream_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct stream	*st = arg;
	size_t		 n = size * nmemb;

	if (st->status == 0)
		curl_easy_getinfo(st->r.c, CURLINFO_RESPONSE_CODE,
		    &st->status);
	if (st->status != 200)
		return (body_write(ptr, size, nmemb, &st->r.b));
	if (st->ops->data(st->ops->arg, ptr, n) == -1) {
		st->aborted = 1;
		return (0);
	}
	return (n);
}

/*
 * GET path as a stream, with no overall timeout.  The transfer runs in a
 * curl multi loop so that ops->tick runs at least every HTTP_TICK_MS
 * milliseconds, outside every curl callback: there the caller may make
 * other requests (stop the task) and end the stream (return 1).
 * 0 when the stream ended (the server closed it or tick ended it) with
 * resp->status set and, unless it is 200, the answer's body; -1 with the
 * reason in err when no answer came, the transfer broke or ops->data
 * returned -1.
 */
int
http_stream(const struct http_conn *conn, const char *path,
    const struct http_stream_ops *ops, struct http_resp *resp, char *err,
    size_t errlen)
{
	struct stream	 st;
	CURLM		*m = NULL;
	CURLMcode	 mc;
	CURLMsg		*msg;
	CURLcode	 rc = CURLE_OK;
	int		 running = 1, left, ended = 0, ret = -1, added = 0;

	memset(resp, 0, sizeof(*resp));
	memset(&st, 0, sizeof(st));
	st.ops = ops;
	if (req_setup(&st.r, conn, "GET", path, NULL, "text/event-stream, "
	    "application/problem+json", 0, err, errlen) == -1)
		goto done;
	curl_easy_setopt(st.r.c, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(st.r.c, CURLOPT_WRITEDATA, &st);
	if ((m = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		goto done;
	}
	if ((mc = curl_multi_add_handle(m, st.r.c)) != CURLM_OK)
		goto multi_error;
	added = 1;
	for (;;) {
		if ((mc = curl_multi_perform(m, &running)) != CURLM_OK)
			goto multi_error;
		if (!running)
			break;
		if (ops->tick != NULL && ops->tick(ops->arg) == 1) {
			ended = 1;
			break;
		}
		mc = curl_multi_poll(m, NULL, 0, HTTP_TICK_MS, NULL);
		if (mc != CURLM_OK)
			goto multi_error;
	}
	if (!ended) {
		while ((msg = curl_multi_info_read(m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				rc = msg->data.result;
		if (rc != CURLE_OK) {
			if (st.aborted)
				snprintf(err, errlen, "stream handling failed");
			else
				request_error(st.r.c, rc, st.r.ebuf, &st.r.b,
				    err, errlen);
			goto done;
		}
	}
	if (st.status == 0)
		curl_easy_getinfo(st.r.c, CURLINFO_RESPONSE_CODE, &st.status);
	if (st.status == 0 && ended) {
		resp->status = 0;
		ret = 0;
		goto done;
	}
	ret = req_answer(&st.r, resp, err, errlen);
	goto done;
 multi_error:
	snprintf(err, errlen, "%s", curl_multi_strerror(mc));
 done:
	if (added)
		curl_multi_remove_handle(m, st.r.c);
	if (m != NULL)
		curl_multi_cleanup(m);
	req_free(&st.r);
	return (ret);
}

char *
http_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out, *o;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return (NULL);
	for (p = (const unsigned char *)s, o = out; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '~' || *p == '-')
			*o++ = *p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	*o = '\0';
	return (out);
}

void
http_resp_free(struct http_resp *resp)
{
	free(resp->ctype);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body	*b = arg;
	size_t		 n = size * nmemb;
	char		*p;

	if (n > HTTP_MAX_BODY - b->len) {
		b->toolong = 1;
		return (0);
	}
	if ((p = realloc(b->p, b->len + n + 1)) == NULL)
		return (0);
	memcpy(p + b->len, ptr, n);
	b->len += n;
	p[b->len] = '\0';
	b->p = p;
	return (n);
}

/* The token is in one of these headers: wipe curl's copies too. */
static void
slist_wipe(struct curl_slist *l)
{
	for (; l != NULL; l = l->next)
		if (l->data != NULL)
			explicit_bzero(l->data, strlen(l->data));
}

/*
 * curl's own text for the failure, plus the system's reason when curl
 * saw one and did not already say it ("Connection refused", "No such
 * file or directory", "Permission denied").
 */
static void
request_error(CURL *c, CURLcode rc, const char *ebuf, const struct body *b,
    char *err, size_t errlen)
{
	const char	*why, *sys = NULL;
	long		 oserr = 0;

	if (rc == CURLE_WRITE_ERROR && b->toolong) {
		snprintf(err, errlen, "answer larger than %d bytes",
		    HTTP_MAX_BODY);
		return;
	}
	if (rc == CURLE_WRITE_ERROR) {
		snprintf(err, errlen, "out of memory reading the answer");
		return;
	}
	why = curl_easy_strerror(rc);
	if (curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK &&
	    oserr != 0)
		sys = strerror((int)oserr);
	/* Over TCP curl's buffer names host and port: worth showing. */
	if (rc != CURLE_COULDNT_CONNECT && ebuf[0] != '\0')
		why = ebuf;
	if (sys != NULL && strstr(why, sys) == NULL)
		snprintf(err, errlen, "%s (%s)", why, sys);
	else
		snprintf(err, errlen, "%s", why);
}
