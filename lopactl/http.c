/*
 * lopactl: the HTTP transport to lopad (libcurl).
 *
 * One blocking request per call.  Over a UNIX socket the URL's host is a
 * placeholder (http://localhost); over TCP the base comes from -H or
 * LOPA_DAEMON_ADDR.  The bearer token goes into one header and is wiped
 * from our copies after the request.
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
 * method path [body]: a JSON body is sent as application/json; a POST,
 * PUT or PATCH without body is sent with no Content-Type at all.
 * timeout: whole request in seconds, 0 for none (streams).
 */
int
http_request(const struct http_conn *conn, const char *method,
    const char *path, const char *json, long timeout, struct http_resp *resp,
    char *err, size_t errlen)
{
	CURL			*c;
	CURLcode		 rc;
	struct curl_slist	*hdrs = NULL, *h;
	struct body		 b;
	char			 ebuf[CURL_ERROR_SIZE];
	char			*url = NULL, *auth = NULL, *ct = NULL, *semi;
	int			 ret = -1, nobody;

	memset(resp, 0, sizeof(*resp));
	memset(&b, 0, sizeof(b));
	ebuf[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return (-1);
	}
	if (asprintf(&url, "%s%s", conn->base, path) == -1) {
		url = NULL;
		snprintf(err, errlen, "%s", strerror(errno));
		goto done;
	}

	h = curl_slist_append(hdrs,
	    "Accept: application/json, application/problem+json");
	if (h != NULL)
		hdrs = h;
	nobody = json == NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "DELETE") != 0 && strcmp(method, "HEAD") != 0;
	if (json != NULL || nobody) {
		h = curl_slist_append(hdrs, json != NULL ?
		    "Content-Type: application/json" : "Content-Type:");
		if (h != NULL)
			hdrs = h;
	}
	if (conn->token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s",
		    conn->token) == -1) {
			auth = NULL;
			snprintf(err, errlen, "%s", strerror(errno));
			goto done;
		}
		h = curl_slist_append(hdrs, auth);
		if (h != NULL)
			hdrs = h;
	}
	if (h == NULL) {
		snprintf(err, errlen, "curl_slist_append failed");
		goto done;
	}

	curl_easy_setopt(c, CURLOPT_URL, url);
	if (conn->sock != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, conn->sock);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT);
	if (timeout > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lopactl/" LOPA_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (json != NULL || nobody) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    json != NULL ? json : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
		    (long)(json != NULL ? strlen(json) : 0));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);

	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		request_error(c, rc, ebuf, &b, err, errlen);
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL) {
		if ((resp->ctype = strdup(ct)) == NULL) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto done;
		}
		if ((semi = strchr(resp->ctype, ';')) != NULL)
			*semi = '\0';
		semi = resp->ctype + strlen(resp->ctype);
		while (semi > resp->ctype && (semi[-1] == ' ' ||
		    semi[-1] == '\t'))
			*--semi = '\0';
	}
	if (b.p == NULL && (b.p = strdup("")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto done;
	}
	resp->body = b.p;
	resp->len = b.len;
	b.p = NULL;
	ret = 0;
 done:
	if (ret == -1) {
		free(resp->ctype);
		resp->ctype = NULL;
	}
	slist_wipe(hdrs);
	curl_slist_free_all(hdrs);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(b.p);
	free(url);
	curl_easy_cleanup(c);
	return (ret);
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
